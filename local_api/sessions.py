"""The citizen's session: one at a time per kiosk, held by the daemon, stepped by the pure engine.

Every change goes through :meth:`SessionService.apply`, under one lock: the engine computes the
next snapshot and the effects, the snapshot is published to the UI, and the effects go to the
effect services, whose results come back here as events. Personal data lives only in the snapshot held
here and in the session's scan folder; both are wiped when the session ends or idles out.
"""

from __future__ import annotations

import logging
import shutil
import threading
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from flows import engine
from flows.effects import StopCapture, StopCardReader, StopFaceCheck, WipeFace
from flows.events import InvalidEvent, Tick, client_event
from flows.model import ServiceItem, Snapshot
from flows.view import session_view
from local_api.db.models import SessionAudit
from local_api.errors import BadRequest, NoSuchItem, NoSuchSession, NotReady, Rejected, SessionBusy
from local_api.logs import redactor
from local_api.schemas import PushMessage, SessionSnapshot

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


RunEffects = Callable[[str, list[Any]], None]
Precheck = Callable[[ServiceItem], None]
# Told of every change of the current session: (item, before, after, event or None).
Observer = Callable[[ServiceItem | None, Snapshot | None, Snapshot, Any], None]


class Publisher(Protocol):
    """Where snapshots go for the UI: kioskd's event bus."""

    def publish(self, message: PushMessage) -> None: ...


class _Rows(Protocol):
    def add(self, instance: object) -> None: ...


class AuditLog(Protocol):
    """Where the session's audit rows are written: kioskd's database sessions (``db.begin()``)."""

    def begin(self) -> AbstractContextManager[_Rows]: ...


class BadEvent(BadRequest, InvalidEvent):
    """An event the engine cannot read (a field missing or of the wrong kind)."""

    code = "invalid_event"


class SessionService:
    def __init__(self, catalog: dict[str, ServiceItem], sessions_root: Path, *, db: AuditLog, bus: Publisher,
                 clock: Clock | None = None, run_effects: RunEffects | None = None,
                 precheck: Precheck | None = None, observers: Sequence[Observer] = ()) -> None:
        self.catalog = catalog
        self.root = sessions_root
        self.db = db
        self.bus = bus
        self.clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.RLock()
        self._snap: Snapshot | None = None
        self._item: ServiceItem | None = None
        self.run_effects: RunEffects = run_effects or (lambda sid, fx: None)  # performs the engine's orders
        # Checked before a session starts, so nobody fills in a form the kiosk cannot finish.
        self.precheck: Precheck = precheck or (lambda item: None)
        self.observers = tuple(observers)
        # Scans left behind by a crash belong to nobody any more.
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True, exist_ok=True)

    # -- queries --------------------------------------------------------------------------------
    def current(self) -> SessionSnapshot | None:
        with self._lock:
            return self._view() if self._snap and self._snap.status == "active" else None

    def get(self, session_id: str) -> SessionSnapshot:
        with self._lock:
            if self._snap is None or self._snap.session_id != session_id:
                raise NoSuchSession(session_id)
            return self._view()

    def snapshot(self) -> Snapshot | None:
        with self._lock:
            return self._snap

    def while_idle(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` while no session is active and none can start (SessionBusy if one is active).

        A technician's self-test claims the devices this way: ``start`` checks for a session and runs
        ``precheck`` under the same lock, so a citizen's session and the claim never overlap.
        """
        with self._lock:
            if self._snap is not None and self._snap.status == "active":
                raise SessionBusy(self._snap.session_id)
            return fn()

    def folder(self, session_id: str) -> Path:
        return self.root / session_id

    # -- changes --------------------------------------------------------------------------------
    def start(self, item_code: str, *, elder_mode: bool = False, language: str = "zh_CN") -> SessionSnapshot:
        item = self.catalog.get(item_code)
        if item is None:
            codes = ", ".join(sorted(self.catalog))
            raise NoSuchItem(f"no service item {item_code!r}; this kiosk offers: {codes}")
        with self._lock:
            if self._snap is not None and self._snap.status == "active":
                raise SessionBusy(self._snap.session_id)
            self.precheck(item)  # NotReady
            session_id = uuid.uuid4().hex[:16]
            self.folder(session_id).mkdir(parents=True, exist_ok=True)
            snap, effects = engine.start(item, session_id=session_id, at=self.clock(), elder_mode=elder_mode,
                                         language=language)
            self._item, self._snap = item, snap
            self._audit("start", "ok")
            view = self._publish()
        self.run_effects(session_id, effects)
        return view

    def restore(self, snap: Snapshot) -> SessionSnapshot:
        """Make a session kept from before a restart the current one again (see ``local_api.outcomes``)."""
        item = self.catalog[snap.item_code]
        with self._lock:
            if self._snap is not None and self._snap.status == "active":
                raise SessionBusy(self._snap.session_id)
            self.folder(snap.session_id).mkdir(parents=True, exist_ok=True)
            self._item, self._snap = item, snap
            if snap.card:
                redactor.register(snap.card.get("name"), snap.card.get("address"), snap.card.get("name_en"))
            self._audit("resume", "ok")
            return self._publish()

    def client_event(self, session_id: str, type_: str, data: dict[str, Any]) -> SessionSnapshot:
        """An event from the UI or a helper; 404/409/422 cases raise without changing anything."""
        with self._lock:
            if self._snap is None or self._snap.session_id != session_id:
                raise NoSuchSession(session_id)
            try:
                event = client_event(type_, data, self.clock())
            except BadEvent:
                raise
            except InvalidEvent as exc:
                raise BadEvent(str(exc)) from None
            return self._apply(event)

    def system_event(self, session_id: str, event: Any) -> SessionSnapshot | None:
        """A device or outbox result; dropped if its session is no longer the current one."""
        with self._lock:
            if self._snap is None or self._snap.session_id != session_id or self._snap.status != "active":
                log.info("result for an ended session dropped", extra={"event": event.type})
                return None
            try:
                return self._apply(event)
            except Rejected as exc:
                log.warning("device result did not fit the step",
                            extra={"event": event.type, "step": exc.step, "detail": exc.detail})
                return None

    def tick(self) -> None:
        with self._lock:
            if self._snap is None or self._snap.status != "active":
                return
            session_id = self._snap.session_id
        self.system_event(session_id, Tick(at=self.clock()))

    def abandon(self, reason: str = "abandoned") -> None:
        """End the current session at once (e.g. a new card replaced the citizen, or shutdown)."""
        with self._lock:
            if self._snap is None or self._snap.status != "active":
                return
            snap = self._snap.model_copy(update={"status": "abandoned", "card": None, "form": {}, "pages": {},
                                                 "result": {}, "idle_deadline": None, "signatures": ()})
            effects: list[Any] = [StopCardReader(), StopCapture(), StopFaceCheck(), WipeFace()]
            before, self._snap = self._snap, snap
            self._audit("abandon", reason)
            self._publish()
            self._notify(before, snap, None)
            session_id = snap.session_id
        self.run_effects(session_id, effects)
        self.wipe(session_id)

    def wipe(self, session_id: str) -> None:
        """Forget everything personal of a session: snapshot data, scans, names known to the log filter."""
        with self._lock:
            if self._snap is not None and self._snap.session_id == session_id:
                if self._snap.status == "active":
                    return  # never wipe a live session
                self._snap = None
                self._item = None
        shutil.rmtree(self.folder(session_id), ignore_errors=True)
        redactor.clear()
        self.bus.publish(PushMessage(type="session_ended", session_id=session_id))

    # -- internals ------------------------------------------------------------------------------
    def _apply(self, event: Any) -> SessionSnapshot:
        assert self._snap is not None and self._item is not None
        before = self._snap
        try:
            snap, effects = engine.transition(self._item, before, event)
        except engine.EventNotAccepted as exc:
            raise Rejected(exc.step_id, exc.expected_client, str(exc.detail)) from None
        self._snap = snap
        if snap.card and snap.card is not before.card:
            redactor.register(snap.card.get("name"), snap.card.get("address"), snap.card.get("name_en"))
        if event.type != "tick" or snap.step != before.step or snap.status != before.status:
            self._audit(event.type, snap.status if snap.status != "active" else "")
            log.info("session event", extra={"session": snap.session_id, "event": event.type,
                                             "step": snap.step, "status": snap.status})
        view = self._publish()
        self._notify(before, snap, event)
        if effects:
            self.run_effects(snap.session_id, effects)
        return view

    def _notify(self, before: Snapshot | None, after: Snapshot, event: Any) -> None:
        for observer in self.observers:
            try:
                observer(self._item, before, after, event)
            except Exception:  # bookkeeping must never stop a citizen
                log.exception("session observer failed")

    def _view(self) -> SessionSnapshot:
        assert self._snap is not None and self._item is not None
        return SessionSnapshot.model_validate(session_view(self._item, self._snap))

    def _publish(self) -> SessionSnapshot:
        view = self._view()
        self.bus.publish(PushMessage(type="session", session_id=view.id, session=view))
        return view

    def _audit(self, event: str, outcome: str) -> None:
        assert self._snap is not None
        try:
            with self.db.begin() as s:
                s.add(SessionAudit(at=self.clock(), session_id=self._snap.session_id, item_code=self._snap.item_code,
                                   step=self._snap.step, event=event, outcome=outcome))
        except Exception:  # the audit trail must never stop a citizen
            log.exception("session audit write failed")


__all__ = ["BadEvent", "InvalidEvent", "NoSuchItem", "NoSuchSession", "NotReady", "Rejected", "SessionBusy",
           "SessionService"]
