"""Voice prompts: ``espeak:`` (sound card), ``sim:///dir`` (WAV files), ``none:`` (silent)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from drivers.uri import DeviceUri
from drivers.voice.device import SilentVoice, VoiceOutput, WavFileVoice


def _espeak(uri: DeviceUri) -> VoiceOutput:
    return VoiceOutput(uri.raw)


def _sim(uri: DeviceUri) -> VoiceOutput:
    directory = Path(uri.path) if uri.path else Path(tempfile.mkdtemp(prefix="kiosk-voice-"))
    return WavFileVoice(uri.raw, directory)


def _none(uri: DeviceUri) -> VoiceOutput:
    return SilentVoice(uri.raw)


SCHEMES = {"espeak": _espeak, "sim": _sim, "none": _none}
