"""Queue tickets (取号) and appointment check-in (预约签到) at the kiosk.

Numbers come from the hub, the hall's single source of numbers. When it cannot be reached the kiosk
issues from its own block (prefix ``Z``, counter on disk per hall day), records each such ticket in
its database and reports them with ``POST /queue/local-tickets`` once the hub answers again.
Refusals (a closed service, a full day, an appointment outside its window) become a ``refused``
code in the result, which the flow definitions turn into a citizen screen; nothing is printed.
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from flows.fields import age_on, parse_date
from local_api.db.models import LocalTicket
from local_api.errors import HubBusy, HubUnreachable, TicketRefused
from local_api.hub_client import HubClient, HubRejected
from local_api.worker import Worker
from wire.errors import PayloadInvalid, parse
from wire.ticket import LocalTicket as LocalTicketPayload
from wire.ticket import LocalTicketBatch

log = logging.getLogger(__name__)

LOCAL_PREFIX = "Z"
ELDERLY_AGE = 60  # the hub decides for its own numbers; the kiosk applies the same rule to its block
DECLARED = ("pregnant", "disability")
PRIORITY_LABELS = {"elderly": "老年人优先", "pregnant": "孕妇优先", "disability": "残疾人优先",
                   "appointment": "预约优先"}
# What each refusal tells the citizen when the hub's sentence is not for citizens' eyes.
REFUSAL_TEXT = {
    "unknown_service": "本大厅暂不办理这项业务。",
    "service_closed": "该业务现在不在办理时间内。",
    "day_full": "该业务今天的号已经取完了。",
    "no_appointment": "没有查到您今天的预约。",
    "too_early": "还没到签到时间。",
    "too_late": "预约已过签到时间。",
    "already_checked_in": "您已经签到过了。",
}
REFUSAL_EXTRAS = ("opens", "closes", "window_opens", "number")

_local_lock = threading.Lock()
_letters: dict[str, str] = {}  # ticket letter -> service code, as the hub last listed them (used while it is away)


def _refusal(exc: HubRejected) -> TicketRefused:
    code = exc.code or "rejected"
    extra = {k: str(exc.body[k]) for k in REFUSAL_EXTRAS if exc.body.get(k) is not None}
    return TicketRefused(code, REFUSAL_TEXT.get(code, "暂时不能办理，请到服务台咨询。"), extra, exc.detail, exc.status)


def next_local_number(state_file: Path, day: str, prefix: str = LOCAL_PREFIX) -> str:
    """The next number of the kiosk's own block for ``day``; kept on disk so a restart never repeats one.

    ``prefix`` is the kiosk's own letter (``KIOSK_QUEUE_LOCAL_PREFIX``): kiosks of one hall that may be
    cut off together are given different letters, so two of them never hand out the same number.
    """
    with _local_lock:
        try:
            counters = json.loads(state_file.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            counters = {}
        seq = int(counters.get(day, 0)) + 1
        tmp = state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({day: seq}), encoding="utf-8")  # only today's counter is worth keeping
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        tmp.replace(state_file)
    return f"{prefix}{seq:03d}"


def local_category(priority: str | None, birth_date: str | None, hall_day: datetime) -> str | None:
    """The priority of a number from the kiosk's block: declared, or 60+ from the card's birth date."""
    if priority in DECLARED:
        return priority
    age = age_on(birth_date or "", hall_day.date())
    return "elderly" if age is not None and age >= ELDERLY_AGE else None


MAX_FOLLOW_URL = 150  # fits a QR code at module 6 on 58 mm paper; a longer one is not printed rather than refused


def follow_url(value: Any) -> str | None:
    """The hub's follow-the-queue link if it is a plain http(s) address short enough for the ticket's QR code."""
    if not isinstance(value, str) or len(value) > MAX_FOLLOW_URL or not value.isascii() or not value.isprintable():
        return None
    if " " in value or not value.startswith(("https://", "http://")):
        return None
    return value


def ticket_result(body: dict[str, Any], *, service: str) -> dict[str, Any]:
    """A hub ticket (``/queue/tickets`` or a check-in) as the session keeps and the ticket prints it."""
    category = body.get("priority_category")
    return {
        "number": body["number"], "people_ahead": int(body.get("people_ahead") or 0),
        "estimated_wait_min": body.get("estimated_wait_minutes"), "service": body.get("service") or service,
        "service_label": body.get("service_name", ""), "priority": bool(body.get("priority") or category),
        "priority_category": category, "priority_label": PRIORITY_LABELS.get(category or "", ""),
        "appointment_no": body.get("appointment_no"), "follow_url": follow_url(body.get("follow_url")), "source": "hub",
    }


HubSource = Callable[[], HubClient | None]  # the hub's client now; None while no hub is configured


class QueueDesk:
    """Hands out queue numbers and checks appointments in: from the hub, else from the kiosk's own block."""

    def __init__(self, hub: HubSource, state_file: Path, book: LocalTicketBook | None, *,
                 clock: Callable[[], datetime], timezone: str, local_prefix: str = LOCAL_PREFIX) -> None:
        self.hub = hub
        self.state_file = state_file  # the own block's counter
        self.book = book  # records numbers from the block until the hub has them
        self.clock = clock
        self.timezone = timezone
        self.local_prefix = local_prefix  # the letter of this kiosk's own block (Z unless told otherwise)

    def take_ticket(self, service: str, *, key: str, priority: str | None = None,
                    birth_date: str | None = None) -> dict[str, Any]:
        """A queue number from the hub, or from the kiosk's own block when the hub cannot be reached.

        ``service`` is the hub's service code, or its ticket letter (``A``) as halls call services;
        ``birth_date`` (from the ID card, never the number) lets 60+ citizens be called first.
        """
        if priority is not None and priority not in DECLARED:
            raise ValueError(f"priority must be one of {', '.join(DECLARED)}, not {priority!r}")
        born = parse_date(birth_date or "")
        client = self.hub()
        if client is not None:
            try:
                code = _service_code(client, service)
                body = client.take_ticket(code, key=key, priority=priority,
                                          birth_date=born.isoformat() if born else None)
            except HubRejected as exc:
                raise _refusal(exc) from None
            except HubUnreachable:
                pass
            else:
                if self.book is not None:
                    self.book.hub_answered()  # the hub is back: numbers issued while it was away can go now
                return ticket_result(body, service=code)
        return self._local_ticket(service, priority, born.isoformat() if born else None)

    def _local_ticket(self, service: str, priority: str | None, birth_date: str | None) -> dict[str, Any]:
        now = self.clock().astimezone(ZoneInfo(self.timezone))
        day = now.strftime("%Y%m%d")
        category = local_category(priority, birth_date, now)
        prefix = self.local_prefix
        if prefix in _letters:  # known from the hub's service list: the hall would see two different A001s
            log.warning("KIOSK_QUEUE_LOCAL_PREFIX is also a service letter of this hall; give the kiosk another one",
                        extra={"prefix": prefix})
        number = next_local_number(self.state_file, day, prefix)
        if _is_letter(service):
            service = _letters.get(service, service)  # the hub knows services by code
        if self.book is not None:
            self.book.record(number, day, service, now.isoformat(timespec="seconds"), category)
        log.info("queue number from the kiosk's own block", extra={"number": number, "service": service})
        return {"number": number, "people_ahead": 0, "estimated_wait_min": None, "service": service,
                "service_label": "", "priority": category is not None, "priority_category": category,
                "priority_label": PRIORITY_LABELS.get(category or "", ""), "appointment_no": None,
                "follow_url": None, "source": "local"}

    def check_in(self, *, key: str, qr: str | None = None, id_type: str | None = None,
                 id_number: str | None = None) -> dict[str, Any]:
        """Check an appointment in by its QR text or its holder's ID: a ticket, ``TicketRefused``, ``HubBusy``
        (too many check-ins by ID card from this kiosk for now) or ``HubUnreachable`` (the citizen can try again
        or take a normal number)."""
        client = self.hub()
        if client is None:
            raise HubUnreachable("this kiosk has no hub to check appointments in with")
        try:
            body = client.check_in(key=key, qr=qr, id_type=id_type, id_number=id_number)
        except HubRejected as exc:
            raise _refusal(exc) from None
        except HubBusy:
            raise  # the hub is there but refuses this kiosk for now: not a connection problem
        except HubUnreachable as exc:
            raise HubUnreachable(f"the hub cannot be reached; appointments cannot be checked in now ({exc})",
                                 exc.kind) from None
        result = ticket_result(body, service=str(body.get("service") or ""))
        result["priority_category"] = result["priority_category"] or "appointment"
        result["priority"] = True
        result["priority_label"] = PRIORITY_LABELS[result["priority_category"]]
        return result


def _is_letter(service: str) -> bool:
    return len(service) == 1 and service.isupper()


def _service_code(client: HubClient, service: str) -> str:
    if _is_letter(service):
        listed = client.queue_services()
        _letters.clear()
        _letters.update({str(s.get("prefix")): str(s.get("code")) for s in listed if s.get("prefix")})
        if service in _letters:
            return _letters[service]
        raise HubRejected(404, f"no service with the letter {service} at this site", {"code": "unknown_service"})
    return service


# ---- numbers from the kiosk's block, until the hub has them ----

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class LocalTicketBook:
    """Durable record of the kiosk's own numbers; ``report`` sends the unreported ones in one batch."""

    def __init__(self, db: sessionmaker[Session], kiosk_id: Callable[[], str], *, clock: Clock = _utcnow,
                 batch: int = 200, on_change: Callable[[], None] = lambda: None) -> None:
        self.db = db
        self.kiosk_id = kiosk_id  # asked at each batch: an enrolment may bring another id
        self.clock = clock
        self.batch = batch
        self.on_change = on_change  # wakes the reporter

    def record(self, number: str, hall_day: str, service: str, issued_at: str, category: str | None) -> None:
        """Store one number before it is printed; the same (day, number) is stored once. One the hub's model
        (``wire.ticket.LocalTicket``) would refuse raises ``PayloadInvalid`` and is not stored."""
        parse(LocalTicketPayload, {"number": number, "service": service, "issued_at": issued_at,
                            "priority_category": category}, "local ticket")
        try:
            with self.db.begin() as s:
                s.add(LocalTicket(number=number, hall_day=hall_day, service=service, issued_at=issued_at,
                                  priority_category=category, state="pending", attempts=0, last_error=""))
        except IntegrityError:
            log.warning("local ticket recorded twice", extra={"number": number, "day": hall_day})
        self.on_change()

    def hub_answered(self) -> None:
        if self.pending_count():
            self.on_change()

    def pending_count(self) -> int:
        with self.db() as s:
            return s.scalar(select(func.count()).select_from(LocalTicket).where(LocalTicket.state == "pending")) or 0

    def report(self, client: HubClient) -> int:
        """Send pending numbers in issue order; returns how many were settled (taken by the hub, or refused)."""
        with self.db() as s:
            rows = s.scalars(select(LocalTicket).where(LocalTicket.state == "pending")
                             .order_by(LocalTicket.id).limit(self.batch)).all()
        if not rows:
            return 0
        ids = [r.id for r in rows]
        try:
            batch = parse(LocalTicketBatch, {"tickets": [
                {"number": r.number, "service": r.service, "issued_at": r.issued_at,
                 "priority_category": r.priority_category} for r in rows]}, "local ticket batch")
        except PayloadInvalid as exc:  # rows stored before the check existed: the hub would refuse them too
            self._finish(ids, "rejected", str(exc))
            log.error("local tickets not sent: %s", exc)
            return len(ids)
        # The same batch always gets the same key; the hub also ignores a (kiosk, number, day) it has.
        key = f"{self.kiosk_id()}-local-{rows[0].hall_day}-{rows[0].number}-{rows[-1].hall_day}-{rows[-1].number}"
        try:
            answer = client.report_local_tickets(batch, key=key[:128])
        except HubUnreachable as exc:
            self._note(ids, str(exc))
            raise
        except HubRejected as exc:
            if exc.status in (401, 403):  # the kiosk's token, not the tickets
                self._note(ids, str(exc))
                raise HubUnreachable(str(exc)) from None
            self._finish(ids, "rejected", str(exc))
            log.error("hub refused the kiosk's local tickets", extra={"status": exc.status, "count": len(ids)})
            return len(ids)
        refused = {str(t.get("number")) for t in answer.get("rejected") or [] if isinstance(t, dict)}
        self._finish([r.id for r in rows if r.number not in refused], "reported", "")
        if refused:
            self._finish([r.id for r in rows if r.number in refused], "rejected", "the hub has no such service")
            log.error("hub refused some local tickets", extra={"count": len(refused)})
        return len(rows)

    def _note(self, ids: list[int], error: str) -> None:
        with self.db.begin() as s:
            for row in s.scalars(select(LocalTicket).where(LocalTicket.id.in_(ids))):
                row.attempts += 1
                row.last_error = error[:500]

    def _finish(self, ids: list[int], state: str, error: str) -> None:
        now = self.clock()
        with self.db.begin() as s:
            for row in s.scalars(select(LocalTicket).where(LocalTicket.id.in_(ids))):
                row.state, row.last_error, row.attempts = state, error[:500], row.attempts + 1
                if state == "reported":
                    row.reported_at = now

    def purge(self, retention: timedelta = timedelta(days=7)) -> int:
        """Forget numbers the hub has had for longer than ``retention``."""
        cutoff = self.clock() - retention
        with self.db.begin() as s:
            old = s.scalars(select(LocalTicket).where(LocalTicket.state == "reported",
                                                      LocalTicket.reported_at < cutoff)).all()
            for row in old:
                s.delete(row)
        return len(old)

    def status(self) -> dict[str, int]:
        with self.db() as s:
            counts = dict(s.execute(select(LocalTicket.state, func.count()).group_by(LocalTicket.state)).all())
        return {"pending": counts.get("pending", 0), "reported": counts.get("reported", 0),
                "rejected": counts.get("rejected", 0)}


class LocalTicketReporter(Worker):
    """Reports the block's numbers when woken (the book's ``on_change``), and retries with backoff while the hub
    is away."""

    def __init__(self, book: LocalTicketBook, client: HubClient, *, first_retry_s: float = 2.0,
                 max_retry_s: float = 60.0) -> None:
        # Nothing pending: it sleeps until a number is issued (the book wakes it).
        super().__init__("reporting local tickets", self._step, interval_s=math.inf, join_s=20,
                         failure_wait=lambda failures: self.max_retry_s)
        self.book = book
        self.client = client
        self.first_retry_s = first_retry_s
        self.max_retry_s = max_retry_s
        self._delay = first_retry_s

    def stop(self) -> None:
        super().stop()
        self.client.close()

    def _step(self) -> float | None:
        try:
            while self.book.report(self.client):
                pass
        except HubUnreachable:
            wait, self._delay = self._delay, min(self.max_retry_s, self._delay * 2)
            return wait
        self.book.purge()
        self._delay = self.first_retry_s
        return None
