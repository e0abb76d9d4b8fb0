"""The ID card reader: reads a card for an identify step, holds a card placed at the home screen for the
session the citizen then starts, and ends a session when someone else's card is placed during it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from common.masking import mask_name
from drivers.errors import DriverError, NotPresent
from drivers.id_card.errors import CardRemoved
from flows import effects as fx
from flows import events as ev
from flows.engine import CARD_HELD
from flows.model import Snapshot
from local_api.codes import CARD_TYPES
from local_api.devices import DeviceManager
from local_api.events import EventBus
from local_api.schemas import HeldCardView, PushMessage
from local_api.sessions import SessionService
from local_api.worker import Worker

log = logging.getLogger(__name__)


def card_event_record(record: dict[str, Any]) -> dict[str, Any]:
    """The card record as the engine sees it: flow card types, no photo (it is not needed there)."""
    out = {k: v for k, v in record.items() if k != "photo_wlt"}
    out["card_type"] = CARD_TYPES.get(record.get("card_type", ""), record.get("card_type", ""))
    out.setdefault("issuer", record.get("authority", ""))
    return out


@dataclass
class _HeldCard:
    record: Any  # drivers.id_card.records.IdCardRecord: kept in memory only
    deadline: float  # time.monotonic() after which an unused card is dropped
    session_id: str | None = None  # the session it went to


class CardWatch:
    def __init__(self, sessions: SessionService, devices: DeviceManager, bus: EventBus | None, *,
                 speak: Callable[[str], None], clock: Callable[[], datetime], poll_s: float = 0.3,
                 card_hold_s: float = 90.0, monotonic: Callable[[], float] = time.monotonic,
                 on_photo: Callable[[str, bytes], None] = lambda session_id, wlt: None) -> None:
        self.sessions = sessions
        self.devices = devices
        self.bus = bus
        self.speak = speak  # spoken off the reader's thread
        self.clock = clock
        self.poll_s = poll_s
        self.card_hold_s = card_hold_s  # how long a card placed at the home screen waits for a service to be chosen
        self.monotonic = monotonic
        self._card_session: str | None = None  # the identify step waiting for a card
        self._held: _HeldCard | None = None
        self.worker = Worker("card reader", self._step, interval_s=1.0, failure_wait=lambda failures: 1.0)
        # told of the card's photo (WLT bytes) when a card goes to a session: the face check keeps it
        self.on_photo = on_photo

    def start(self) -> None:
        self.worker.start()

    def stop(self) -> None:
        self.worker.stop()

    # -- effects --------------------------------------------------------------------------------
    def start_reading(self, session_id: str, effect: fx.StartCardReader) -> None:
        self._card_session = session_id
        self.worker.wake()

    def stop_reading(self, session_id: str, effect: fx.StopCardReader) -> None:
        self.forget(session_id)

    def forget(self, session_id: str) -> None:
        """The session no longer waits for a card (it moved on, or is being wiped)."""
        if self._card_session == session_id:
            self._card_session = None

    # -- the reader's loop ----------------------------------------------------------------------
    def _step(self) -> float:
        """One look at the reader; returns how long to wait before the next."""
        session_id = self._card_session
        snap = self.sessions.snapshot()
        active = snap if snap is not None and snap.status == "active" else None
        self._forget_held_card_unless(active)
        if session_id and self._held is not None:  # placed at home: it is this step's card
            record, self._held = self._held.record, None
            self._card_session = None
            self._read(session_id, record)
            return 0
        watched = None if session_id or active is None or not active.card else active
        at_home = active is None
        reader = self.devices.get("id_reader")
        if session_id is None and ((watched is None and not at_home) or reader is None):
            return 1.0  # nothing to read for: until an identify step starts (it wakes the worker)
        if reader is None:
            self._card_session = None
            self.sessions.system_event(session_id, ev.DeviceFault(at=self.clock(), device="id_reader",
                                                                  reason="this kiosk has no ID card reader"))
            return 0
        try:
            record = reader.poll()  # type: ignore[attr-defined]
        except NotPresent:
            record = None
        except DriverError as exc:
            if session_id:  # a card pulled mid-read or a torn frame: tell the citizen, keep reading
                self.sessions.system_event(session_id, ev.CardFailed(at=self.clock(), reason=card_reason(exc)))
            return 1.0
        if record is not None and session_id and self._card_session == session_id:
            self._card_session = None
            self._read(session_id, record)
            return 0
        if at_home:
            if record is not None:
                self._hold_card(record)
            elif self._held is not None and not getattr(reader, "card_present", True):
                self._drop_held_card("taken away")
        elif record is not None and watched is not None and record.id_number != watched.card.get("id_number"):
            # Another person's card: the previous citizen has gone. End their session and wipe it,
            # so the newcomer never sees it; their own card read again is simply ignored.
            log.info("another card during a session; ending it", extra={"session": watched.session_id})
            self.sessions.abandon("another card")
            return 0
        return self.poll_s

    def _read(self, session_id: str, record: Any) -> None:
        self.on_photo(session_id, bytes(record.photo_wlt))
        self.sessions.system_event(session_id, ev.CardRead(at=self.clock(), record=card_event_record(record.to_dict())))

    # A card placed at the home screen logs the citizen in: it is read at once, greeted by its masked
    # name, and given to the identify step of whatever item they tap. It is held in memory only, and
    # only while it lies on the reader, at most card_hold_s, and never beyond the session it started.
    def _hold_card(self, record: Any) -> None:
        self._held = _HeldCard(record, self.monotonic() + self.card_hold_s)
        log.info("card placed at the home screen; held for the next session")
        self.publish("held", mask_name(record.name))
        self.speak(CARD_HELD)

    def _drop_held_card(self, why: str) -> None:
        self._held = None
        log.info("held card dropped", extra={"why": why})
        self.publish("gone", "")

    def _forget_held_card_unless(self, active: Snapshot | None) -> None:
        held = self._held
        if held is None:
            return
        if active is not None and held.session_id is None:
            held.session_id = active.session_id  # the session it is meant for
        elif held.session_id is not None and (active is None or active.session_id != held.session_id):
            self._drop_held_card("its session ended")
        elif active is None and self.monotonic() > held.deadline:
            self._drop_held_card("not used in time")

    def publish(self, state: str, name_masked: str) -> None:
        if self.bus is not None:
            self.bus.publish(PushMessage(type="card", card=HeldCardView(state=state, name_masked=name_masked)))


def card_reason(exc: DriverError) -> str:
    text = str(exc)
    if isinstance(exc, CardRemoved) or "removed" in text or "taken off" in text:
        return "读卡时身份证被移开了，请把身份证重新放好，不要移动"
    return "读卡没有成功，请把身份证重新放在感应区"
