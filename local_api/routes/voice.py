"""``/v1/voice``: mute from the UI's button, and speak for the technician's test."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from drivers.voice.device import VoiceOutput
from local_api.errors import NoDevice
from local_api.state import Daemon, DaemonDep

router = APIRouter(prefix="/voice")


class MuteIn(BaseModel):
    muted: bool


class SayIn(BaseModel):
    text: str = Field(min_length=1, max_length=500)


def _voice(daemon: Daemon) -> VoiceOutput:
    device = daemon.devices.get("voice")
    if not isinstance(device, VoiceOutput):
        raise NoDevice("this kiosk has no voice device; set KIOSK_VOICE")
    return device


@router.post("/mute")
def mute(body: MuteIn, daemon: DaemonDep) -> dict[str, bool]:
    _voice(daemon).set_muted(body.muted)
    return {"muted": body.muted}


@router.post("/say")
def say(body: SayIn, daemon: DaemonDep) -> dict[str, bool]:
    _voice(daemon).speak(body.text)
    return {"spoken": True}
