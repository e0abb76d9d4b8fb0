"""The print queue: idempotent jobs by caller-chosen id, paper-out waits, persisted across restarts.

At-most-once: a job is marked ``printing`` on disk before its bytes leave, so after a crash or a
restart a job found in that state is reported as failed, never sent again. A job the printer
reports as interrupted by paper-out is printed again from the start once paper is loaded (the
torn first copy has no cut, and the printer discards data while out of paper).
"""

from __future__ import annotations

import enum
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from drivers.errors import CoverOpen, DeviceTimeout, DriverError, PaperOut
from drivers.printer.device import ReceiptPrinter
from drivers.printer.document import Document, InvalidDocument
from drivers.printer.render import render


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    PRINTING = "printing"
    DONE = "done"
    WAITING_PAPER = "waiting_paper"
    WAITING_PRINTER = "waiting_printer"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


PENDING = (JobStatus.QUEUED, JobStatus.WAITING_PAPER, JobStatus.WAITING_PRINTER)


@dataclass(frozen=True)
class JobState:
    """Where one job stands; ``message`` says what happened and what to do, in plain words."""

    job_id: str
    status: JobStatus
    message: str
    created_at: float
    updated_at: float
    attempts: int = 0

    @property
    def pending(self) -> bool:
        """Still waiting to be printed."""
        return self.status in PENDING

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "status": self.status.value}


class PrintQueue:
    """Prints jobs on one printer, in order, each job id at most once."""

    def __init__(self, printer: ReceiptPrinter, spool_dir: Path | str, max_age: float,
                 clock: Callable[[], float] = time.time, *, keep_finished_for: float = 86_400.0) -> None:
        self.printer = printer
        self.spool = Path(spool_dir)
        self.spool.mkdir(parents=True, exist_ok=True)
        self.max_age = max_age
        self.clock = clock
        self.keep_finished_for = max(keep_finished_for, max_age)
        self._lock = threading.RLock()
        self._recover()

    # -- public --------------------------------------------------------------------------------
    def submit(self, job_id: str, document: Document) -> JobState:
        """Print ``document`` unless ``job_id`` was seen before; returns the job's state."""
        _check_id(job_id)
        with self._lock:
            existing = self._load(job_id)
            if existing is not None:
                state, doc = existing
                if state.pending and doc is not None:
                    return self._attempt(state, doc)
                return state
            render(document, self.printer.profile)  # bad documents fail here, before anything is stored
            now = self.clock()
            state = JobState(job_id, JobStatus.QUEUED, "queued", now, now)
            self._save(state, document)
            return self._attempt(state, document)

    def get(self, job_id: str) -> JobState | None:
        """The job's state, or ``None`` for an id never submitted (or long forgotten)."""
        with self._lock:
            existing = self._load(job_id)
            if existing is None:
                return None
            state, _ = existing
            return self._expire_if_old(state)

    def resume(self) -> list[JobState]:
        """Retry waiting jobs oldest first (after paper or cover was fixed); stops at the first that still waits."""
        with self._lock:
            self._prune()
            results = []
            waiting = sorted((s for s, _ in self._all() if s.pending), key=lambda s: s.created_at)
            blocked = False
            for state in waiting:
                loaded = self._load(state.job_id)
                if loaded is None:
                    continue
                state, doc = loaded
                if blocked or doc is None:
                    results.append(self._expire_if_old(state))
                    continue
                state = self._attempt(state, doc)
                blocked = state.pending
                results.append(state)
            return results

    def cancel(self, job_id: str) -> JobState:
        """Cancel a job that has not printed; a printed job stays done. Raises KeyError for an unknown id."""
        with self._lock:
            existing = self._load(job_id)
            if existing is None:
                raise KeyError(f"no print job with id {job_id!r}")
            state, _ = existing
            if not state.pending:
                return state
            return self._finish(state, JobStatus.CANCELLED, "cancelled before it printed; nothing came out")

    def pending(self) -> list[JobState]:
        """Jobs still waiting, oldest first."""
        with self._lock:
            return sorted((s for s, _ in self._all() if s.pending), key=lambda s: s.created_at)

    # -- the work ------------------------------------------------------------------------------
    def _attempt(self, state: JobState, doc: Document) -> JobState:
        state = self._expire_if_old(state)
        if not state.pending:
            return state
        try:
            status = self.printer.check()
        except DriverError as exc:
            return self._set(state, JobStatus.WAITING_PRINTER, f"printer unreachable: {exc}", doc)
        if not status.answered:
            return self._set(state, JobStatus.WAITING_PRINTER,
                             "the printer does not answer; check power and cable, then resume", doc)
        if status.cover_open:
            return self._set(state, JobStatus.WAITING_PRINTER, "the printer cover is open; close it, then resume", doc)
        if status.paper == "out":
            return self._set(state, JobStatus.WAITING_PAPER, "out of paper; load a new roll, then resume", doc)
        if not status.ready:
            return self._set(state, JobStatus.WAITING_PRINTER, "the printer reports an error or is offline", doc)
        state = self._set(state, JobStatus.PRINTING, "printing", doc, attempt=True)
        try:
            self.printer.print_document(doc)
        except PaperOut:
            return self._set(state, JobStatus.WAITING_PAPER,
                             "paper ran out during printing; load a new roll and resume: the job prints again", doc)
        except CoverOpen:
            return self._set(state, JobStatus.WAITING_PRINTER,
                             "the cover was opened during printing; close it and resume: the job prints again", doc)
        except DeviceTimeout as exc:
            if getattr(exc, "job_sent", True) is False:
                return self._set(state, JobStatus.WAITING_PRINTER,
                                 "the printer does not answer; check power and cable, then resume", doc)
            return self._finish(state, JobStatus.FAILED,
                                "the printer stopped answering during the job; check whether the ticket came out "
                                "(not printed again automatically)")
        except DriverError as exc:
            return self._finish(state, JobStatus.FAILED, f"printing failed ({type(exc).__name__}); "
                                "check the printer (not printed again automatically)")
        return self._finish(state, JobStatus.DONE, "printed")

    def _expire_if_old(self, state: JobState) -> JobState:
        if state.pending and self.clock() - state.created_at > self.max_age:
            return self._finish(state, JobStatus.EXPIRED,
                                f"dropped: still not printed after {self.max_age:g} s; "
                                "submit a new job if still needed")
        return state

    def _set(self, state: JobState, status: JobStatus, message: str, doc: Document | None, *,
             attempt: bool = False) -> JobState:
        new = replace(state, status=status, message=message, updated_at=self.clock(),
                      attempts=state.attempts + (1 if attempt else 0))
        self._save(new, doc)
        return new

    def _finish(self, state: JobState, status: JobStatus, message: str) -> JobState:
        return self._set(state, status, message, None)  # the document leaves the spool once final

    def _recover(self) -> None:
        for state, doc in self._all():
            if state.status is JobStatus.PRINTING:
                self._finish(state, JobStatus.FAILED,
                             "interrupted by a restart while printing; check whether it came out "
                             "(not printed again automatically)")
            elif state.pending and doc is None:
                self._finish(state, JobStatus.FAILED, "spooled document missing")

    def _prune(self) -> None:
        now = self.clock()
        for state, _ in self._all():
            if not state.pending and now - state.updated_at > self.keep_finished_for:
                self._path(state.job_id).unlink(missing_ok=True)

    # -- spool ---------------------------------------------------------------------------------
    def _path(self, job_id: str) -> Path:
        return self.spool / f"{hashlib.sha256(job_id.encode('utf-8')).hexdigest()[:32]}.json"

    def _save(self, state: JobState, doc: Document | None) -> None:
        record = {"state": state.to_dict(), "document": doc.to_dict() if doc is not None else None}
        path = self._path(state.job_id)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(record, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    def _load(self, job_id: str) -> tuple[JobState, Document | None] | None:
        return self._read(self._path(job_id))

    def _read(self, path: Path) -> tuple[JobState, Document | None] | None:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            raw = record["state"]
            state = JobState(raw["job_id"], JobStatus(raw["status"]), raw["message"], raw["created_at"],
                             raw["updated_at"], raw.get("attempts", 0))
            doc = Document.from_dict(record["document"]) if record.get("document") else None
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError, InvalidDocument):
            return None  # a torn or foreign file is not a job
        return state, doc

    def _all(self) -> list[tuple[JobState, Document | None]]:
        out = []
        for path in self.spool.glob("*.json"):
            loaded = self._read(path)
            if loaded is not None:
                out.append(loaded)
        return out


def _check_id(job_id: str) -> None:
    if not job_id or len(job_id) > 200 or not job_id.isprintable():
        raise ValueError("a job id is 1..200 printable characters chosen by the caller (e.g. the session id + form)")
