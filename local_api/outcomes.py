"""The citizen learns the outcome of what they submitted, even when kioskd is killed in between.

A case is stored in the outbox before the citizen is told anything. From then on this service follows
how far the citizen got (``Outbox.mark``): the number shown on screen, then the receipt printed (or the
session went on past the print step). The session as it stood at the submit is kept sealed with the
case until then. When kioskd starts again it resumes the newest such session that is only minutes old:
the citizen, if still there, sees the number and gets the receipt. A session resumed like that counts as
seen only once somebody touches it or the receipt comes out; if it ends untouched (idle, another card),
the case is marked missed and the hub is told, so staff can see it was filed without a receipt.

It also finds a repeat: the same person applying for the same item again within a short time is told
so before anything is filed twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flows.events import CLIENT_EVENT_TYPES
from flows.model import ServiceItem, Snapshot
from local_api.codes import id_type
from local_api.crypto import Sealer
from local_api.outbox import MISSED, RECEIPTED, SHOWN, Outbox

log = logging.getLogger(__name__)


def subject_of(sealer: Sealer, applicant: dict[str, Any]) -> str | None:
    """The keyed hash that stands for the applicant (document type and number), or None without a number."""
    number = str(applicant.get("id_number") or "").strip().upper()
    return sealer.digest(f"{id_type(applicant)}:{number}") if number else None


def has_print_after(item: ServiceItem, step_id: str) -> bool:
    """Whether the item prints something after ``step_id`` (its receipt), so the outcome is on paper too."""
    ids = [s.id for s in item.steps]
    return step_id in ids and any(s.kind == "print" for s in item.steps[ids.index(step_id) + 1:])


class Outcomes:
    def __init__(self, outbox: Outbox, sealer: Sealer, *, recovery: timedelta = timedelta(minutes=5),
                 duplicate_window: timedelta = timedelta(minutes=30)) -> None:
        self.outbox = outbox
        self.sealer = sealer
        self.recovery = recovery
        self.duplicate_window = duplicate_window
        self._lock = threading.Lock()
        self._keys: dict[str, str] = {}  # session id -> key of the case it submitted
        self._resumed: set[str] = set()  # sessions brought back after a restart, not yet touched

    # -- at the submit ------------------------------------------------------------------------------
    def subject(self, applicant: dict[str, Any]) -> str | None:
        return subject_of(self.sealer, applicant)

    def repeat_of(self, subject: str | None, item_code: str) -> dict[str, Any] | None:
        """The same person's application for the same item a short while ago, if there is one."""
        if subject is None:
            return None
        return self.outbox.recent_case(subject, item_code, self.duplicate_window)

    def resume_copy(self, snap: Snapshot | None) -> bytes | None:
        """What to keep with the case so the session can be resumed (sealed by the outbox)."""
        return snap.model_dump_json().encode() if snap is not None else None

    def submitted(self, session_id: str, key: str, item: ServiceItem | None, step_id: str, told: bool) -> None:
        """The session was given its number (``told``), or had ended before it could be."""
        with self._lock:
            self._keys[session_id] = key
            resumed = session_id in self._resumed
        if not told:
            self.outbox.mark(key, MISSED)
        elif not resumed:
            final = item is None or not has_print_after(item, step_id)
            self.outbox.mark(key, SHOWN if not final else RECEIPTED)

    # -- as the session goes on -----------------------------------------------------------------------
    def observe(self, item: ServiceItem | None, before: Snapshot | None, after: Snapshot, event: Any) -> None:
        """Called by the session service after every change of the current session."""
        session_id = after.session_id
        with self._lock:
            key = self._keys.get(session_id)
            if key is None:
                return
            resumed = session_id in self._resumed
            touched = event is not None and event.type in CLIENT_EVENT_TYPES
            if resumed and (touched or getattr(event, "type", "") == "printed"):
                self._resumed.discard(session_id)
                resumed = False
        if after.status != "active":
            with self._lock:
                self._keys.pop(session_id, None)
                self._resumed.discard(session_id)
            # Ended: untouched after a restart means nobody saw the number; otherwise the number was seen.
            self.outbox.mark(key, MISSED if resumed else RECEIPTED)
            return
        if resumed:
            return
        if touched or getattr(event, "type", "") == "printed":
            self.outbox.mark(key, SHOWN)
        left_print = (before is not None and item is not None and before.step != after.step
                      and _kind(item, before.step) == "print")
        if left_print and (after.case_no or after.provisional_no):  # printed, or the citizen chose no paper
            self.outbox.mark(key, RECEIPTED)

    # -- after a restart ----------------------------------------------------------------------------
    def recover(self, catalog: dict[str, ServiceItem], restore: Callable[[Snapshot], Any],
                now: datetime) -> str | None:
        """Bring back the newest session whose citizen may still be waiting for their number.

        ``restore`` installs the snapshot as the current session; the caller then delivers the number.
        Returns the case's key, or None when there is nothing to resume.
        """
        found = self.outbox.to_resume(self.recovery)
        if found is None:
            return None
        key, blob = found
        try:
            snap = Snapshot.model_validate_json(blob)
        except ValueError:
            log.error("a stored session could not be read; its case is marked missed")
            self.outbox.mark(key, MISSED)
            return None
        if snap.item_code not in catalog:
            self.outbox.mark(key, MISSED)
            return None
        with self._lock:
            self._keys[snap.session_id] = key
            self._resumed.add(snap.session_id)
        restore(snap.model_copy(update={"status": "active", "updated_at": now, "idle_deadline": None,
                                        "idle_warned": False, "helper_requested": False, "notice": None}))
        log.info("resumed a session killed before its citizen had the outcome", extra={"session": snap.session_id})
        return key


def _kind(item: ServiceItem, step_id: str) -> str:
    return next((s.kind for s in item.steps if s.id == step_id), "")
