"""Printing for sessions: print a job, tell the session how it went, and resume the jobs that wait for paper
or the printer once it is fixed (the citizen still at the kiosk gets theirs; a job of someone who has
left is cancelled, not printed for the next person to find)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from drivers.errors import CoverOpen, DeviceTimeout, DriverError, PaperOut
from flows import effects as fx
from flows import events as ev
from flows.model import PrintStep, ServiceItem
from local_api.devices import DeviceManager
from local_api.errors import BadRequest, NoDevice, NotFound, NotReady
from local_api.printing import JobState, PrintQueue
from local_api.sessions import SessionService
from local_api.tickets import build_document
from local_api.worker import Worker

log = logging.getLogger(__name__)

PRINTER_OFFLINE = "打印机暂时无法使用，请到人工窗口办理，或选择其他事项"


class PrintingService:
    def __init__(self, sessions: SessionService, devices: DeviceManager, print_queue: PrintQueue | None, *,
                 clock: Callable[[], datetime], hall_name: str, timezone: str, watch_s: float = 2.0) -> None:
        self.sessions = sessions
        self.devices = devices
        self.print_queue = print_queue
        self.clock = clock
        self.hall_name = hall_name
        self.timezone = timezone
        self._waiting: dict[str, str] = {}  # print job id -> its session, while the job waits for the printer
        # How often a printer with waiting jobs is asked for its status.
        self.worker = Worker("resuming print jobs", self._watch, interval_s=watch_s)

    def start(self) -> None:
        self.worker.start()

    def stop(self) -> None:
        self.worker.stop()

    def precheck(self, item: ServiceItem) -> None:
        """Refuse to start an item that prints a slip when the receipt printer cannot print (NotReady)."""
        if not any(isinstance(step, PrintStep) and not step.on_a4 for step in item.steps):
            return
        printer = self.devices.get("printer")
        if printer is None or not hasattr(printer, "check"):
            return
        try:
            status = printer.check()
        except DriverError:
            raise NotReady("printer_offline", PRINTER_OFFLINE) from None
        if status.paper == "out":
            raise NotReady("paper_out", "打印机缺纸，请联系工作人员加纸后再办理，或到人工窗口办理")
        if status.cover_open:
            raise NotReady("cover_open", "打印机盖未关好，请联系工作人员")
        if status.online is False:
            raise NotReady("printer_offline", PRINTER_OFFLINE)

    def print_document(self, session_id: str, effect: fx.PrintDocument) -> None:
        code, reason = self._print(effect)
        if code in ("paper_out", "offline") and self.print_queue is not None:
            state = self.print_queue.get(effect.job_id)
            if state is not None and state.pending:  # it comes out by itself once the printer is fixed
                self._waiting[effect.job_id] = session_id
        if code is None:
            self.sessions.system_event(session_id, ev.Printed(at=self.clock(), job_id=effect.job_id))
        else:
            self.sessions.system_event(session_id, ev.PrintFailed(at=self.clock(), job_id=effect.job_id,
                                                                  code=code, reason=reason))

    def _print(self, effect: fx.PrintDocument) -> tuple[str | None, str]:
        """Print one job: ``(None, "")`` when it came out, else the engine's fault code and why."""
        if self.print_queue is None:
            return "offline", "this kiosk has no printer"
        for earlier in effect.replaces:  # a reprint: the attempts still waiting must not come out as well
            self._waiting.pop(earlier, None)
            try:
                if self.print_queue.cancel(earlier).status == "done":
                    return None, ""  # it came out after all (the paper was changed meanwhile): nothing more to print
            except KeyError:
                pass
        try:
            document = build_document(effect.template, effect.data, hall=self.hall_name, tz=self.timezone)
            state = self.print_queue.submit(effect.job_id, document)
        except PaperOut:
            return "paper_out", "paper out"
        except CoverOpen:
            return "cover_open", "cover open"
        except DeviceTimeout:
            return "offline", "the printer did not answer"
        except DriverError as exc:
            return "offline", str(exc)
        except ValueError as exc:  # a document the printer cannot print (e.g. a QR code too big for the paper)
            log.error("print document refused", extra={"template": effect.template, "detail": str(exc)[:200]})
            return "invalid_document", "this document cannot be printed here"
        if state.status == "done":
            return None, ""
        return {"waiting_paper": "paper_out", "waiting_printer": "offline"}.get(state.status, str(state.status)), \
            state.message

    def resume(self) -> None:
        """Retry the jobs that wait for paper or the printer (the session moves on by itself)."""
        if self.print_queue is None:
            return
        snap = self.sessions.snapshot()
        current = snap.session_id if snap is not None and snap.status == "active" else None
        for job_id, owner in list(self._waiting.items()):
            if owner != current:
                self._waiting.pop(job_id, None)
                try:
                    cancelled = self.print_queue.cancel(job_id).status == "cancelled"
                except KeyError:  # forgotten meanwhile (expired and pruned)
                    cancelled = False
                if cancelled:
                    log.info("print job cancelled: its session has ended", extra={"job": job_id})
        for state in self.print_queue.resume():
            if state.pending:
                continue
            owner = self._waiting.pop(state.job_id, None)
            if owner is not None and state.status == "done":
                self.sessions.system_event(owner, ev.Printed(at=self.clock(), job_id=state.job_id))

    # -- for the technician's routes --------------------------------------------------------------
    def queue(self) -> PrintQueue:
        """The print queue; NoDevice when the kiosk has no printer."""
        if self.print_queue is None:
            raise NoDevice("this kiosk has no printer; set KIOSK_PRINTER", code="no_printer")
        return self.print_queue

    def cancel(self, job_id: str) -> JobState:
        """Cancel a job that has not printed (a printed job stays printed)."""
        try:
            return self.queue().cancel(job_id)
        except KeyError:
            raise NotFound(f"no print job {job_id!r}; `kioskctl printer jobs` lists those waiting",
                           code="no_print_job") from None
        except ValueError as exc:
            raise BadRequest(str(exc)) from None

    def _watch(self) -> None:
        """Watch a printer that has jobs waiting, so they resume when paper is loaded or the cover closed."""
        if self.print_queue is not None and self.print_queue.pending():
            self.resume()
