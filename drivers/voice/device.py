"""The voice device: speaks prompts through the sound card, into WAV files (``sim:``), or not at all."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import threading
import time
from pathlib import Path

from drivers.base import Device, DeviceStatus, Health
from drivers.errors import DriverError
from drivers.voice.engine import EspeakPinyinEngine, TtsEngine

# Fixed prompts rendered at set-up (python -m local_api.prompts), so they play without synthesis.
PROMPTS_DIR = Path(__file__).resolve().parents[2] / "assets" / "voice"


def prompt_key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class VoiceOutput(Device):
    """Speaks one prompt at a time; a new prompt interrupts the one playing (the screen moved on)."""

    kind = "voice"

    def __init__(self, uri: str, engine: TtsEngine | None = None, cache_dir: Path | None = None) -> None:
        super().__init__(uri)
        self.engine = engine or EspeakPinyinEngine()
        self.cache_dir = cache_dir
        self.muted = False
        self.spoken = 0
        self._player: subprocess.Popen[bytes] | None = None
        self._play_lock = threading.Lock()

    def speak(self, text: str) -> None:
        """Say ``text`` unless muted; errors are reported in the status, never raised to a session."""
        if self.muted or not text.strip():
            return
        try:
            wav = self._wav(text)
            self._output(wav, text)
            self.spoken += 1
            self.set_status(DeviceStatus(Health.ONLINE, "", {"muted": self.muted}))
        except DriverError as exc:
            self.set_status(DeviceStatus(Health.ERROR, str(exc), {"muted": self.muted}))

    def play(self, wav: bytes, text: str) -> None:
        """Play a recorded prompt (``text`` is what it says, for the log of ``sim:``) unless muted."""
        if self.muted:
            return
        try:
            self._output(wav, text)
            self.spoken += 1
            self.set_status(DeviceStatus(Health.ONLINE, "", {"muted": self.muted}))
        except DriverError as exc:
            self.set_status(DeviceStatus(Health.ERROR, str(exc), {"muted": self.muted}))

    def set_muted(self, muted: bool) -> None:
        self.muted = muted
        if muted:
            self._stop_playing()
        self.set_status(DeviceStatus(self.status.health, self.status.message, {"muted": muted}))

    def probe(self) -> DeviceStatus:
        ok = getattr(self.engine, "available", True)
        status = DeviceStatus(
            Health.ONLINE if ok else Health.OFFLINE,
            "" if ok else "espeak-ng is not installed",
            {"muted": self.muted},
        )
        self.set_status(status)
        return status

    def _wav(self, text: str) -> bytes:
        key = prompt_key(text)
        rendered = PROMPTS_DIR / f"{key}.wav"
        if rendered.exists():
            return rendered.read_bytes()
        if self.cache_dir is None:
            return self.engine.synthesize(text)
        # Dynamic text (numbers, names of materials) repeats too: synthesise each once.
        path = self.cache_dir / f"{key}.wav"
        if path.exists():
            return path.read_bytes()
        wav = self.engine.synthesize(text)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(wav)
        tmp.replace(path)
        return wav

    def _output(self, wav: bytes, text: str) -> None:
        player = shutil.which("aplay") or shutil.which("play")
        if player is None:
            raise DriverError("no audio player (aplay or sox's play) is installed")
        with self._play_lock:
            self._stop_playing()
            args = [player, "-q", "-"] if player.endswith("aplay") else [player, "-q", "-t", "wav", "-"]
            self._player = subprocess.Popen(args, stdin=subprocess.PIPE, stderr=subprocess.DEVNULL)
            assert self._player.stdin is not None
            try:
                self._player.stdin.write(wav)
                self._player.stdin.close()
            except BrokenPipeError:
                raise DriverError("the audio player stopped; check the sound card") from None

    def _stop_playing(self) -> None:
        if self._player and self._player.poll() is None:
            self._player.terminate()
        self._player = None

    def _close(self) -> None:
        self._stop_playing()


class WavFileVoice(VoiceOutput):
    """``sim:///dir``: each utterance becomes ``NNNN.wav`` plus ``NNNN.txt`` with the text spoken."""

    def __init__(self, uri: str, directory: Path, engine: TtsEngine | None = None) -> None:
        super().__init__(uri, engine=engine, cache_dir=directory / ".cache")
        self.directory = directory

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)

    def _output(self, wav: bytes, text: str) -> None:
        stem = self.directory / f"{time.strftime('%Y%m%d-%H%M%S')}-{self.spoken:04d}"
        stem.with_suffix(".wav").write_bytes(wav)
        stem.with_suffix(".txt").write_text(text + "\n", encoding="utf-8")


class SilentVoice(VoiceOutput):
    """``none:``: the kiosk has no speaker; prompts are counted, not spoken."""

    def _wav(self, text: str) -> bytes:
        return b""

    def _output(self, wav: bytes, text: str) -> None:
        return

    def probe(self) -> DeviceStatus:
        status = DeviceStatus(Health.ONLINE, "no speaker configured", {"muted": self.muted})
        self.set_status(status)
        return status
