"""The in-process ``sim:`` A4 printer: each job's PDF saved in a folder, faults from the URI or set by tests."""

from __future__ import annotations

import time
from pathlib import Path
from typing import ClassVar

from drivers.a4_printer.device import ATTEMPT_ID, PDF, UnsupportedFormat, device_status, refused
from drivers.a4_printer.status import PrinterState, PrintOutcome
from drivers.base import Device, DeviceStatus
from drivers.errors import DriverError, PaperOut

MEDIA_REASONS = {"ok": (), "low": ("media-low-warning",), "empty": ("media-empty-error",)}


class SimA4Printer(Device):
    """Same interface as :class:`A4Printer`: ``check``, ``probe``, ``print_pdf``; jobs as ``job-NNNN.pdf``."""

    kind: ClassVar[str] = "a4_printer"

    def __init__(self, uri: str, out_dir: Path | str, *, media: str = "ok", state: str = "idle",
                 pdf: bool = True) -> None:
        super().__init__(uri)
        self.out_dir = Path(out_dir)
        self.media = media
        self.state = state
        self.pdf = pdf
        self.jobs: dict[str, tuple[int, Path]] = {}  # attempt id → job id and file
        self.last_state = PrinterState()

    def _open(self) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)

    def check(self) -> PrinterState:
        """The simulated printer's attributes, as an IPP printer would give them."""
        reasons = MEDIA_REASONS[self.media] + (("paused",) if self.state == "stopped" else ())
        self.last_state = PrinterState(answered=True, state=self.state, reasons=reasons, accepting=True,
                                       formats=(PDF,) if self.pdf else ("image/pwg-raster",),
                                       model="Kiosk simulated A4 printer")
        self.set_status(device_status(self.last_state))
        return self.last_state

    def probe(self) -> DeviceStatus:
        self.check()
        return self.status

    def print_pdf(self, data: bytes, *, attempt_id: str, timeout: float | None = None) -> PrintOutcome:
        """Save the PDF (once per attempt id) after the same checks the IPP printer makes."""
        if not ATTEMPT_ID.match(attempt_id):
            raise ValueError("attempt_id must be 1-64 letters, digits or ._:-")
        started = time.monotonic()
        if attempt_id in self.jobs:
            job_id, _ = self.jobs[attempt_id]
            return PrintOutcome(attempt_id, "completed", job_id, duplicate_avoided=True,
                                message=f"printed; already sent as job {job_id}, not printed again")
        if not data.startswith(b"%PDF-"):
            raise refused(UnsupportedFormat("the document is not a PDF (it does not start with %PDF-)",
                                            device=self.uri))
        state = self.check()
        if not state.supports(PDF):
            raise refused(UnsupportedFormat("the printer does not take application/pdf", device=self.uri))
        if not state.can_print:
            error = PaperOut if state.media == "empty" else DriverError
            raise refused(error(state.problem(), device=self.uri))
        self.open()
        job_id = len(self.jobs) + 1
        path = self.out_dir / f"job-{job_id:04d}.pdf"
        path.write_bytes(data)
        self.jobs[attempt_id] = (job_id, path)
        return PrintOutcome(attempt_id, "completed", job_id, message="printed",
                            seconds=time.monotonic() - started)
