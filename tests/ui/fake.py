"""kioskd for the UI tests, in memory: kioskd's own session code with scripted devices.

Sessions run in ``local_api.sessions.SessionService`` over the items in ``tests/ui/items`` (loaded
and validated by ``flows.catalog``), so every snapshot the UI gets is built by the real engine and
``flows.view``, exactly as kioskd builds it. Only what kioskd's effect services do with devices and the hub
is scripted here, as a simulator would be: a card placed on the reader, a page under the camera, a
submission taken, a receipt printed or the paper run out. Thread-safe: the app calls it from its
worker thread, the tests from theirs.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common.idnumber import check_char
from common.masking import mask_name
from drivers.id_card.sim import SAMPLE_RECORDS
from flows import effects as fx
from flows import events as ev
from flows.catalog import load_catalog, summaries
from flows.engine import idle_timeout_s
from kiosk.client import EventRejectedError, ItemNotReady, KioskdError, SessionGone
from local_api.errors import NotReady
from local_api.schemas import (
    DeviceView,
    EventIn,
    EventRejected,
    FaceLiveView,
    HealthView,
    HeldCardView,
    PushMessage,
    SelfTestResult,
    ServiceItemSummary,
    SessionSnapshot,
    SessionStart,
)
from local_api.services.card_watch import card_event_record
from local_api.services.certificates import prints_a4
from local_api.sessions import InvalidEvent, NoSuchItem, NoSuchSession, Rejected, SessionBusy, SessionService

from .fake_call import ScriptedCall

ITEMS_DIR = Path(__file__).parent / "items"
FACES = Path(__file__).resolve().parents[2] / "assets" / "faces"
_ID17 = "64010419540312124"  # born 1954-03-12, even sequence digit: a woman


def resident_card() -> dict[str, Any]:
    """The card on the simulated reader, as kioskd's card watch hands it to the engine: an elderly
    citizen with a compound surname (shown 欧**兰), built from the ID card simulator's record."""
    record = dataclasses.replace(
        SAMPLE_RECORDS["resident"], name="欧阳秀兰", sex_code="2", birth_date="1954-03-12",
        id_number=_ID17 + check_char(_ID17), address="宁夏回族自治区银川市兴庆区解放西街1号",
    )
    return card_event_record(record.to_dict())


class _AuditTrail:
    """Stands in for kioskd's database, which the session service writes its audit rows to."""

    def __init__(self) -> None:
        self.rows: list[Any] = []

    @contextmanager
    def begin(self) -> Iterator[_AuditTrail]:
        yield self

    def add(self, row: Any) -> None:
        self.rows.append(row)


class _Sessions(SessionService):
    def move_deadline(self, seconds: float) -> None:
        """The idle deadline ``seconds`` from now, as if the citizen had last touched the screen long
        ago (the UI reads the wall clock, so kioskd's clock cannot simply be moved forward)."""
        with self._lock:
            if self._snap is None or self._snap.status != "active":
                return
            now = self.clock()
            self._snap = self._snap.model_copy(update={"idle_deadline": now + timedelta(seconds=seconds),
                                                       "idle_warned": False, "updated_at": now})
            self._publish()


class _Bus:
    """kioskd's event bus: what it publishes reaches the listeners as the wire's push messages."""

    def __init__(self, listeners: list[Callable[[PushMessage], None]]) -> None:
        self.listeners = listeners

    def publish(self, message: PushMessage) -> None:
        # Through JSON and back, as the WebSocket carries it, so what the UI gets is what it would get.
        pushed = PushMessage.model_validate_json(message.model_dump_json())
        for listener in list(self.listeners):
            listener(pushed)


class FakeKioskd(ScriptedCall):
    """An in-memory kioskd for one kiosk, with simulated devices."""

    def __init__(self, submit_delay_s: float = 0.2, device_delay_s: float = 0.05) -> None:
        self._lock = threading.RLock()
        self._listeners: list[Callable[[PushMessage], None]] = []
        self.catalog = load_catalog(ITEMS_DIR)
        self._scans = tempfile.TemporaryDirectory(prefix="fake-kioskd-")  # removed with the fake
        self.sessions = _Sessions(self.catalog, Path(self._scans.name), db=_AuditTrail(), bus=_Bus(self._listeners),
                                  run_effects=self._run_effects, precheck=self._precheck)
        self.submit_delay_s = submit_delay_s  # how long the hub takes to answer a submission
        self.device_delay_s = device_delay_s  # how long a device takes to report (a read card, a page)
        self._case_numbers = itertools.count(1)
        self.reset()

    # -- what kioskd's effect services do with devices and the hub --------------------------------
    def _run_effects(self, session_id: str, effects: list[Any]) -> None:
        for effect in effects:
            self.effects.append(effect)
            match effect:
                case fx.StartCardReader():
                    self._reading = session_id
                    if self._card is not None:
                        self._later(self._read_card)
                case fx.StopCardReader():
                    self._reading = None
                case fx.CapturePages():
                    self._capturing = (session_id, effect.material)
                    if self.document_present:
                        self._later(self._capture_page)
                case fx.StopCapture():
                    self._capturing = None
                case fx.SubmitApplication():
                    case_no = f"NX20261121{next(self._case_numbers):04d}"
                    self._later(lambda s=session_id, c=case_no: self._submitted(s, c), self.submit_delay_s)
                case fx.PrintDocument():
                    self.printed.append(effect)
                    self._printing = (session_id, effect.job_id)
                    if self.paper != "ok":
                        self._later(self._print_failed)
                case fx.IssueCertificate():
                    self._later(lambda s=session_id, e=effect: self._certificate_answer(s, e), self.submit_delay_s)
                case fx.PrintCertificate():
                    self._a4_printing = (session_id, effect.job_id)
                case fx.CheckFace():
                    self._face_checking = (session_id, effect.key)
                case fx.StopFaceCheck() | fx.WipeFace():
                    self._face_checking = None
                case fx.WipeSession():
                    self.sessions.wipe(session_id)
                case (fx.Speak() | fx.DiscardPages() | fx.SubmitRating() | fx.RecordConsent() | fx.CallHelper()
                      | fx.CancelHelper()):
                    pass  # done by kioskd's effect services; the UI sees none of it
                case _:
                    raise AssertionError(f"the fake kioskd does not know the effect {effect.type!r}")

    def _later(self, action: Callable[[], None], delay: float | None = None) -> None:
        """A device's answer arrives after the transition that asked for it, as it does in kioskd."""
        timer = threading.Timer(self.device_delay_s if delay is None else delay, action)
        timer.daemon = True
        timer.start()

    def _result(self, session_id: str, event: Any) -> None:
        self.sessions.system_event(session_id, event)

    def _submitted(self, session_id: str, case_no: str) -> None:
        self._result(session_id, ev.Submitted(at=self._now(), case_no=case_no))

    def _read_card(self) -> None:
        with self._lock:
            session_id, card = self._reading, self._card
            if session_id is None or card is None:
                return
            self._reading, self._card = None, None  # a card is read once per placement
        self._result(session_id, ev.CardRead(at=self._now(), record=card))

    def _capture_page(self) -> None:
        with self._lock:
            if self._capturing is None:
                return
            (session_id, material), self._capturing = self._capturing, None
        self._result(session_id, ev.PagesCaptured(at=self._now(), material=material, refs=[f"{material}-1.jpg"]))

    def _print_failed(self) -> None:
        with self._lock:
            if self._printing is None:
                return
            session_id, job_id = self._printing
        self._result(session_id, ev.PrintFailed(at=self._now(), job_id=job_id, code="paper_out", reason="paper out"))

    def _precheck(self, item: Any) -> None:
        """As kioskd's certificate service: an item that prints A4 does not start while the A4 printer cannot."""
        if self.a4_media == "empty" and prints_a4(item):
            raise NotReady("a4_not_ready", "A4打印机缺纸，暂时不能打印证明；请联系大厅工作人员")

    def _certificate_answer(self, session_id: str, effect: fx.IssueCertificate) -> None:
        """The hub's answer to a certificate request, as ``self.certificate`` scripts it."""
        if self.certificate == "issued":
            self._result(session_id, ev.CertificateIssued(at=self._now(), key=effect.key, code="VJAJ-H05X-AQVH-V4A5",
                                                          title="社会保险参保缴费证明"))
        else:
            reason = "没有找到您的社会保险参保记录" if self.certificate == "no_record" else ""
            self._result(session_id, ev.CertificateRefused(at=self._now(), key=effect.key, code=self.certificate,
                                                           reason=reason))

    def finish_a4(self, outcome: str = "printed", reason: str = "") -> None:
        """The A4 printer ends the certificate's job: printed, or a4_failed / a4_unknown / a4_unavailable."""
        with self._lock:
            if self._a4_printing is None:
                return
            (session_id, job_id), self._a4_printing = self._a4_printing, None
        if outcome == "printed":
            self._result(session_id, ev.Printed(at=self._now(), job_id=job_id))
        else:
            self._result(session_id, ev.PrintFailed(at=self._now(), job_id=job_id, code=outcome, reason=reason))

    def finish_face(self, outcome: str = "passed", reason: str = "") -> None:
        """The face check's attempt ends: passed (score 0.63), failed (with ``reason``) or unavailable."""
        with self._lock:
            if self._face_checking is None:
                return
            (session_id, key), self._face_checking = self._face_checking, None
        scored = outcome != "unavailable"
        self._result(session_id, ev.FaceChecked(at=self._now(), key=key, outcome=outcome, reason=reason,
                                                score=(0.63 if outcome == "passed" else 0.21) if scored else None,
                                                threshold=0.48 if scored else None))

    def finish_printing(self) -> None:
        """The printer finishes the job it is printing (or held while the paper was out)."""
        with self._lock:
            if self._printing is None:
                return
            (session_id, job_id), self._printing = self._printing, None
        self._result(session_id, ev.Printed(at=self._now(), job_id=job_id))

    @staticmethod
    def _now() -> datetime:
        return datetime.now(UTC)

    def _check_up(self) -> None:
        if not self.up:
            raise KioskdError("kioskd is not answering")

    # -- KioskdClient ----------------------------------------------------------------------------
    def health(self) -> HealthView:
        self._check_up()
        return HealthView(status="ok", version="fake", kiosk_id="fake-kiosk", uptime_s=1.0,
                          devices={"id_reader": "online", "printer": "online" if self.paper == "ok" else "error",
                                   "camera": "online", "voice": "online", "a4_printer": "online"},
                          items_offered=len(self.catalog))

    def items(self) -> list[ServiceItemSummary]:
        self.health()
        return [ServiceItemSummary.model_validate(s) for s in summaries(self.catalog)]

    def start_session(self, start: SessionStart) -> SessionSnapshot:
        self.health()
        try:
            snapshot = self.sessions.start(start.item_code, elder_mode=start.elder_mode)
        except NoSuchItem:
            raise KioskdError(f"no service item {start.item_code!r}") from None
        except SessionBusy:
            raise KioskdError("another session is active on this kiosk") from None
        except NotReady as exc:  # kioskd's 503 with its words for the citizen
            raise ItemNotReady(exc.code, exc.message) from None
        self.sessions_started += 1
        self.document_present = False
        return snapshot

    def current_session(self) -> SessionSnapshot | None:
        self.health()
        return self.sessions.current()

    def send_event(self, session_id: str, event: EventIn) -> SessionSnapshot:
        self._check_up()
        try:
            snapshot = self.sessions.client_event(session_id, event.type, dict(event.data))
        except NoSuchSession:
            raise SessionGone("the session has ended") from None
        except Rejected as exc:
            raise EventRejectedError(EventRejected(detail=exc.detail, step=exc.step, expected=exc.expected)) from None
        except InvalidEvent as exc:
            raise KioskdError(str(exc)) from None
        self.events.append((event.type, dict(event.data)))
        return snapshot

    def abandon_session(self) -> None:
        """As kioskd's DELETE /v1/sessions/current: the session ends and is wiped."""
        self.health()
        if self.sessions.current() is not None:
            self.events.append(("abandon", {}))
        self.sessions.abandon("reset")

    def devices(self) -> list[DeviceView]:
        self.health()
        paper = {"health": "error", "message": "paper out"} if self.paper == "out" else {"health": "online"}
        return [
            DeviceView(name="id_reader", kind="id_reader", uri="sim:", simulated=True,
                       status={"health": "online", "card_present": self.card_present}),
            DeviceView(name="printer", kind="printer", uri="sim:///var/print", simulated=True,
                       status={**paper, "sensors": {"paper": self.paper}}),
            DeviceView(name="camera", kind="camera", uri="sim:", simulated=True, status={"health": "online"}),
            DeviceView(name="voice", kind="voice", uri="none:", simulated=True,
                       status={"health": "online", "muted": self.muted}),
            DeviceView(name="a4_printer", kind="a4_printer", uri="sim:///var/a4", simulated=True,
                       status={"health": "online", "message": "ready; toner-low",
                               "sensors": {"state": "idle", "reasons": ["toner-low"], "media": "ok"}}),
        ]

    def camera_preview(self) -> bytes | None:
        from PIL import Image, ImageDraw

        image = Image.new("RGB", (320, 240), (96, 88, 80))
        if self.document_present:
            ImageDraw.Draw(image).polygon([(58, 36), (269, 48), (256, 211), (48, 202)], fill=(236, 236, 228))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=70)
        return out.getvalue()

    def camera_state(self) -> dict | None:
        if not self.document_present:
            return {"quad": None, "hint": "empty", "width": 320, "height": 240}
        return {"quad": [[58, 36], [269, 48], [256, 211], [48, 202]], "hint": "captured", "width": 320,
                "height": 240}

    def face_live(self) -> FaceLiveView:
        if self._face_checking is None:
            return FaceLiveView()
        return FaceLiveView(active=True, hint=self.face_hint, order=["turn_left", "blink", "turn_right"],
                            done=["turn_left"] if self.face_hint == "blink" else [], attempt=1, width=320,
                            height=240)

    def face_preview(self) -> bytes | None:
        """A real face (assets/faces, public domain) as the face camera would show it."""
        if self._face_checking is None:
            return None
        from PIL import Image

        with Image.open(FACES / "holder-live.jpg") as photo:
            image = photo.convert("RGB").resize((320, 240))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=70)
        return out.getvalue()

    def set_voice_muted(self, muted: bool) -> None:
        self.health()
        self.muted = muted

    def device_test(self, name: str, action: str) -> str:
        self.health()
        self.device_tests.append((name, action))
        return "ok"

    def selftest(self, print_slip: bool) -> SelfTestResult:
        """Every device well, except the printer when its paper is out (as kioskd's own check says it)."""
        self.health()
        with self._lock:
            self.selftests.append(print_slip)
            paper_out = self.paper == "out"
        printer = ({"ok": False, "state": "offline", "detail": "缺纸；装入新纸卷后再自检", "paper": "out"} if paper_out
                   else {"ok": True, "state": "online", "detail": "正常" + ("；自检单已打印" if print_slip else ""),
                         "paper": "ok"})
        devices = {
            "id_reader": {"ok": True, "state": "online", "detail": "正常，安全模块编号 0501000012345678"},
            "printer": printer,
            "camera": {"ok": True, "state": "online", "detail": "1600×1200，清晰：清晰度 2775（不低于 100）"},
            "voice": {"ok": True, "state": "online", "detail": "已播报“自助终端语音自检”，请确认听到了声音"},
            "a4_printer": {"ok": True, "state": "online", "detail": "正常；墨粉不足，请备好墨粉盒",
                           "printer_state": "idle", "media": "ok"},
        }
        return SelfTestResult(kiosk_id="fake-kiosk", at="2026-11-21T01:30:00+00:00", ok=not paper_out,
                              devices=devices, hub={"state": "ok"}, versions={"kiosk": "0.1.0"})

    def listen(self, on_message: Callable[[PushMessage], None], stop: threading.Event) -> None:
        with self._lock:
            self._listeners.append(on_message)
        stop.wait()
        with self._lock:
            self._listeners.remove(on_message)

    @property
    def listener_count(self) -> int:
        """How many pushed-message listeners are attached (tests wait for the UI's socket)."""
        with self._lock:
            return len(self._listeners)

    def close(self) -> None:
        pass

    # -- SimControl and test hooks ----------------------------------------------------------------
    def place_card(self, card: str = "resident", fields: dict | None = None) -> None:
        """A card on the reader: read at once for an identify step; at the home screen, held for the
        session the citizen starts next and greeted by masked name (kioskd's effect services do the same)."""
        record = {**resident_card(), **(fields or {})}
        with self._lock:
            self.card_present = True
            self._card = record
            reading = self._reading is not None
            at_home = self.sessions.current() is None
        if reading:
            self._later(self._read_card)
        elif at_home:
            self._push_card("held", mask_name(record["name"]))

    def remove_card(self) -> None:
        with self._lock:
            self.card_present = False
            held = self._card is not None and self.sessions.current() is None
            self._card = None
        if held:
            self._push_card("gone", "")

    def _push_card(self, state: str, name_masked: str) -> None:
        self.sessions.bus.publish(PushMessage(type="card", card=HeldCardView(state=state, name_masked=name_masked)))

    def place_document(self, document: str = "a4") -> None:
        """A page under the camera: a capture step takes it by itself (auto-capture)."""
        with self._lock:
            self.document_present = True
            capturing = self._capturing is not None
        if capturing:
            self._later(self._capture_page)

    def printer_paper(self, state: str) -> None:
        """``out``: a job being printed fails for want of paper; ``ok`` again: the held job comes out."""
        with self._lock:
            self.paper = state
            printing = self._printing is not None
        if printing and state == "out":
            self._print_failed()
        elif printing and state == "ok":
            self.finish_printing()

    def expire(self) -> None:
        """Let the idle rule end the session: kioskd's ticks at the deadline, then at the grace's end."""
        for _ in range(2):
            snap = self.sessions.snapshot()
            if snap is None or snap.status != "active" or snap.idle_deadline is None:
                return
            self._result(snap.session_id, ev.Tick(at=snap.idle_deadline))

    def set_deadline_in(self, seconds: float) -> None:
        """Move the idle deadline close, to show the warning without waiting."""
        self.sessions.move_deadline(seconds)

    def idle_timeout(self) -> float:
        """The current step's idle timeout, as kioskd's engine counts it."""
        snap = self.sessions.snapshot()
        assert snap is not None
        return idle_timeout_s(self.catalog[snap.item_code].step(snap.step), snap.elder_mode)

    def reset(self) -> None:
        """Forget the session and put every simulated device back to normal (between tests)."""
        self.sessions.abandon("reset")
        with self._lock:
            self.paper = "ok"
            self.card_present = False
            self.document_present = False
            self.up = True
            self.muted = False
            self.events: list[tuple[str, dict]] = []  # what the UI sent, for tests
            self.effects: list[Any] = []  # what the engine ordered, for tests
            self.printed: list[fx.PrintDocument] = []  # the documents sent to the printer
            self.device_tests: list[tuple[str, str]] = []
            self.selftests: list[bool] = []  # print_slip of each self-test asked for
            self.sessions_started = getattr(self, "sessions_started", 0)
            self._card: dict[str, Any] | None = None  # on the reader and not read yet
            self._reading: str | None = None  # the session an identify step reads for
            self._capturing: tuple[str, str] | None = None  # (session, material) a capture step waits for
            self._printing: tuple[str, str] | None = None  # (session, job) the printer works on
            self.certificate = "issued"  # the hub's answer to a certificate request: or no_record, hub_down
            self.a4_media = "ok"  # the A4 printer's paper: "empty" refuses items that print A4
            self._a4_printing: tuple[str, str] | None = None  # (session, job) the A4 printer works on
            self._face_checking: tuple[str, str] | None = None  # (session, key) of the face check's attempt
            self.face_hint = "blink"  # what the face check asks the citizen now
            self._reset_call()
