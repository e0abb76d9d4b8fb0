"""The small effects that need no device of their own: consent rows, the helper call's push messages, voice."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session, sessionmaker

from drivers.voice.pack import VoicePack
from flows import effects as fx
from local_api.db.models import ConsentRecord
from local_api.devices import DeviceManager
from local_api.events import EventBus
from local_api.schemas import HelperView, PushMessage


class ConsentLedger:
    """Records each consent the citizen gave or refused, with the text's version (never the person)."""

    def __init__(self, db: sessionmaker[Session]) -> None:
        self.db = db

    def record(self, session_id: str, effect: fx.RecordConsent) -> None:
        with self.db.begin() as s:
            s.add(ConsentRecord(at=effect.at, session_id=session_id, item_code=effect.item_code,
                                text_version=f"{effect.consent_id}@{effect.version}", accepted=effect.accepted))


class HelperCalls:
    """Tells the UI and the helper's view that the citizen asked for help, or no longer needs it."""

    def __init__(self, bus: EventBus | None) -> None:
        self.bus = bus

    def call(self, session_id: str, effect: fx.CallHelper) -> None:
        if self.bus is not None:
            self.bus.publish(PushMessage(type="helper", session_id=session_id,
                                         helper=HelperView(state="called", step=effect.step)))

    def cancel(self, session_id: str, effect: fx.CancelHelper) -> None:
        if self.bus is not None:
            self.bus.publish(PushMessage(type="helper", session_id=session_id, helper=HelperView(state="cancelled")))


class Voice:
    """Speaks the engine's prompts on the voice device, if the kiosk has one: a hall's recording of the
    prompt in the citizen's language where its voice pack has one, else Mandarin synthesis."""

    def __init__(self, devices: DeviceManager, packs: Mapping[str, VoicePack] | None = None) -> None:
        self.devices = devices
        self.packs = dict(packs or {})

    def say(self, text: str) -> None:
        voice = self.devices.get("voice")
        if voice is not None:
            voice.speak(text)  # type: ignore[attr-defined]

    def speak(self, session_id: str, effect: fx.Speak) -> None:
        pack = self.packs.get(effect.language)
        recording = pack.wav(effect.prompt_id) if pack is not None and effect.prompt_id else None
        voice = self.devices.get("voice")
        if recording is None or voice is None:
            self.say(effect.text)
        else:
            voice.play(recording, effect.text)  # type: ignore[attr-defined]
