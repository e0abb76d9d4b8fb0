"""The A4 printer as a Device: health from its IPP attributes, PDF jobs followed to their end, one copy per attempt.

Every print carries an attempt id, sent as the job's ``job-name``. A second call with the same id
never prints a second copy of a job that may have come out: it first asks the printer about the
earlier job (by job id, else by name among the printer's jobs) and follows that one; it prints
again only when the earlier job provably produced nothing (refused, aborted, canceled). When the
printer cannot say (it lost the job in a restart, or it is gone), the outcome is "unknown" and
nothing is printed: someone must look at the tray and start a new attempt.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from drivers.a4_printer import ipp
from drivers.a4_printer.client import IppClient
from drivers.a4_printer.status import (
    JOB_ATTRIBUTES,
    PRINTER_ATTRIBUTES,
    UNKNOWN,
    JobState,
    PrinterState,
    PrintOutcome,
    job_state,
    printer_state,
)
from drivers.base import Device, DeviceStatus, Health
from drivers.errors import CoverOpen, DeviceNotFound, DeviceTimeout, DriverError, PaperOut

PDF = "application/pdf"
ATTEMPT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
# Attempts remembered in memory (weeks of uptime stay flat); an older one is found on the printer by name.
KEEP_ATTEMPTS = 256
# A status question is answered at once by any printer or CUPS; kioskd probes its devices one after
# another, so an unreachable printer must not hold up the others for the full request timeout.
STATUS_TIMEOUT_S = 5.0


class UnsupportedFormat(DriverError):
    """The printer does not take the document's format (e.g. no PDF, only PWG raster or URF)."""


class JobRejected(DriverError):
    """The printer refused the job when it was sent; nothing was printed."""


class PrinterBusy(JobRejected):
    """The printer takes one job at a time and is printing another (server-error-busy)."""


def refused(exc: DriverError) -> DriverError:
    exc.job_sent = False  # type: ignore[attr-defined]  # nothing left the kiosk: safe to try again
    return exc


@dataclass
class _Attempt:
    sent: bool = False  # a Print-Job may have reached the printer
    job_id: int | None = None
    outcome: PrintOutcome | None = None


class A4Printer(Device):
    """A driverless IPP printer (IPP Everywhere, or a CUPS queue) that prints PDFs."""

    kind: ClassVar[str] = "a4_printer"

    def __init__(self, uri: str, client: IppClient, *, job_timeout: float = 120.0, lost_after: float = 10.0,
                 poll_s: float = 0.25, user: str = "kiosk") -> None:
        super().__init__(uri)
        self.client = client
        self.job_timeout = job_timeout
        self.lost_after = lost_after  # no answer this long while following a job: the outcome is unknown
        self.poll_s = poll_s
        self.user = user
        self.last_state: PrinterState = UNKNOWN
        self._attempts: dict[str, _Attempt] = {}
        self._print_lock = threading.Lock()
        self.sleep: Callable[[float], None] = time.sleep

    # -- status --------------------------------------------------------------------------------
    def check(self) -> PrinterState:
        """Get-Printer-Attributes; raises DeviceNotFound / DeviceTimeout when nothing answers."""
        try:
            response = self.client.call(ipp.GET_PRINTER_ATTRIBUTES, operation_attrs=(
                ipp.Attr("requested-attributes", ipp.KEYWORD, PRINTER_ATTRIBUTES),),
                timeout=min(self.client.timeout, STATUS_TIMEOUT_S))
        except (DeviceNotFound, DeviceTimeout) as exc:
            self.last_state = UNKNOWN
            self.set_status(DeviceStatus(Health.OFFLINE, str(exc), UNKNOWN.to_dict()))
            raise
        if not response.ok:
            raise DriverError(f"the printer refused Get-Printer-Attributes: {response.status_name} "
                              f"{response.message()}".strip(), device=self.uri)
        state = printer_state(response.group(ipp.PRINTER))
        self.last_state = state
        self.set_status(device_status(state))
        return state

    def probe(self) -> DeviceStatus:
        with contextlib.suppress(DeviceNotFound, DeviceTimeout):  # check() records the offline status
            self.check()
        return self.status

    # -- printing ------------------------------------------------------------------------------
    def print_pdf(self, data: bytes, *, attempt_id: str, timeout: float | None = None) -> PrintOutcome:
        """Print one PDF and follow the job to its end; at most one copy per ``attempt_id``.

        Raises (with ``job_sent = False``) when nothing was sent: the printer is unreachable, not
        ready (PaperOut, CoverOpen, DriverError), takes no PDF (UnsupportedFormat) or refused the
        job (JobRejected). Once a job may have reached the printer, the answer is a PrintOutcome.
        """
        if not ATTEMPT_ID.match(attempt_id):
            raise ValueError("attempt_id must be 1-64 letters, digits or ._:-")
        if not data.startswith(b"%PDF-"):
            raise refused(UnsupportedFormat("the document is not a PDF (it does not start with %PDF-)",
                                            device=self.uri))
        started = time.monotonic()
        with self._print_lock:
            attempt = self._attempts.pop(attempt_id, None) or _Attempt()
            self._attempts[attempt_id] = attempt  # newest last; the oldest are forgotten past KEEP_ATTEMPTS
            while len(self._attempts) > KEEP_ATTEMPTS:
                del self._attempts[next(iter(self._attempts))]
            earlier = self._earlier(attempt_id, attempt, started, timeout)
            if earlier is not None:
                return earlier
            deadline = started + (self.job_timeout if timeout is None else timeout)
            while True:
                self._ready_for(PDF)
                try:
                    outcome = self._send_and_follow(data, attempt_id, attempt, started, timeout)
                except PrinterBusy:
                    if time.monotonic() + self.poll_s >= deadline:
                        raise
                    self.sleep(self.poll_s)  # refused, so nothing was sent: ask again in a moment
                    continue
                attempt.outcome = outcome
                return outcome

    def _earlier(self, attempt_id: str, attempt: _Attempt, started: float,
                 timeout: float | None) -> PrintOutcome | None:
        """The outcome of this attempt's earlier job if it printed or may have; None if printing is safe."""
        if attempt.outcome is not None and attempt.outcome.state == "completed":
            return _again(attempt.outcome)
        found: JobState | None = None
        try:
            if attempt.job_id is not None:
                found = self._job(attempt.job_id)
            if found is None:
                found = self._find_by_name(attempt_id)
        except (DeviceNotFound, DeviceTimeout) as exc:
            if attempt.sent:
                return PrintOutcome(attempt_id, "unknown", attempt.job_id, message=(
                    f"cannot ask the printer about the earlier job ({exc}); nothing was printed again. "
                    "Check the output tray; if nothing came out, start a new print"))
            raise refused(exc) from None
        if found is not None:
            attempt.sent, attempt.job_id = True, found.job_id
            if found.state in ("aborted", "canceled"):
                return None  # that job ended without a copy: print it now
            outcome = self._follow(attempt_id, found.job_id, started, timeout) if not found.final \
                else _outcome(attempt_id, found)
            attempt.outcome = outcome
            return _again(outcome)
        if attempt.sent:
            return PrintOutcome(attempt_id, "unknown", attempt.job_id, message=(
                "the printer no longer knows the earlier job (it was restarted?); nothing was printed again. "
                "Check the output tray; if nothing came out, start a new print"))
        return None

    def _ready_for(self, mime: str) -> None:
        try:
            state = self.check()
        except (DeviceNotFound, DeviceTimeout) as exc:
            raise refused(exc) from None
        if not state.supports(mime):
            formats = ", ".join(state.formats) or "none"
            raise refused(UnsupportedFormat(
                f"the printer does not take {mime} (it takes {formats}); choose a printer that supports "
                "PDF (IPP Everywhere with PDF) or print through a CUPS queue, which converts", device=self.uri))
        if not state.can_print:
            problem = state.problem()
            if state.media == "empty":
                raise refused(PaperOut(problem, device=self.uri))
            if {"door-open", "cover-open", "interlock-open"} & set(state.blocking):
                raise refused(CoverOpen(problem, device=self.uri))
            raise refused(DriverError(problem, device=self.uri))

    def _send_and_follow(self, data: bytes, attempt_id: str, attempt: _Attempt, started: float,
                         timeout: float | None) -> PrintOutcome:
        attempt.sent = True  # from here on the printer may have the job
        try:
            response = self.client.call(
                ipp.PRINT_JOB,
                operation_attrs=(
                    ipp.Attr.of("requesting-user-name", ipp.NAME, self.user),
                    ipp.Attr.of("job-name", ipp.NAME, attempt_id),
                    ipp.Attr.of("document-format", ipp.MIME, PDF),
                ),
                data=data,
                timeout=max(self.client.timeout, len(data) / 100_000),  # a slow link gets 100 kB/s
            )
        except (DeviceNotFound, DeviceTimeout) as exc:
            if not getattr(exc, "request_sent", True):
                attempt.sent = False
                raise refused(exc) from None
            return PrintOutcome(attempt_id, "unknown", None, message=(
                f"the printer stopped answering while the job was sent ({exc}); check the output tray "
                "before printing again"), seconds=time.monotonic() - started)
        if not response.ok:
            attempt.sent = False
            detail = response.message()
            if response.status in ipp.TRY_AGAIN:
                raise refused(PrinterBusy(f"the printer is busy ({response.status_name}"
                                          f"{': ' + detail if detail else ''}); try again shortly", device=self.uri))
            if response.status == ipp.FORMAT_NOT_SUPPORTED or "document-format" in response.group(
                    ipp.UNSUPPORTED_GROUP):
                raise refused(UnsupportedFormat(f"the printer refused the PDF ({response.status_name}"
                                                f"{': ' + detail if detail else ''})", device=self.uri))
            raise refused(JobRejected(f"the printer refused the job: {response.status_name}"
                                      f"{': ' + detail if detail else ''}", device=self.uri))
        job = job_state(response.group(ipp.JOB))
        attempt.job_id = job.job_id or None
        if not job.job_id:
            return PrintOutcome(attempt_id, "unknown", None, message="the printer accepted the job but gave no "
                                "job id; check the output tray", seconds=time.monotonic() - started)
        if job.final:
            return _outcome(attempt_id, job, started)
        return self._follow(attempt_id, job.job_id, started, timeout)

    def _follow(self, attempt_id: str, job_id: int, started: float, timeout: float | None) -> PrintOutcome:
        """Get-Job-Attributes until the job ends, the deadline passes or the printer is gone."""
        deadline = started + (self.job_timeout if timeout is None else timeout)
        silent_since: float | None = None
        last: JobState | None = None
        wait = min(0.02, self.poll_s)  # a short job is seen done at once; a long one costs a request per poll_s
        while True:
            now = time.monotonic()
            try:
                job = self._job(job_id)
                silent_since = None
            except (DeviceNotFound, DeviceTimeout) as exc:
                silent_since = silent_since or now
                if now - silent_since >= self.lost_after or now >= deadline:
                    return PrintOutcome(attempt_id, "unknown", job_id, message=(
                        f"the printer stopped answering during job {job_id} ({exc}); check the output "
                        "tray before printing again"), seconds=now - started)
            else:
                if job is None:
                    return PrintOutcome(attempt_id, "unknown", job_id, message=(
                        f"the printer no longer knows job {job_id} (it was restarted?); check the output "
                        "tray before printing again"), seconds=now - started)
                last = job
                if job.final:
                    return _outcome(attempt_id, job, started)
            if now >= deadline:
                return self._give_up(attempt_id, job_id, last, started)
            self.sleep(wait)
            wait = min(wait * 2, self.poll_s)

    def _give_up(self, attempt_id: str, job_id: int, last: JobState | None, started: float) -> PrintOutcome:
        """Past the deadline: cancel the job so no copy comes out later, and say why it waited."""
        with contextlib.suppress(DriverError):
            self.check()
        why = self.last_state.explain() or (last.message if last else "") or "no progress"
        try:
            response = self.client.call(ipp.CANCEL_JOB, operation_attrs=(
                ipp.Attr.of("job-id", ipp.INTEGER, job_id),
                ipp.Attr.of("requesting-user-name", ipp.NAME, self.user)))
            cancelled = response.ok
        except (DeviceNotFound, DeviceTimeout):
            cancelled = False
        with_state = self._job_or_none(job_id)
        if with_state is not None and with_state.state == "completed":
            return _outcome(attempt_id, with_state, started)
        if cancelled:
            return PrintOutcome(attempt_id, "canceled", job_id, message=(
                f"job {job_id} did not finish in time ({why}); it was cancelled, nothing more will print"),
                reasons=last.reasons if last else (), seconds=time.monotonic() - started)
        return PrintOutcome(attempt_id, "unknown", job_id, message=(
            f"job {job_id} did not finish in time ({why}) and could not be cancelled; check the printer"),
            seconds=time.monotonic() - started)

    # -- jobs ----------------------------------------------------------------------------------
    def _job(self, job_id: int) -> JobState | None:
        """Get-Job-Attributes; None when the printer does not know the job."""
        response = self.client.call(ipp.GET_JOB_ATTRIBUTES, operation_attrs=(
            ipp.Attr.of("job-id", ipp.INTEGER, job_id),
            ipp.Attr.of("requesting-user-name", ipp.NAME, self.user),
            ipp.Attr("requested-attributes", ipp.KEYWORD, JOB_ATTRIBUTES)))
        if response.status == ipp.NOT_FOUND:
            return None
        if not response.ok:
            raise DriverError(f"the printer refused Get-Job-Attributes: {response.status_name}", device=self.uri)
        return job_state(response.group(ipp.JOB))

    def _job_or_none(self, job_id: int) -> JobState | None:
        try:
            return self._job(job_id)
        except DriverError:
            return None

    def _find_by_name(self, name: str) -> JobState | None:
        """The newest of the printer's jobs named ``name`` (finished or not), or None."""
        found: list[JobState] = []
        for which in ("not-completed", "completed"):
            # as the jobs' owner: CUPS shows job-name only to it (JobPrivateValues)
            response = self.client.call(ipp.GET_JOBS, operation_attrs=(
                ipp.Attr.of("requesting-user-name", ipp.NAME, self.user),
                ipp.Attr.of("which-jobs", ipp.KEYWORD, which),
                ipp.Attr("requested-attributes", ipp.KEYWORD, JOB_ATTRIBUTES)))
            if not response.ok:
                continue  # a printer that keeps no job history: nothing to find
            found += [j for j in map(job_state, response.all_groups(ipp.JOB)) if j.name == name]
        if not found:
            return None
        live = [j for j in found if j.state not in ("aborted", "canceled")]
        return max(live or found, key=lambda j: j.job_id)


def _outcome(attempt_id: str, job: JobState, started: float | None = None) -> PrintOutcome:
    messages = {
        "completed": "printed",
        "aborted": "the printer aborted the job; nothing usable came out, it may be printed again",
        "canceled": "the job was cancelled at the printer",
    }
    message = messages.get(job.state, job.state)
    if job.state != "completed" and job.message:
        message = f"{message} ({job.message})"
    seconds = time.monotonic() - started if started is not None else 0.0
    return PrintOutcome(attempt_id, job.state, job.job_id, message=message, reasons=job.reasons, seconds=seconds)


def _again(outcome: PrintOutcome) -> PrintOutcome:
    from dataclasses import replace

    return replace(outcome, duplicate_avoided=True,
                   message=f"{outcome.message}; already sent as job {outcome.job_id}, not printed again")


def device_status(state: PrinterState) -> DeviceStatus:
    """The kiosk's health word for a printer state: offline when it cannot print, online with warnings."""
    sensors = {**state.to_dict(), "accepting": state.accepting, "pdf": state.supports(PDF)}
    if not state.answered:
        return DeviceStatus(Health.OFFLINE, state.problem(), sensors)
    if not state.can_print:
        return DeviceStatus(Health.OFFLINE, state.problem(), sensors)
    if not state.supports(PDF):
        return DeviceStatus(Health.ERROR, "the printer takes no PDF; use a CUPS queue or another printer", sensors)
    warnings = ", ".join(state.warnings)
    return DeviceStatus(Health.ONLINE, f"ready; {warnings}" if warnings else "ready", sensors)
