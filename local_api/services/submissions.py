"""Submissions: the application is stored durably in the outbox before the citizen is told its number;
ratings follow it. Tickets, check-in and record queries are answered at once by ``local_api.queries``."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flows import effects as fx
from flows import events as ev
from flows.model import ServiceItem
from local_api.codes import RATING_LEVELS
from local_api.outbox import Outbox, OutboxFull, Receipt
from local_api.outcomes import Outcomes
from local_api.queries import QueryService
from local_api.services.application import build_application
from local_api.sessions import SessionService
from wire.errors import PayloadInvalid

log = logging.getLogger(__name__)


class SubmissionService:
    def __init__(self, sessions: SessionService, outbox: Outbox, outcomes: Outcomes | None, queries: QueryService,
                 *, wake_forwarder: Callable[[], None], background: Callable[..., None],
                 stopping: threading.Event, clock: Callable[[], datetime], timezone: str) -> None:
        self.sessions = sessions
        self.outbox = outbox
        self.outcomes = outcomes  # follows whether the citizen learnt the outcome of a case
        self.queries = queries
        self.wake_forwarder = wake_forwarder
        self.background = background  # runs work off the caller's thread
        self.stopping = stopping
        self.clock = clock
        self.timezone = timezone

    def submit_application(self, session_id: str, effect: fx.SubmitApplication) -> None:
        if effect.purpose != "application":
            self.sessions.system_event(session_id, self.queries.answer(session_id, effect))
            return
        applicant = dict(effect.applicant)
        item = self.sessions.catalog.get(effect.item_code)
        receipt = self.outbox.receipt(effect.idempotency_key)  # a retry, or the session resumed after a kill
        if receipt is None:
            subject = self.outcomes.subject(applicant) if self.outcomes else None
            earlier = None if effect.allow_duplicate or not self.outcomes else \
                self.outcomes.repeat_of(subject, effect.item_code)
            if earlier is not None:
                self.sessions.system_event(session_id, ev.SubmitDuplicate(
                    at=self.clock(), number=earlier["case_no"] or earlier["provisional_no"] or "",
                    when=earlier["created_at"].astimezone(ZoneInfo(self.timezone)).strftime("%H:%M")))
                return
            try:
                receipt = self._store(session_id, effect, item, subject)
            except OutboxFull:
                self.sessions.system_event(session_id, ev.SubmitFailed(
                    at=self.clock(), reason="本机存储空间已满，暂时无法保存新的申请，请到人工窗口办理"))
                return
            except OSError as exc:
                log.error("outbox store failed", extra={"errno": exc.errno})
                self.sessions.system_event(session_id, ev.SubmitFailed(
                    at=self.clock(), reason="本机保存申请失败，请到人工窗口办理"))
                return
            except PayloadInvalid as exc:  # the item's definition or this code, not the citizen: staff must look
                log.error("application refused before storing: %s", exc)
                self.sessions.system_event(session_id, ev.SubmitFailed(
                    at=self.clock(), reason="本机无法生成符合要求的申请，请到人工窗口办理"))
                return
        self.deliver_receipt(session_id, effect.idempotency_key, receipt)

    def _store(self, session_id: str, effect: fx.SubmitApplication, item: ServiceItem | None,
               subject: str | None) -> Receipt:
        application, files = build_application(effect, item, self.sessions.folder(session_id))
        snap = self.sessions.snapshot()
        resume = self.outcomes.resume_copy(snap) if self.outcomes and snap and snap.session_id == session_id else None
        return self.outbox.store_case(effect.idempotency_key, effect.item_code, application, files,
                                      subject_hash=subject, resume=resume)

    def resume_interrupted(self) -> None:
        """After a restart: the citizen whose number was not shown yet gets it now (and the receipt)."""
        if self.outcomes is None:
            return
        key = self.outcomes.recover(self.sessions.catalog, self.sessions.restore, self.clock())
        receipt = self.outbox.receipt(key) if key else None
        snap = self.sessions.snapshot()
        if key and receipt is not None and snap is not None:
            self.background(self.deliver_receipt, snap.session_id, key, receipt)

    def deliver_receipt(self, session_id: str, key: str, receipt: Receipt) -> None:
        """Stored durably: the citizen may be told now. Try to get the real case number quickly."""
        self.wake_forwarder()
        case_no = receipt.case_no or self._wait_case_no(receipt.provisional_no, timeout_s=3.0)
        snap = self.sessions.snapshot()
        step = snap.step if snap is not None and snap.session_id == session_id else ""
        told = self.sessions.system_event(session_id, ev.Submitted(
            at=self.clock(), case_no=case_no, provisional_no=None if case_no else receipt.provisional_no))
        if self.outcomes is not None:
            self.outcomes.submitted(session_id, key, self.sessions.catalog.get(snap.item_code) if snap else None,
                                    step, told is not None)

    def _wait_case_no(self, provisional_no: str, timeout_s: float) -> str | None:
        deadline = datetime.now(UTC) + timedelta(seconds=timeout_s)
        while datetime.now(UTC) < deadline and not self.stopping.is_set():
            case_no = self.outbox.case_no_for(provisional_no)
            if case_no:
                return case_no
            self.stopping.wait(0.1)
        return None

    def submit_rating(self, session_id: str, effect: fx.SubmitRating) -> None:
        case = effect.case_no
        if case is None:
            return  # nothing to attach the rating to (a query with no case)
        provisional = case if case.startswith("P") else None
        rating = {
            "level": RATING_LEVELS[effect.level],
            "channel": "self_service_terminal",
            "reasons": [effect.reason] if effect.reason else [],
            "rated_at": effect.rated_at.isoformat(),
        }
        try:
            self.outbox.store_rating(effect.idempotency_key, effect.item_code, rating,
                                     case_no=None if provisional else case, provisional_no=provisional)
            self.wake_forwarder()
        except OutboxFull:
            log.error("rating dropped: storage full")
        except PayloadInvalid as exc:  # never the citizen's doing; the message names fields, not values
            log.error("rating refused before storing: %s", exc)
