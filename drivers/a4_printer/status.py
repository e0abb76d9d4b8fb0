"""What an IPP printer says about itself, read from its attributes (RFC 8011 §5.4, PWG 5100.14); no I/O.

``printer-state-reasons`` keywords may end in ``-report``, ``-warning`` or ``-error``; a keyword
without a suffix counts as an error (RFC 8011 §5.4.12). Errors stop printing; so do an empty tray,
a jam and a printer waiting for paper at any severity (see ``STOPS_AT_ANY_SEVERITY``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

PRINTER_STATES = {3: "idle", 4: "processing", 5: "stopped"}
JOB_STATES = {3: "pending", 4: "pending-held", 5: "processing", 6: "processing-stopped",
              7: "canceled", 8: "aborted", 9: "completed"}
FINAL_JOB_STATES = frozenset({"canceled", "aborted", "completed"})
SEVERITIES = ("-report", "-warning", "-error")

# Reasons that stop a job when they are errors; the words say what the person at the kiosk does.
BLOCKING = {
    "media-empty": "the paper tray is empty; load A4 paper",
    "media-needed": "the printer asks for paper; load A4 paper",
    "media-jam": "paper is jammed; open the printer and clear it",
    "door-open": "a door of the printer is open; close it",
    "cover-open": "the printer's cover is open; close it",
    "interlock-open": "a printer interlock is open; close every door",
    "input-tray-missing": "a paper tray is out; push it back in",
    "output-area-full": "the output tray is full; take the paper out",
    "output-tray-missing": "the output tray is missing; put it back",
    "toner-empty": "the toner is used up; replace the cartridge",
    "marker-supply-empty": "the toner or ink is used up; replace it",
    "offline": "the printer is offline; switch it on or check its panel",
    "shutdown": "the printer is shutting down; switch it on again",
    "paused": "the printer is paused; resume it on its panel",
    "moving-to-paused": "the printer is pausing; resume it on its panel",
}
# These stop a kiosk's job whatever the severity given: "media-needed" means a tray ran out and the
# printer waits for it (RFC 8011 §5.4.12); ippeveprinter says "media-needed-warning" while a job waits
# and "media-empty-report" once idle, and holds the next job until paper is loaded. A kiosk printer has
# one A4 tray, so an empty tray is refused up front rather than holding a citizen's certificate.
STOPS_AT_ANY_SEVERITY = frozenset({"media-empty", "media-needed", "media-jam"})
LOW = ("media-low", "toner-low", "marker-supply-low", "marker-waste-almost-full")

# What a kiosk asks for in Get-Printer-Attributes: everything status and printing need, nothing more.
PRINTER_ATTRIBUTES = (
    "printer-state", "printer-state-reasons", "printer-state-message", "printer-is-accepting-jobs",
    "document-format-supported", "printer-make-and-model", "printer-name", "operations-supported",
)
JOB_ATTRIBUTES = ("job-id", "job-name", "job-state", "job-state-reasons", "job-state-message",
                  "job-impressions-completed")


def split_reason(keyword: str) -> tuple[str, str]:
    """``media-empty-error`` → (``media-empty``, ``error``); no suffix is an error."""
    for suffix in SEVERITIES:
        if keyword.endswith(suffix):
            return keyword[: -len(suffix)], suffix[1:]
    return keyword, "error"


@dataclass(frozen=True)
class PrinterState:
    """The printer as its attributes describe it; ``answered`` is False when nothing answered."""

    answered: bool = False
    state: str = "unknown"  # idle | processing | stopped | unknown
    reasons: tuple[str, ...] = ()  # keywords as sent, "none" left out
    accepting: bool | None = None
    formats: tuple[str, ...] = ()
    message: str = ""
    model: str = ""

    @property
    def reason_words(self) -> tuple[str, ...]:
        """The reasons without their severity suffix, each once."""
        return tuple(dict.fromkeys(split_reason(r)[0] for r in self.reasons))

    @property
    def blocking(self) -> tuple[str, ...]:
        """Reasons at error severity that stop printing."""
        out = []
        for reason in self.reasons:
            word, severity = split_reason(reason)
            if word in BLOCKING and (severity == "error" or word in STOPS_AT_ANY_SEVERITY):
                out.append(word)
        return tuple(dict.fromkeys(out))

    @property
    def media(self) -> str:
        """ok | low | empty | unknown."""
        if not self.answered:
            return "unknown"
        # any severity: a printer that waits for paper may call it only a report (CUPS's ippeveprinter does)
        words = set(self.reason_words)
        if words & {"media-empty", "media-needed"}:
            return "empty"
        return "low" if "media-low" in words else "ok"

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(w for w in self.reason_words if w in LOW)

    @property
    def can_print(self) -> bool:
        """Answered, not stopped, accepting jobs and nothing at error severity in the way."""
        return self.answered and self.state != "stopped" and self.accepting is not False and not self.blocking

    def problem(self) -> str:
        """What keeps this printer from printing, said so a technician can act; empty when it can print."""
        if not self.answered:
            return "the printer does not answer; check its power and network cable"
        if self.blocking:
            words = [w for w in self.blocking if not (w == "media-needed" and "media-empty" in self.blocking)]
            return "; ".join(BLOCKING[word] for word in words)
        if self.accepting is False:
            return "the printer is not accepting jobs; enable it on its panel or in CUPS"
        if self.state == "stopped":
            detail = f" ({self.message})" if self.message else ""
            return f"the printer has stopped{detail}; check its panel"
        return ""

    def explain(self) -> str:
        """Why a job may be waiting: the problem if there is one, else the reasons it reports, in words."""
        if self.problem():
            return self.problem()
        said = [BLOCKING.get(word, word) for word in self.reason_words]
        return "; ".join(said)

    def supports(self, mime: str) -> bool:
        """Whether the printer lists ``mime``; a printer that lists nothing is given the benefit of the doubt."""
        return not self.formats or mime in self.formats

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``kioskctl a4 status --json`` (ARCHITECTURE.md, contract)."""
        return {"state": self.state, "reasons": list(self.reason_words), "media": self.media}


UNKNOWN = PrinterState()


def _first(attrs: Mapping[str, Sequence[Any]], name: str, default: Any = None) -> Any:
    values = attrs.get(name)
    return values[0] if values else default


def printer_state(attrs: Mapping[str, Sequence[Any]]) -> PrinterState:
    """A PrinterState from a Get-Printer-Attributes printer group."""
    reasons = tuple(str(r) for r in attrs.get("printer-state-reasons", ()) if r and r != "none")
    accepting = _first(attrs, "printer-is-accepting-jobs")
    return PrinterState(
        answered=True,
        state=PRINTER_STATES.get(_first(attrs, "printer-state"), "unknown"),
        reasons=reasons,
        accepting=None if accepting is None else bool(accepting),
        formats=tuple(str(f) for f in attrs.get("document-format-supported", ())),
        message=str(_first(attrs, "printer-state-message", "") or ""),
        model=str(_first(attrs, "printer-make-and-model", "") or ""),
    )


@dataclass(frozen=True)
class JobState:
    """One job as the printer reports it."""

    job_id: int
    state: str  # a JOB_STATES value, or "unknown"
    reasons: tuple[str, ...] = ()
    message: str = ""
    name: str = ""
    pages: int | None = None

    @property
    def final(self) -> bool:
        return self.state in FINAL_JOB_STATES


def job_state(attrs: Mapping[str, Sequence[Any]]) -> JobState:
    """A JobState from a job group (Print-Job, Get-Job-Attributes or one of Get-Jobs)."""
    reasons = tuple(str(r) for r in attrs.get("job-state-reasons", ()) if r and r != "none")
    pages = _first(attrs, "job-impressions-completed")
    return JobState(
        job_id=int(_first(attrs, "job-id", 0) or 0),
        state=JOB_STATES.get(_first(attrs, "job-state"), "unknown"),
        reasons=reasons,
        message=str(_first(attrs, "job-state-message", "") or ""),
        name=str(_first(attrs, "job-name", "") or ""),
        pages=pages if isinstance(pages, int) else None,
    )


@dataclass(frozen=True)
class PrintOutcome:
    """How one print attempt ended: the job, its final state and what the person at the kiosk should know.

    ``state`` is completed | aborted | canceled | unknown | refused (never sent). ``duplicate_avoided``
    is True when a retry found the attempt's earlier job and followed it instead of printing again.
    """

    attempt_id: str
    state: str
    job_id: int | None = None
    message: str = ""
    reasons: tuple[str, ...] = ()
    duplicate_avoided: bool = False
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def printed(self) -> bool:
        return self.state == "completed"

    def to_dict(self) -> dict[str, Any]:
        return {"attempt_id": self.attempt_id, "job_id": self.job_id, "state": self.state,
                "message": self.message, "reasons": list(self.reasons),
                "duplicate_avoided": self.duplicate_avoided, "seconds": round(self.seconds, 3)}
