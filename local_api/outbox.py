"""Store first, forward later: nothing a citizen submitted is lost to a hub outage, a kill or a power cut.

``store_case`` writes the submission (encrypted) and its files to disk and commits one row before
it returns, and only then is the citizen told it was received. The forwarder sends due entries
with their idempotency key, so a crash between the hub's answer and our commit only makes the
hub answer "already have it" (200) on the next try, never create a second case.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import random
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from local_api.crypto import InvalidToken, Sealer
from local_api.db.models import Counter, OutboxEntry
from local_api.hub_client import HubClient, HubRejected, HubUnreachable, UploadFile
from local_api.worker import Worker
from wire.application import CaseApplication
from wire.errors import parse
from wire.notice import CaseNotice
from wire.rating import Rating

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
MIN_FREE_BYTES = 32 * 1024 * 1024  # leave room for SQLite's journal and the logs
SWEEP_EVERY_S = 600.0


class OutboxFull(Exception):
    """The kiosk's disk cannot take another submission; nothing already stored was touched."""


@dataclass(frozen=True)
class Receipt:
    provisional_no: str
    case_no: str | None
    created: bool


@dataclass(frozen=True)
class MaterialFile:
    name: str
    content_type: str
    label: str
    data: bytes


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything we store is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# How far the citizen got with the outcome of a stored case (OutboxEntry.outcome).
STORED, SHOWN, RECEIPTED, MISSED = "", "shown", "receipted", "missed"
WAITING_FOR_CASE_S = 60.0  # a rating whose case is not on the hub yet looks again this often (and at the ack)


class Outbox:
    def __init__(self, db: sessionmaker[Session], root: Path, sealer: Sealer, kiosk_id: Callable[[], str], *,
                 clock: Clock = _utcnow, min_free_bytes: int = MIN_FREE_BYTES,
                 backoff_base_s: float = 2.0, backoff_max_s: float = 300.0,
                 timezone: str = "Asia/Shanghai") -> None:
        self.db = db
        self.root = root
        self.sealer = sealer
        self.kiosk_id = kiosk_id  # asked at each number: an enrolment may bring another id
        self.clock = clock
        self.zone = ZoneInfo(timezone)  # provisional numbers carry the hall's date, like the hub's case numbers
        self._failing: str | None = None  # the first error of the current streak of failed sends, once logged
        self.min_free_bytes = min_free_bytes
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.root.mkdir(parents=True, exist_ok=True)
        self._writing: set[str] = set()  # scan folders a store of this process is writing now
        self._writing_lock = threading.Lock()
        self._swept_at: float | None = None

    # -- storing ----------------------------------------------------------------------------
    def receipt(self, key: str) -> Receipt | None:
        """The receipt of an application already stored under ``key`` (a retry, or a resumed session)."""
        existing = self._by_key(key)
        return None if existing is None else Receipt(existing.provisional_no or "", existing.case_no, created=False)

    def store_case(self, key: str, item_code: str, application: dict[str, Any],
                   files: list[MaterialFile], *, subject_hash: str | None = None,
                   resume: bytes | None = None) -> Receipt:
        """Durably store an application; the same key returns the first receipt again.

        ``resume`` is the session as it stood at the submit (sealed here, dropped once the citizen has
        their receipt): kioskd killed before the citizen saw the number shows it after its restart.
        An application the hub's model (``wire.application``) would refuse raises ``PayloadInvalid``
        and nothing is stored: found here, before the citizen is given a number, not at the hub later.
        """
        parse(CaseApplication, application, "application")
        existing = self.receipt(key)
        if existing is not None:
            return existing
        self._check_space(sum(len(f.data) for f in files) + len(json.dumps(application)) * 2)
        folder = self.root / _safe_dir(key)
        with self._writing_lock:
            self._writing.add(folder.name)
        try:
            self._write_files(folder, files)
            return self._insert_case(key, item_code, application, files, folder, subject_hash,
                                     self.sealer.seal(resume) if resume is not None else None)
        except OSError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise OutboxFull("the kiosk's storage is full") from None
            raise
        except OperationalError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            if "full" in str(exc).lower():
                raise OutboxFull("the kiosk's database is full") from None
            raise
        finally:
            with self._writing_lock:
                self._writing.discard(folder.name)

    def _insert_case(self, key: str, item_code: str, application: dict[str, Any], files: list[MaterialFile],
                     folder: Path, subject_hash: str | None, resume: bytes | None) -> Receipt:
        now = self.clock()
        manifest = [{"name": f.name, "content_type": f.content_type, "label": f.label} for f in files]
        for _ in range(5):
            try:
                with self.db.begin() as s:
                    provisional = self._next_provisional(s, now)
                    application = {**application, "provisional_no": provisional}
                    payload = self.sealer.seal(json.dumps({"application": application, "files": manifest},
                                                          ensure_ascii=False).encode())
                    s.add(OutboxEntry(
                        kind="case", idempotency_key=key, provisional_no=provisional, item_code=item_code,
                        state="pending", created_at=now, next_attempt_at=now, attempts=0, last_error="",
                        payload=payload, files_dir=folder.name if files else None, subject_hash=subject_hash,
                        outcome=STORED, resume=resume))
                return Receipt(provisional, None, created=True)
            except IntegrityError:
                existing = self._by_key(key)
                if existing is not None:  # a concurrent store of the same key won
                    return Receipt(existing.provisional_no or "", existing.case_no, created=False)
        raise RuntimeError("could not allocate a provisional number")

    def store_rating(self, key: str, item_code: str, rating: dict[str, Any], *,
                     case_no: str | None, provisional_no: str | None) -> bool:
        """Store a 好差评 rating; it goes out once its case has a hub case number (``PayloadInvalid`` if the
        hub's model would refuse it)."""
        parse(Rating, rating, "rating")
        return self._store_message("rating", key, item_code, {"rating": rating, "case_no": case_no},
                                   depends_on=None if case_no else provisional_no)

    def store_notice(self, case_key: str, notice: str) -> bool:
        """Tell the hub something about a stored case (``receipt_not_shown``); sent once, after the case.
        A notice the hub's model (``wire.notice.CaseNotice``) would refuse raises ``PayloadInvalid``."""
        parse(CaseNotice, {"notice": notice}, "case notice")
        with self.db() as s:
            case = s.scalar(select(OutboxEntry).where(OutboxEntry.idempotency_key == case_key))
            if case is None:
                return False
            provisional, case_no, item_code = case.provisional_no, case.case_no, case.item_code
        return self._store_message("notice", f"{case_key}-{notice}"[:128], item_code,
                                   {"notice": notice, "case_no": case_no},
                                   depends_on=None if case_no else provisional)

    def _store_message(self, kind: str, key: str, item_code: str, body: dict[str, Any], *,
                       depends_on: str | None) -> bool:
        if self._by_key(key) is not None:
            return False
        self._check_space(4096)
        now = self.clock()
        payload = self.sealer.seal(json.dumps(body, ensure_ascii=False).encode())
        try:
            with self.db.begin() as s:
                s.add(OutboxEntry(
                    kind=kind, idempotency_key=key, provisional_no=None, depends_on=depends_on,
                    item_code=item_code, state="pending", created_at=now, next_attempt_at=now, attempts=0,
                    last_error="", payload=payload))
        except IntegrityError:
            return False
        except OperationalError as exc:
            if "full" in str(exc).lower():
                raise OutboxFull("the kiosk's database is full") from None
            raise
        return True

    def _next_provisional(self, s: Session, now: datetime) -> str:
        """The next number of the hall's day, from a durable counter: purging old rows never lowers it."""
        day = now.astimezone(self.zone).strftime("%y%m%d")
        prefix = f"P{day}-{_safe_dir(self.kiosk_id())[:16]}-"
        name = f"provisional:{prefix}"
        # Write first: the UPDATE takes SQLite's write lock, so two stores never read the same value.
        bumped = s.execute(update(Counter).where(Counter.name == name).values(value=Counter.value + 1))
        if bumped.rowcount == 0:  # the day's first: a concurrent first insert fails and the caller retries
            s.add(Counter(name=name, value=1))
            s.flush()
        value = s.scalar(select(Counter.value).where(Counter.name == name))
        return f"{prefix}{value:04d}"

    def _write_files(self, folder: Path, files: list[MaterialFile]) -> None:
        if not files:
            return
        folder.mkdir(parents=True, exist_ok=True)
        os.utime(folder)  # a folder left by an earlier run is in use again: keep the sweep off it
        for index, f in enumerate(files):
            path = folder / f"{index:03d}.bin"
            tmp = path.with_suffix(".tmp")
            with open(tmp, "wb") as fh:
                fh.write(self.sealer.seal(f.data))
                fh.flush()
                os.fsync(fh.fileno())
            tmp.replace(path)
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def _check_space(self, needed: int) -> None:
        free = shutil.disk_usage(self.root).free
        if free < needed + self.min_free_bytes:
            raise OutboxFull(f"only {free // 1024} KiB free on the kiosk's disk")

    def _by_key(self, key: str) -> OutboxEntry | None:
        with self.db() as s:
            return s.scalar(select(OutboxEntry).where(OutboxEntry.idempotency_key == key))

    # -- forwarding -------------------------------------------------------------------------
    def drain(self, client: HubClient, limit: int = 100) -> int:
        """Send every due entry once; returns how many the hub acknowledged."""
        now = self.clock()
        with self.db() as s:
            ids = s.scalars(select(OutboxEntry.id).where(
                OutboxEntry.state == "pending", OutboxEntry.next_attempt_at <= now,
            ).order_by(OutboxEntry.id).limit(limit)).all()
        return sum(self.forward(entry_id, client) for entry_id in ids)

    def forward(self, entry_id: int, client: HubClient) -> bool:
        with self.db() as s:
            entry = s.get(OutboxEntry, entry_id)
            if entry is None or entry.state != "pending" or entry.payload is None:
                return False
            kind, key, files_dir = entry.kind, entry.idempotency_key, entry.files_dir
            depends_on, payload = entry.depends_on, entry.payload
        try:
            data = json.loads(self.sealer.open(payload))
            files = self._read_files(files_dir, data["files"]) if kind == "case" else []
        except (InvalidToken, OSError, ValueError, KeyError) as exc:
            # Unreadable now is unreadable forever: set it aside for a technician so it cannot block the rest.
            self._fail(entry_id, f"stored data unreadable ({type(exc).__name__}); the entry needs a technician")
            log.error("outbox entry unreadable", extra={"entry": entry_id, "error": type(exc).__name__})
            return False
        try:
            if kind == "case":
                answer = client.submit_case(key, data["application"], files)
                self._ack(entry_id, answer["case_no"])
            else:
                case_no = data.get("case_no") or (self.case_no_for(depends_on) if depends_on else None)
                if case_no is None:
                    # Not a failure: it goes the moment its case is acknowledged (see _ack).
                    self._wait_for_case(entry_id)
                    return False
                if kind == "rating":
                    client.submit_rating({**data["rating"], "case_no": case_no}, key=key)
                else:
                    client.case_notice(case_no, data["notice"], key=key)
                self._ack(entry_id, case_no)
            self._sent_ok()
            return True
        except HubUnreachable as exc:
            self._retry(entry_id, str(exc))
            self._send_failed(kind, str(exc))
        except HubRejected as exc:
            if exc.status in (401, 403):  # the kiosk's token, not the entry: fine again once re-provisioned
                self._retry(entry_id, str(exc))
                self._send_failed(kind, str(exc))
                return False
            if kind == "rating" and exc.status == 409 and exc.code == "already_rated" and case_no:
                # The hub keeps one rating per case and has it: nothing a technician could do with this one.
                log.info("the hub already has this case's rating; this one is dropped", extra={"entry": entry_id})
                self._ack(entry_id, case_no)
                return True
            # Kept (with its data) for a technician: the hub will never take these bytes as they are.
            self._fail(entry_id, str(exc))
            log.error("hub rejected an outbox entry",
                      extra={"entry": entry_id, "kind": kind, "status": exc.status, "detail": exc.detail[:200]})
        return False

    def _send_failed(self, kind: str, error: str) -> None:
        """Log a failed send once per streak (a 20 s outage is one line, not one a retry)."""
        if self._failing is None:
            self._failing = error
            log.warning("sending to the hub failed; will retry", extra={"kind": kind, "error": error[:300]})

    def _sent_ok(self) -> None:
        if self._failing is not None:
            log.info("sending to the hub works again", extra={"first_error": self._failing[:300]})
            self._failing = None

    def _read_files(self, files_dir: str | None, manifest: list[dict[str, str]]) -> list[UploadFile]:
        if not manifest:
            return []
        folder = self.root / (files_dir or "")
        return [UploadFile(m["name"], m["content_type"], self.sealer.open((folder / f"{i:03d}.bin").read_bytes()))
                for i, m in enumerate(manifest)]

    def _ack(self, entry_id: int, case_no: str) -> None:
        with self.db.begin() as s:
            entry = s.get(OutboxEntry, entry_id)
            assert entry is not None
            entry.state, entry.case_no, entry.acked_at = "acked", case_no, self.clock()
            entry.payload, entry.last_error = None, ""
            folder = entry.files_dir
            entry.files_dir = None
            if entry.kind == "case" and entry.provisional_no:
                # Its rating and notices waited for this number: they are due now, not at their next look.
                s.execute(update(OutboxEntry).where(
                    OutboxEntry.depends_on == entry.provisional_no, OutboxEntry.state == "pending",
                ).values(next_attempt_at=self.clock()))
        if folder:  # the hub has the scans now: delete ours
            shutil.rmtree(self.root / folder, ignore_errors=True)

    def _wait_for_case(self, entry_id: int) -> None:
        with self.db.begin() as s:
            entry = s.get(OutboxEntry, entry_id)
            assert entry is not None
            entry.next_attempt_at = self.clock() + timedelta(seconds=WAITING_FOR_CASE_S)
            entry.last_error = "waiting for its case to reach the hub"

    def _retry(self, entry_id: int, error: str) -> None:
        """A real failure: the backoff doubles with each one (waiting for a case never counts)."""
        with self.db.begin() as s:
            entry = s.get(OutboxEntry, entry_id)
            assert entry is not None
            entry.attempts += 1
            delay = min(self.backoff_max_s, self.backoff_base_s * 2 ** min(entry.attempts - 1, 20))
            # Jitter (a random half to all of the delay) spreads a fleet of kiosks coming back after the
            # same outage, while no retry comes sooner than half its step.
            entry.next_attempt_at = self.clock() + timedelta(seconds=random.uniform(delay / 2, delay))
            entry.last_error = error[:500]

    def _fail(self, entry_id: int, error: str) -> None:
        with self.db.begin() as s:
            entry = s.get(OutboxEntry, entry_id)
            assert entry is not None
            entry.state, entry.last_error = "failed", error[:500]
            entry.attempts += 1

    # -- the citizen's outcome -------------------------------------------------------------------
    def mark(self, key: str, outcome: str) -> None:
        """Record how far the citizen got with a stored case; the resume copy goes once it is final.

        Moves forward only (stored → shown → receipted); ``missed`` also queues a notice to the hub, so
        staff see the case was filed without the citizen being given its number.
        """
        order = {STORED: 0, SHOWN: 1, RECEIPTED: 2, MISSED: 2}
        with self.db.begin() as s:
            entry = s.scalar(select(OutboxEntry).where(OutboxEntry.idempotency_key == key,
                                                       OutboxEntry.kind == "case"))
            if entry is None or order[outcome] <= order.get(entry.outcome, 0):
                return
            entry.outcome = outcome
            if outcome in (RECEIPTED, MISSED):
                entry.resume = None
        if outcome == MISSED:
            self.store_notice(key, "receipt_not_shown")
            log.warning("a case was filed but its citizen left without the number", extra={"key": key})

    def to_resume(self, within: timedelta) -> tuple[str, bytes] | None:
        """The newest case whose citizen may still be at the kiosk without its outcome: ``(key, session)``.

        Older ones are settled here: never shown means missed; shown but not printed keeps ``shown``.
        """
        cutoff = self.clock() - within
        with self.db() as s:
            rows = s.execute(select(OutboxEntry.idempotency_key, OutboxEntry.created_at, OutboxEntry.outcome,
                                    OutboxEntry.resume).where(
                OutboxEntry.kind == "case", OutboxEntry.resume.is_not(None),
            ).order_by(OutboxEntry.id.desc())).all()
        found: tuple[str, bytes] | None = None
        for key, created, outcome, blob in rows:
            if found is None and _aware(created) >= cutoff:
                try:
                    found = (key, self.sealer.open(blob))
                    continue
                except InvalidToken:
                    log.error("a stored session could not be opened; its case is marked missed")
            self._settle(key, outcome)
        return found

    def _settle(self, key: str, outcome: str) -> None:
        if outcome == STORED:
            self.mark(key, MISSED)
        else:
            with self.db.begin() as s:
                s.execute(update(OutboxEntry).where(OutboxEntry.idempotency_key == key).values(resume=None))

    def recent_case(self, subject_hash: str, item_code: str, within: timedelta) -> dict[str, Any] | None:
        """The same person's latest application for the same item within ``within``, if any."""
        with self.db() as s:
            row = s.execute(select(OutboxEntry.provisional_no, OutboxEntry.case_no, OutboxEntry.created_at).where(
                OutboxEntry.kind == "case", OutboxEntry.subject_hash == subject_hash,
                OutboxEntry.item_code == item_code, OutboxEntry.state != "failed",
                OutboxEntry.created_at >= self.clock() - within,
            ).order_by(OutboxEntry.id.desc()).limit(1)).first()
        if row is None:
            return None
        return {"provisional_no": row.provisional_no, "case_no": row.case_no, "created_at": _aware(row.created_at)}

    def cases_of(self, subject_hash: str) -> list[dict[str, Any]]:
        """This person's cases the kiosk still holds (e.g. not on the hub yet), newest first."""
        with self.db() as s:
            rows = s.execute(select(OutboxEntry.item_code, OutboxEntry.provisional_no, OutboxEntry.case_no,
                                    OutboxEntry.state, OutboxEntry.created_at).where(
                OutboxEntry.kind == "case", OutboxEntry.subject_hash == subject_hash,
            ).order_by(OutboxEntry.id.desc())).all()
        return [{"item_code": r.item_code, "provisional_no": r.provisional_no, "case_no": r.case_no,
                 "state": r.state, "created_at": _aware(r.created_at)} for r in rows]

    # -- queries and housekeeping -------------------------------------------------------------
    def case_no_for(self, provisional_no: str) -> str | None:
        with self.db() as s:
            return s.scalar(select(OutboxEntry.case_no).where(OutboxEntry.provisional_no == provisional_no))

    def find(self, provisional_no: str) -> dict[str, Any] | None:
        """Where a provisional number stands: ``{"state", "case_no"}``, or None if unknown here."""
        with self.db() as s:
            row = s.execute(select(OutboxEntry.state, OutboxEntry.case_no).where(
                OutboxEntry.provisional_no == provisional_no)).first()
        return {"state": row.state, "case_no": row.case_no} if row else None

    def retry_now(self) -> int:
        """Make every pending entry due now (a technician fixed the network); how many were waiting."""
        now = self.clock()
        with self.db.begin() as s:
            waiting = s.scalars(select(OutboxEntry).where(
                OutboxEntry.state == "pending", OutboxEntry.next_attempt_at > now)).all()
            for entry in waiting:
                entry.next_attempt_at = now
        return len(waiting)

    def next_due(self) -> datetime | None:
        with self.db() as s:
            value = s.scalar(select(func.min(OutboxEntry.next_attempt_at)).where(OutboxEntry.state == "pending"))
        return _aware(value) if value else None

    def status(self) -> dict[str, Any]:
        with self.db() as s:
            counts = dict(s.execute(select(OutboxEntry.state, func.count()).group_by(OutboxEntry.state)).all())
            oldest = s.scalar(select(func.min(OutboxEntry.created_at)).where(OutboxEntry.state == "pending"))
            last_error = s.scalar(select(OutboxEntry.last_error).where(
                OutboxEntry.state.in_(("pending", "failed")), OutboxEntry.last_error != "",
            ).order_by(OutboxEntry.id.desc()).limit(1))
        age = (self.clock() - _aware(oldest)).total_seconds() if oldest else None
        return {
            "pending": counts.get("pending", 0),
            "failed": counts.get("failed", 0),
            "acknowledged": counts.get("acked", 0),
            "oldest_pending_age_s": round(age, 1) if age is not None else None,
            "last_error": last_error or "",
        }

    def purge(self, retention: timedelta) -> int:
        """Forget acknowledged entries older than ``retention`` (their provisional-number mapping)."""
        cutoff = self.clock() - retention
        with self.db.begin() as s:
            old = s.scalars(select(OutboxEntry).where(
                OutboxEntry.state == "acked", OutboxEntry.acked_at < cutoff)).all()
            for entry in old:
                s.delete(entry)
            # Counters of days long past can never be asked for again.
            two_days_ago = (self.clock() - timedelta(days=2)).astimezone(self.zone)
            s.execute(delete(Counter).where(Counter.name < f"provisional:P{two_days_ago:%y%m%d}"))
        if self._swept_at is None or time.monotonic() - self._swept_at > SWEEP_EVERY_S:
            self._swept_at = time.monotonic()
            self._sweep_orphans()
        return len(old)

    def _sweep_orphans(self) -> None:
        """Delete scan folders no waiting entry owns: a kill after writing them, before their row or their ack."""
        with self.db() as s:
            owned = set(s.scalars(select(OutboxEntry.files_dir).where(OutboxEntry.files_dir.is_not(None))))
        for folder in self.root.iterdir():
            if folder.name in owned or not folder.is_dir():
                continue
            # Decided under the lock a store holds from creating its folder until its row is committed,
            # asking the database again: a store that committed after the read above owns it by now.
            with self._writing_lock:
                if folder.name in self._writing or self._owned(folder.name):
                    continue
                shutil.rmtree(folder, ignore_errors=True)

    def _owned(self, folder: str) -> bool:
        with self.db() as s:
            return s.scalar(select(OutboxEntry.id).where(OutboxEntry.files_dir == folder).limit(1)) is not None


def _safe_dir(key: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in key)[:120]


class Forwarder(Worker):
    """Drains the outbox whenever entries are due, or when woken."""

    def __init__(self, outbox: Outbox, client: HubClient, *, idle_s: float = 30.0,
                 retention: timedelta = timedelta(days=7), ready: Callable[[], bool] = lambda: True) -> None:
        # An entry whose ack could not be recorded (a full disk, a locked database) is due at once;
        # without the backoff the worker would retry it every 50 ms for as long as the disk stays full.
        super().__init__("outbox drain", self._step, interval_s=idle_s, join_s=20,
                         failure_wait=lambda failures: max(self._due_in(), drain_backoff(failures)))
        self.outbox = outbox
        self.client = client
        # False while no hub is configured: entries wait untouched (no attempts, no backoff) until an
        # enrolment wakes the forwarder.
        self.ready = ready
        self.idle_s = idle_s
        self.retention = retention

    def stop(self) -> None:
        super().stop()
        self.client.close()

    def _step(self) -> float:
        if self.ready():
            self.outbox.drain(self.client)
        self.outbox.purge(self.retention)
        return self._due_in()

    def _due_in(self) -> float:
        """Seconds until the next entry is due, at most ``idle_s``."""
        try:
            due = self.outbox.next_due()
        except Exception:
            return self.idle_s
        if due is None:
            return self.idle_s
        return max(0.05, min(self.idle_s, (due - self.outbox.clock()).total_seconds()))


def drain_backoff(failures: int) -> float:
    """Seconds to wait after ``failures`` failed drains in a row: 1, 2, 4 ... up to a minute."""
    return min(60.0, 2.0 ** min(failures - 1, 6))
