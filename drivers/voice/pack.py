"""A hall's recorded prompts for a language espeak cannot speak: a folder of ``<prompt id>.wav`` files.

Each file is checked before it is ever played: 16-bit PCM WAV, mono, 16 kHz or more, 0.3 to 30 s
long, loud enough to be heard in a hall (RMS above -35 dBFS) and not clipped (under 0.1 % of the
samples at full scale). A file that fails is not used and its problem says what to fix; the prompt
is then spoken in Mandarin as before.
"""

from __future__ import annotations

import math
import wave
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MIN_RATE_HZ = 16_000
MIN_SECONDS, MAX_SECONDS = 0.3, 30.0
MIN_RMS_DBFS = -35.0
MAX_CLIPPED_SHARE = 0.001
_FULL_SCALE = 32767


@dataclass(frozen=True)
class Recording:
    """One file that passed the checks, with what was measured."""

    prompt_id: str
    path: Path
    seconds: float
    rate_hz: int
    rms_dbfs: float


@dataclass(frozen=True)
class PackProblem:
    file: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


@dataclass
class VoicePack:
    """The usable recordings of one folder and what is wrong with the others."""

    language: str
    folder: Path
    recordings: dict[str, Recording] = field(default_factory=dict)
    problems: list[PackProblem] = field(default_factory=list)

    def wav(self, prompt_id: str) -> bytes | None:
        """The recording's bytes, or None when the pack has no usable one for this prompt."""
        recording = self.recordings.get(prompt_id)
        return recording.path.read_bytes() if recording is not None else None

    def missing(self, expected: Iterable[str]) -> list[str]:
        """The prompt ids among ``expected`` that have no usable recording, in the order given."""
        return [prompt_id for prompt_id in expected if prompt_id not in self.recordings]


def check_wav(path: Path) -> tuple[Recording | None, str]:
    """Measure one file: (the recording, '') when it may be played, else (None, what to fix)."""
    try:
        with wave.open(str(path), "rb") as wav:
            channels, width, rate, frames = wav.getnchannels(), wav.getsampwidth(), wav.getframerate(), wav.getnframes()
            data = wav.readframes(frames)
    except (wave.Error, EOFError) as exc:
        return None, f"not a PCM WAV file ({exc}); export it as WAV, 16-bit PCM, mono"
    except OSError as exc:
        return None, f"cannot read it ({exc.__class__.__name__})"
    if width != 2:
        return None, f"{8 * width}-bit samples; export as 16-bit PCM"
    if channels != 1:
        return None, f"{channels} channels; export as mono"
    if rate < MIN_RATE_HZ:
        return None, f"sample rate {rate} Hz is too low for clear speech; record at {MIN_RATE_HZ} Hz or more"
    seconds = frames / rate
    if not MIN_SECONDS <= seconds <= MAX_SECONDS:
        return None, (f"{seconds:.2f} s long; a prompt must last {MIN_SECONDS} to {MAX_SECONDS:.0f} s "
                      "(is it empty, or several prompts in one file?)")
    samples = np.frombuffer(data, dtype="<i2").astype(np.float64)
    rms = math.sqrt(float(np.mean(samples * samples))) if samples.size else 0.0
    rms_dbfs = 20 * math.log10(rms / _FULL_SCALE) if rms > 0 else -math.inf
    if rms_dbfs < MIN_RMS_DBFS:
        return None, (f"too quiet (RMS {rms_dbfs:.1f} dBFS); record closer to the microphone or normalise "
                      f"to about -20 dBFS (at least {MIN_RMS_DBFS:.0f})")
    clipped = float(np.mean(np.abs(samples) >= _FULL_SCALE))
    if clipped > MAX_CLIPPED_SHARE:
        return None, f"clipped ({clipped:.1%} of samples at full scale); record again with less input gain"
    return Recording(path.stem, path, round(seconds, 3), rate, round(rms_dbfs, 1)), ""


def load_pack(folder: Path, language: str, known: Iterable[str] | None = None) -> VoicePack:
    """Check every WAV of ``folder``; with ``known`` prompt ids, a file named for none of them is a problem."""
    pack = VoicePack(language, folder)
    if not folder.is_dir():
        pack.problems.append(PackProblem(str(folder), "no such folder; give the folder holding <prompt id>.wav files"))
        return pack
    known_ids = set(known) if known is not None else None
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() != ".wav":
            if path.is_file() and not path.name.startswith("."):
                pack.problems.append(PackProblem(path.name, "not a .wav file; only <prompt id>.wav files are read"))
            continue
        if known_ids is not None and path.stem not in known_ids:
            pack.problems.append(PackProblem(path.name, f"no prompt has the id '{path.stem}'; name the file by "
                                                        "the id kioskctl voice pack lists (item.step)"))
            continue
        recording, why = check_wav(path)
        if recording is None:
            pack.problems.append(PackProblem(path.name, why))
        else:
            pack.recordings[recording.prompt_id] = recording
    return pack
