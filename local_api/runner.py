"""The effect runner: carries out what the engine ordered, through the devices and the outbox,
and feeds each result back to the session as an event.

Slow work (reading a card, waiting for pages, printing, talking to the hub) runs on worker
threads so an HTTP request never waits for a device. Every result names its session; the
session service drops results for a session that has already ended.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from common.masking import mask_name
from drivers.base import Stage
from drivers.camera.qr import qr_in_jpeg
from drivers.errors import CoverOpen, DeviceTimeout, DriverError, NotPresent, PaperOut
from drivers.id_card.errors import CardRemoved
from flows import effects as fx
from flows import events as ev
from flows.engine import CARD_HELD
from local_api.codes import CARD_TYPES, RATING_LEVELS, id_type
from local_api.db.models import ConsentRecord
from local_api.hub_client import HubClient
from local_api.outbox import MaterialFile, Outbox, OutboxFull, Receipt
from local_api.outcomes import Outcomes
from local_api.schemas import CameraPreviewView, HeldCardView, HelperView, PushMessage
from local_api.sessions import NotReady, SessionService
from wire.errors import PayloadInvalid

log = logging.getLogger(__name__)


def card_event_record(record: dict[str, Any]) -> dict[str, Any]:
    """The card record as the engine sees it: flow card types, no photo (it is not needed there)."""
    out = {k: v for k, v in record.items() if k != "photo_wlt"}
    out["card_type"] = CARD_TYPES.get(record.get("card_type", ""), record.get("card_type", ""))
    out.setdefault("issuer", record.get("authority", ""))
    return out


class Runner:
    def __init__(self, sessions: SessionService, devices: Any, outbox: Outbox, *, print_queue: Any = None,
                 wake_forwarder: Callable[[], None] = lambda: None, db: Any = None, bus: Any = None,
                 poll_s: float = 0.3, capture_timeout_s: float = 120.0, hall_name: str = "",
                 hub: HubClient | None = None, timezone: str = "Asia/Shanghai", local_tickets: Any = None,
                 local_prefix: str = "Z", printer_watch_s: float = 2.0, card_hold_s: float = 90.0) -> None:
        self.sessions = sessions
        self.devices = devices
        self.outbox = outbox
        self.print_queue = print_queue
        self.wake_forwarder = wake_forwarder
        self.card_hold_s = card_hold_s  # how long a card placed at the home screen waits for a service to be chosen
        self.printer_watch_s = printer_watch_s  # how often a printer with waiting jobs is asked for its status
        self.db = db
        self.bus = bus
        self.poll_s = poll_s
        self.capture_timeout_s = capture_timeout_s
        self.hall_name = hall_name
        self.timezone = timezone
        self.local_queue_file = sessions.root.parent / "queue-block.json"  # the own block's counter
        self.local_prefix = local_prefix  # the letter of this kiosk's own block (Z unless told otherwise)
        self._hub = hub  # answers queries and hands out queue numbers
        self.outcomes: Outcomes | None = None  # follows whether the citizen learnt the outcome of a case
        self.local_tickets = local_tickets  # records numbers from the Z block until the hub has them
        self.pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="effects")
        self.latest_preview: Any = None  # the capture step's last preview, for the UI's live view
        self._capturing = 0  # capture steps running: only they may read previews then
        self._card_session: str | None = None
        self._card_wake = threading.Event()
        self._capture_cancel: dict[str, threading.Event] = {}
        self._stop = threading.Event()
        self._held_card: tuple[Any, float, str | None] | None = None  # (record, deadline, session it went to)
        self._waiting_jobs: dict[str, str] = {}  # print job id -> its session, while the job waits for the printer
        self._printer_thread = threading.Thread(target=self._printer_loop, name="print-resume", daemon=True)
        self._card_thread = threading.Thread(target=self._card_loop, name="card-reader", daemon=True)

    @property
    def hub(self) -> HubClient | None:
        """The hub's client; None while no hub is configured (a kiosk not enrolled yet)."""
        hub = self._hub
        return hub if hub is None or getattr(hub, "configured", True) else None

    @hub.setter
    def hub(self, client: HubClient | None) -> None:
        self._hub = client

    def start(self) -> None:
        self._card_thread.start()
        self._printer_thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._card_wake.set()
        for cancel in self._capture_cancel.values():
            cancel.set()
        self._card_thread.join(timeout=5)
        self._printer_thread.join(timeout=5)
        self.pool.shutdown(wait=True, cancel_futures=True)

    def now(self) -> datetime:
        return self.sessions.clock()

    # -- dispatch -------------------------------------------------------------------------------
    def run(self, session_id: str, effects: list[Any]) -> None:
        for effect in effects:
            handler = getattr(self, f"_do_{effect.type}", None)
            if handler is None:
                log.error("no handler for effect", extra={"effect": effect.type})
                continue
            if effect.type in ("stop_card_reader", "start_card_reader", "stop_capture", "wipe_session",
                               "record_consent", "discard_pages", "call_helper", "cancel_helper"):
                self._guarded(handler, session_id, effect)
            else:
                self.pool.submit(self._guarded, handler, session_id, effect)

    def _guarded(self, handler: Callable[[str, Any], None], session_id: str, effect: Any) -> None:
        try:
            handler(session_id, effect)
        except Exception:
            log.exception("effect failed", extra={"effect": effect.type})

    def _result(self, session_id: str, event: Any) -> None:
        self.sessions.system_event(session_id, event)

    # -- before a session ------------------------------------------------------------------------
    def precheck(self, item: Any) -> None:
        """Refuse to start an item that prints when the printer cannot print (NotReady)."""
        if not any(step.kind == "print" for step in item.steps):
            return
        printer = self.devices.get("printer")
        if printer is None or not hasattr(printer, "check"):
            return
        try:
            status = printer.check()
        except DriverError:
            raise NotReady("printer_offline", "打印机暂时无法使用，请到人工窗口办理，或选择其他事项") from None
        if status.paper == "out":
            raise NotReady("paper_out", "打印机缺纸，请联系工作人员加纸后再办理，或到人工窗口办理")
        if status.cover_open:
            raise NotReady("cover_open", "打印机盖未关好，请联系工作人员")
        if status.online is False:
            raise NotReady("printer_offline", "打印机暂时无法使用，请到人工窗口办理，或选择其他事项")

    # -- voice ----------------------------------------------------------------------------------
    def _do_speak(self, session_id: str, effect: fx.Speak) -> None:
        voice = self.devices.get("voice")
        if voice is not None:
            voice.speak(effect.text)

    # -- ID card --------------------------------------------------------------------------------
    def _do_start_card_reader(self, session_id: str, effect: fx.StartCardReader) -> None:
        self._card_session = session_id
        self._card_wake.set()

    def _do_stop_card_reader(self, session_id: str, effect: fx.StopCardReader) -> None:
        if self._card_session == session_id:
            self._card_session = None

    def _card_loop(self) -> None:
        """Read cards for an identify step; at the home screen, hold a card placed there for the session
        the citizen then starts; during a session, watch for someone else's card."""
        while not self._stop.is_set():
            session_id = self._card_session
            snap = self.sessions.snapshot()
            active = snap if snap is not None and snap.status == "active" else None
            self._forget_held_card_unless(active)
            if session_id and self._held_card is not None:  # placed at home: it is this step's card
                record, self._held_card = self._held_card[0], None
                self._card_session = None
                self._result(session_id, ev.CardRead(at=self.now(), record=card_event_record(record.to_dict())))
                continue
            watched = None if session_id or active is None or not active.card else active
            at_home = active is None
            reader = self.devices.get("id_reader")
            if session_id is None and ((watched is None and not at_home) or reader is None):
                self._card_wake.wait(1.0)
                self._card_wake.clear()
                continue
            if reader is None:
                self._card_session = None
                self._result(session_id, ev.DeviceFault(at=self.now(), device="id_reader",
                                                        reason="this kiosk has no ID card reader"))
                continue
            try:
                record = reader.poll()
            except NotPresent:
                record = None
            except DriverError as exc:
                if session_id:  # a card pulled mid-read or a torn frame: tell the citizen, keep reading
                    self._result(session_id, ev.CardFailed(at=self.now(), reason=_card_reason(exc)))
                self._stop.wait(1.0)
                continue
            if record is not None and session_id and self._card_session == session_id:
                self._card_session = None
                self._result(session_id, ev.CardRead(at=self.now(), record=card_event_record(record.to_dict())))
                continue
            if at_home:
                if record is not None:
                    self._hold_card(record)
                elif self._held_card is not None and not getattr(reader, "card_present", True):
                    self._drop_held_card("taken away")
            elif record is not None and watched is not None and record.id_number != watched.card.get("id_number"):
                # Another person's card: the previous citizen has gone. End their session and wipe it,
                # so the newcomer never sees it; their own card read again is simply ignored.
                log.info("another card during a session; ending it", extra={"session": watched.session_id})
                self.sessions.abandon("another card")
                continue
            self._stop.wait(self.poll_s)

    # A card placed at the home screen logs the citizen in: it is read at once, greeted by its masked
    # name, and given to the identify step of whatever item they tap. It is held in memory only, and
    # only while it lies on the reader, at most card_hold_s, and never beyond the session it started.
    def _hold_card(self, record: Any) -> None:
        self._held_card = (record, time.monotonic() + self.card_hold_s, None)
        log.info("card placed at the home screen; held for the next session")
        self._publish_card("held", mask_name(record.name))
        self.pool.submit(self._guarded, self._do_speak, "", fx.Speak(text=CARD_HELD))

    def _drop_held_card(self, why: str) -> None:
        self._held_card = None
        log.info("held card dropped", extra={"why": why})
        self._publish_card("gone", "")

    def _forget_held_card_unless(self, active: Any) -> None:
        held = self._held_card
        if held is None:
            return
        record, deadline, session_id = held
        if active is not None and session_id is None:
            self._held_card = (record, deadline, active.session_id)  # the session it is meant for
        elif session_id is not None and (active is None or active.session_id != session_id):
            self._drop_held_card("its session ended")
        elif active is None and time.monotonic() > deadline:
            self._drop_held_card("not used in time")

    def _publish_card(self, state: str, name_masked: str) -> None:
        if self.bus is not None:
            self.bus.publish(PushMessage(type="card", card=HeldCardView(state=state, name_masked=name_masked)))

    # -- document camera ------------------------------------------------------------------------
    def _do_capture_pages(self, session_id: str, effect: fx.CapturePages) -> None:
        camera = self.devices.get("camera")
        if camera is None:
            self._result(session_id, ev.CaptureFailed(at=self.now(), material=effect.material,
                                                       reason="this kiosk has no document camera"))
            return
        cancel = self._capture_cancel.setdefault(session_id, threading.Event())
        cancel.clear()
        folder = self.sessions.folder(session_id) / "materials" / effect.material
        folder.mkdir(parents=True, exist_ok=True)
        mode = "enhanced" if effect.kind == "a4" else "color"  # ID cards and photos keep their colour
        kind = "auto" if effect.kind == "qr" else effect.kind  # a QR slip or phone: any size, read below

        def on_preview(preview: Any) -> None:
            if cancel.is_set():
                raise _Cancelled
            self.latest_preview = preview
            if self.bus is not None:
                self.bus.publish(PushMessage(type="camera", session_id=session_id,
                                             preview=CameraPreviewView.model_validate(preview.to_dict())))

        # One page at a time, each reported at once: the screen counts pages and asks for the next one,
        # and auto-capture waits for the page to change before taking another.
        self._capturing += 1
        try:
            self._capture_loop(session_id, effect, camera, cancel, folder, kind, mode, on_preview)
        finally:
            self._capturing -= 1
            self.latest_preview = None  # its frames show the citizen's papers: not kept past the step

    def _capture_loop(self, session_id: str, effect: fx.CapturePages, camera: Any, cancel: threading.Event,
                      folder: Any, kind: str, mode: str, on_preview: Callable[[Any], None]) -> None:
        for _ in range(1 if effect.now else effect.pages):
            try:
                if effect.now:
                    page = camera.capture(kind, mode)
                else:
                    page = camera.capture_pages(1, kind=kind, mode=mode, timeout=self.capture_timeout_s,
                                                on_preview=on_preview)[0]
            except _Cancelled:
                return
            except NotPresent:
                self._result(session_id, ev.CaptureFailed(at=self.now(), material=effect.material,
                                                           reason="没有检测到材料，请把材料平放在拍摄区"))
                return
            except DriverError as exc:
                self._result(session_id, ev.CaptureFailed(at=self.now(), material=effect.material,
                                                           reason=str(exc)))
                return
            if cancel.is_set():
                return
            if effect.kind == "qr" and qr_in_jpeg(page.jpeg) is None:
                self._result(session_id, ev.CaptureFailed(at=self.now(), material=effect.material,
                                                           reason="没有识别到二维码"))
                return
            path = folder / f"{len(list(folder.glob('*.jpg'))) + 1:02d}.jpg"
            path.write_bytes(page.jpeg)
            ref = str(path.relative_to(self.sessions.folder(session_id)))
            self._result(session_id, ev.PagesCaptured(at=self.now(), material=effect.material, refs=[ref]))

    def live_preview(self) -> Any | None:
        """The document camera's preview: the capture step's own while it runs, else a fresh one.

        During a capture step the step reads previews and drives auto-capture; its frames are shared
        and ``preview()`` is never called then, or this would take the auto-capture's moment away.
        Otherwise (the technician's camera view, a helper's look at the plate) one frame is read now.
        Raises DriverError when the camera fails; None when the kiosk has none or it is closed.
        """
        if self._capturing:
            return self.latest_preview  # None until the step's first frame: never read one here then
        camera = self.devices.get("camera")
        if camera is None or camera.stage is Stage.CLOSED:
            return None
        return camera.preview()

    def _do_stop_capture(self, session_id: str, effect: fx.StopCapture) -> None:
        cancel = self._capture_cancel.get(session_id)
        if cancel:
            cancel.set()

    def _do_discard_pages(self, session_id: str, effect: fx.DiscardPages) -> None:
        root = self.sessions.folder(session_id).resolve()
        for ref in effect.refs:
            path = (root / ref).resolve()
            if path.is_relative_to(root):
                path.unlink(missing_ok=True)

    # -- printing -------------------------------------------------------------------------------
    def _do_print_document(self, session_id: str, effect: fx.PrintDocument) -> None:
        code, reason = self._print(effect)
        if code in ("paper_out", "offline") and self.print_queue is not None:
            state = self.print_queue.get(effect.job_id)
            if state is not None and state.pending:  # it comes out by itself once the printer is fixed
                self._waiting_jobs[effect.job_id] = session_id
        if code is None:
            self._result(session_id, ev.Printed(at=self.now(), job_id=effect.job_id))
        else:
            self._result(session_id, ev.PrintFailed(at=self.now(), job_id=effect.job_id, code=code, reason=reason))

    def _print(self, effect: fx.PrintDocument) -> tuple[str | None, str]:
        """Print one job: ``(None, "")`` when it came out, else the engine's fault code and why."""
        from local_api.tickets import build_document

        if self.print_queue is None:
            return "offline", "this kiosk has no printer"
        for earlier in effect.replaces:  # a reprint: the attempts still waiting must not come out as well
            self._waiting_jobs.pop(earlier, None)
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

    def resume_printing(self) -> None:
        """Retry the jobs that wait for paper or the printer: the citizen at the kiosk gets theirs (and the
        session moves on by itself); a job of someone who has since left is cancelled, not printed for the
        next person to find."""
        if self.print_queue is None:
            return
        snap = self.sessions.snapshot()
        current = snap.session_id if snap is not None and snap.status == "active" else None
        for job_id, owner in list(self._waiting_jobs.items()):
            if owner != current:
                self._waiting_jobs.pop(job_id, None)
                try:
                    cancelled = self.print_queue.cancel(job_id).status == "cancelled"
                except KeyError:  # forgotten meanwhile (expired and pruned)
                    cancelled = False
                if cancelled:
                    log.info("print job cancelled: its session has ended", extra={"job": job_id})
        for state in self.print_queue.resume():
            if state.pending:
                continue
            owner = self._waiting_jobs.pop(state.job_id, None)
            if owner is not None and state.status == "done":
                self._result(owner, ev.Printed(at=self.now(), job_id=state.job_id))

    def _printer_loop(self) -> None:
        """Watch a printer that has jobs waiting, so they resume when paper is loaded or the cover closed."""
        while not self._stop.wait(self.printer_watch_s):
            if self.print_queue is None or not self.print_queue.pending():
                continue
            try:
                self.resume_printing()
            except Exception:
                log.exception("resuming print jobs failed")

    # -- submissions ------------------------------------------------------------------------------
    def _do_submit_application(self, session_id: str, effect: fx.SubmitApplication) -> None:
        if effect.purpose != "application":
            from local_api.queries import answer

            self._result(session_id, answer(self, session_id, effect))
            return
        applicant = dict(effect.applicant)
        item = self.sessions.catalog.get(effect.item_code)
        receipt = self.outbox.receipt(effect.idempotency_key)  # a retry, or the session resumed after a kill
        if receipt is None:
            subject = self.outcomes.subject(applicant) if self.outcomes else None
            earlier = None if effect.allow_duplicate or not self.outcomes else \
                self.outcomes.repeat_of(subject, effect.item_code)
            if earlier is not None:
                self._result(session_id, ev.SubmitDuplicate(
                    at=self.now(), number=earlier["case_no"] or earlier["provisional_no"] or "",
                    when=earlier["created_at"].astimezone(ZoneInfo(self.timezone)).strftime("%H:%M")))
                return
            try:
                receipt = self._store_application(session_id, effect, item, applicant, subject)
            except OutboxFull:
                self._result(session_id, ev.SubmitFailed(
                    at=self.now(), reason="本机存储空间已满，暂时无法保存新的申请，请到人工窗口办理"))
                return
            except OSError as exc:
                log.error("outbox store failed", extra={"errno": exc.errno})
                self._result(session_id, ev.SubmitFailed(at=self.now(), reason="本机保存申请失败，请到人工窗口办理"))
                return
            except PayloadInvalid as exc:  # the item's definition or this code, not the citizen: staff must look
                log.error("application refused before storing: %s", exc)
                self._result(session_id, ev.SubmitFailed(
                    at=self.now(), reason="本机无法生成符合要求的申请，请到人工窗口办理"))
                return
        self.deliver_receipt(session_id, effect.idempotency_key, receipt)

    def resume_interrupted(self) -> None:
        """After a restart: the citizen whose number was not shown yet gets it now (and the receipt)."""
        if self.outcomes is None:
            return
        key = self.outcomes.recover(self.sessions.catalog, self.sessions.restore, self.now())
        receipt = self.outbox.receipt(key) if key else None
        snap = self.sessions.snapshot()
        if receipt is not None and snap is not None:
            self.pool.submit(self._guarded_call, self.deliver_receipt, snap.session_id, key, receipt)

    def _guarded_call(self, fn: Callable[..., None], *args: Any) -> None:
        try:
            fn(*args)
        except Exception:
            log.exception("resuming a session failed")

    def deliver_receipt(self, session_id: str, key: str, receipt: Receipt) -> None:
        """Stored durably: the citizen may be told now. Try to get the real case number quickly."""
        self.wake_forwarder()
        case_no = receipt.case_no or self._wait_case_no(receipt.provisional_no, timeout_s=3.0)
        snap = self.sessions.snapshot()
        step = snap.step if snap is not None and snap.session_id == session_id else ""
        told = self.sessions.system_event(session_id, ev.Submitted(
            at=self.now(), case_no=case_no, provisional_no=None if case_no else receipt.provisional_no))
        if self.outcomes is not None:
            self.outcomes.submitted(session_id, key, self.sessions.catalog.get(snap.item_code) if snap else None,
                                    step, told is not None)

    def _store_application(self, session_id: str, effect: fx.SubmitApplication, item: Any,
                           applicant: dict[str, Any], subject: str | None) -> Receipt:
        application = {
            # The platform knows items by their national codes (实施编码, else 基本编码), not by our file names.
            "item_code": hub_item_code(item) if item else effect.item_code.replace("_", "-"),
            "item_name": item.name if item else None,
            "applicant": {
                "name": applicant.get("name", ""),
                "id_type": id_type(applicant),
                "id_number": applicant.get("id_number", ""),
                **({"phone": effect.form["phone"]} if effect.form.get("phone") else {}),
            },
            "form": dict(effect.form),
            "submitted_at": effect.submitted_at.isoformat(),
            "materials": [],
        }
        files: list[MaterialFile] = []
        folder = self.sessions.folder(session_id)
        for material in effect.materials:
            pages = [(folder / ref).read_bytes() for ref in material.get("refs", ())]
            for n, jpeg in enumerate(pages, start=1):
                name = f"{material['code']}-{n:02d}.jpg"
                files.append(MaterialFile(name, "image/jpeg", material["name"], jpeg))
                application["materials"].append({"file": name, "label": f"{material['name']} 第{n}页"})
            spec = next((m for m in item.materials if m.code == material["code"]), None) if item else None
            if spec is not None and spec.capture == "id_card" and len(pages) == 2:
                # 身份证复印件: the hall files an ID card as front and back on one A4 page at true size
                name = f"{material['code']}-copy.jpg"
                files.append(MaterialFile(name, "image/jpeg", material["name"], id_copy_jpeg(*pages, item.name)))
                application["materials"].append({"file": name, "label": f"{material['name']} 复印件（正反面）"})
        snap = self.sessions.snapshot()
        resume = self.outcomes.resume_copy(snap) if self.outcomes and snap and snap.session_id == session_id else None
        return self.outbox.store_case(effect.idempotency_key, effect.item_code, application, files,
                                      subject_hash=subject, resume=resume)

    def _wait_case_no(self, provisional_no: str, timeout_s: float) -> str | None:
        deadline = datetime.now(UTC) + timedelta(seconds=timeout_s)
        while datetime.now(UTC) < deadline and not self._stop.is_set():
            case_no = self.outbox.case_no_for(provisional_no)
            if case_no:
                return case_no
            self._stop.wait(0.1)
        return None

    def _do_submit_rating(self, session_id: str, effect: fx.SubmitRating) -> None:
        case = effect.case_no
        provisional = case if case and case.startswith("P") else None
        rating = {
            "level": RATING_LEVELS[effect.level],
            "channel": "self_service_terminal",
            "reasons": [effect.reason] if effect.reason else [],
            "rated_at": effect.rated_at.isoformat(),
        }
        if case is None:
            return  # nothing to attach the rating to (a query with no case)
        try:
            self.outbox.store_rating(effect.idempotency_key, effect.item_code, rating,
                                     case_no=None if provisional else case, provisional_no=provisional)
            self.wake_forwarder()
        except OutboxFull:
            log.error("rating dropped: storage full")

    # -- consent, helper, wipe ----------------------------------------------------------------------
    def _do_record_consent(self, session_id: str, effect: fx.RecordConsent) -> None:
        if self.db is None:
            return
        with self.db.begin() as s:
            s.add(ConsentRecord(at=effect.at, session_id=session_id, item_code=effect.item_code,
                                text_version=f"{effect.consent_id}@{effect.version}", accepted=effect.accepted))

    def _do_call_helper(self, session_id: str, effect: fx.CallHelper) -> None:
        if self.bus is not None:
            self.bus.publish(PushMessage(type="helper", session_id=session_id,
                                         helper=HelperView(state="called", step=effect.step)))

    def _do_cancel_helper(self, session_id: str, effect: fx.CancelHelper) -> None:
        if self.bus is not None:
            self.bus.publish(PushMessage(type="helper", session_id=session_id, helper=HelperView(state="cancelled")))

    def _do_wipe_session(self, session_id: str, effect: fx.WipeSession) -> None:
        if self._card_session == session_id:
            self._card_session = None
        cancel = self._capture_cancel.pop(session_id, None)
        if cancel:
            cancel.set()
        self.sessions.wipe(session_id)


def id_copy_jpeg(front: bytes, back: bytes, item_name: str) -> bytes:
    """Front above back on one A4 page at true size, marked for this use only, as halls stamp copies."""
    import cv2
    import numpy as np

    from drivers.camera import warp

    sides = [cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR) for jpeg in (front, back)]
    page = warp.id_copy_page(*sides, dpi=200, note=f"此复印件仅供办理{item_name}使用")
    return warp.encode_jpeg(page, 200, quality=85)


def hub_item_code(item: Any) -> str:
    return item.implementation_code or item.basic_code or item.code.replace("_", "-")


class _Cancelled(Exception):
    """The session left the capture step while the camera was waiting."""


def _card_reason(exc: DriverError) -> str:
    text = str(exc)
    if isinstance(exc, CardRemoved) or "removed" in text or "taken off" in text:
        return "读卡时身份证被移开了，请把身份证重新放好，不要移动"
    return "读卡没有成功，请把身份证重新放在感应区"
