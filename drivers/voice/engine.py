"""Text-to-speech engines behind one interface, so a neural voice can replace espeak later."""

from __future__ import annotations

import shutil
import subprocess
from typing import Protocol

from drivers.errors import DeviceNotFound, DeviceTimeout, DriverError
from drivers.voice.text import to_pinyin


class TtsEngine(Protocol):
    def synthesize(self, text: str) -> bytes:
        """Return a WAV file's bytes speaking ``text``."""


class EspeakPinyinEngine:
    """espeak-ng's ``cmn-latn-pinyin`` voice fed with pypinyin output."""

    voice = "cmn-latn-pinyin"

    def __init__(self, speed: int = 150, timeout_s: float = 10.0) -> None:
        self.speed = speed
        self.timeout_s = timeout_s
        self.binary = shutil.which("espeak-ng")

    @property
    def available(self) -> bool:
        return self.binary is not None

    def synthesize(self, text: str) -> bytes:
        if self.binary is None:
            raise DeviceNotFound("espeak-ng is not installed; install Debian's espeak-ng package")
        try:
            done = subprocess.run(
                [self.binary, "-v", self.voice, "-s", str(self.speed), "--stdout", to_pinyin(text)],
                capture_output=True,
                timeout=self.timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise DeviceTimeout(f"espeak-ng took longer than {self.timeout_s:.0f} s") from None
        if done.returncode != 0 or not done.stdout.startswith(b"RIFF"):
            raise DriverError(f"espeak-ng failed ({done.returncode}): {done.stderr[:200].decode(errors='replace')}")
        return done.stdout
