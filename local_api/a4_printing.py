"""Certificates on the A4 printer for a session: is it ready before an item starts, print once, tell the outcome.

The PDF is held in memory for the one call and never written by kioskd (the printer or CUPS
spools it, as for any job). The attempt id sent to the printer is a keyed digest of the session
and the caller's key, so the printer's job list shows no name, number or code, and the same
session asking again for the same certificate follows the first job instead of printing twice.
A deliberate second copy needs a new key (``copy=2``).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from drivers.a4_printer.status import UNKNOWN, PrinterState, PrintOutcome
from drivers.errors import CoverOpen, DeviceBusy, DeviceNotFound, DeviceTimeout, DriverError, PaperOut

log = logging.getLogger(__name__)

# What the citizen reads when the printer cannot print, from its state reasons (severity left off).
CITIZEN_PROBLEMS = {
    "media-empty": "A4打印机缺纸",
    "media-needed": "A4打印机缺纸",
    "media-jam": "A4打印机卡纸",
    "door-open": "A4打印机的门没有关好",
    "cover-open": "A4打印机的盖没有关好",
    "toner-empty": "A4打印机墨粉用完",
    "marker-supply-empty": "A4打印机耗材用完",
}
STAFF = "请联系大厅工作人员"


@dataclass(frozen=True)
class A4Readiness:
    """Whether an item that prints A4 may start; ``citizen_message`` is for the refusal screen."""

    ready: bool
    citizen_message: str = ""
    detail: str = ""  # the technician's words (the driver's message)


@dataclass(frozen=True)
class A4Result:
    """How one certificate print ended, for the session's print step.

    ``outcome``: printed | failed (nothing usable came out, may be printed again) | unknown (may have
    come out: never printed again automatically) | unavailable (nothing was sent).
    """

    outcome: str
    citizen_message: str
    detail: str
    attempt_id: str
    job_id: int | None = None
    duplicate_avoided: bool = False
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "citizen_message": self.citizen_message, "detail": self.detail,
                "attempt_id": self.attempt_id, "job_id": self.job_id,
                "duplicate_avoided": self.duplicate_avoided, "seconds": round(self.seconds, 3)}


def attempt_id(session_id: str, key: str, copy: int = 1) -> str:
    """The printer-side name of one print: a digest, so nothing personal is on the printer's job list."""
    digest = hashlib.blake2s(f"{session_id}\x00{key}\x00{copy}".encode(), digest_size=12).hexdigest()
    return f"kiosk-{digest}"


def _problem_words(state: PrinterState) -> str:
    words = [CITIZEN_PROBLEMS[w] for w in state.reason_words if w in CITIZEN_PROBLEMS]
    return "，".join(dict.fromkeys(words)) or "A4打印机暂时不能打印"


class A4Printing:
    """Prints certificates for sessions on the kiosk's A4 printer (``None``: the kiosk has none)."""

    def __init__(self, printer: Any | None, *, pickup: str = "终端下方的A4出纸口") -> None:
        self.printer = printer
        self.pickup = pickup

    def readiness(self) -> A4Readiness:
        """Ask the printer now; an item that prints A4 starts only when this is ready."""
        if self.printer is None:
            return A4Readiness(False, "本终端没有A4打印机，不能打印证明；" + STAFF, "no A4 printer configured")
        try:
            state = self.printer.check()
        except DriverError as exc:
            return A4Readiness(False, "A4打印机暂时无法使用，不能打印证明；" + STAFF, str(exc))
        if not state.supports("application/pdf"):
            return A4Readiness(False, "A4打印机暂时无法使用，不能打印证明；" + STAFF, "the printer takes no PDF")
        if not state.can_print:
            return A4Readiness(False, f"{_problem_words(state)}，暂时不能打印证明；{STAFF}", state.problem())
        return A4Readiness(True, detail="ready")

    def print_certificate(self, session_id: str, pdf: bytes, *, key: str, copy: int = 1,
                          timeout: float | None = None) -> A4Result:
        """Print one certificate for ``session_id`` and say what came of it; at most one copy per (key, copy)."""
        attempt = attempt_id(session_id, key, copy)
        if self.printer is None:
            return A4Result("unavailable", "本终端没有A4打印机，不能打印证明；" + STAFF, "no A4 printer configured",
                            attempt)
        owner = f"session:{session_id}"
        try:
            self.printer.open()
            self.printer.claim(owner)
        except DeviceBusy as exc:
            return A4Result("unavailable", "A4打印机正在自检，请稍候再试", str(exc), attempt)
        except DriverError as exc:
            return A4Result("unavailable", "A4打印机暂时无法使用，不能打印证明；" + STAFF, str(exc), attempt)
        try:
            outcome = self.printer.print_pdf(pdf, attempt_id=attempt, timeout=timeout)
        except DriverError as exc:
            result = self._refused(exc, attempt)
        else:
            result = self._finished(outcome)
        finally:
            self.printer.release(owner)
        log.info("a4 print", extra={"attempt": attempt, "job_id": result.job_id, "outcome": result.outcome,
                                    "duplicate_avoided": result.duplicate_avoided, "seconds": round(result.seconds, 3)})
        return result

    def _refused(self, exc: DriverError, attempt: str) -> A4Result:
        if isinstance(exc, PaperOut):
            said = "A4打印机缺纸"
        elif isinstance(exc, CoverOpen):
            said = "A4打印机的门或盖没有关好"
        elif isinstance(exc, DeviceNotFound | DeviceTimeout):
            said = "A4打印机没有应答"
        else:
            said = _problem_words(getattr(self.printer, "last_state", UNKNOWN))
        return A4Result("unavailable", f"{said}，证明没有打印；{STAFF}", str(exc), attempt)

    def _finished(self, outcome: PrintOutcome) -> A4Result:
        common = {"detail": outcome.message, "attempt_id": outcome.attempt_id, "job_id": outcome.job_id,
                  "duplicate_avoided": outcome.duplicate_avoided, "seconds": outcome.seconds}
        if outcome.state == "completed":
            return A4Result("printed", f"证明已打印，请在{self.pickup}取走", **common)
        if outcome.state == "unknown":
            return A4Result("unknown", f"不能确定证明是否已打印：请先看{self.pickup}有没有您的证明；"
                                       f"如果没有，{STAFF}，不要重复打印", **common)
        try:
            state = self.printer.check()  # why the job ended, as the printer says it now
        except DriverError:
            state = UNKNOWN
        return A4Result("failed", f"证明没有打印出来（{_problem_words(state)}）；{STAFF}", **common)
