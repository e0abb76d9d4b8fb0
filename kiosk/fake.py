"""A scripted stand-in for kioskd: the same client interface, one service item's flow in memory.

Used by the UI tests, the benchmarks and the test server that checks the HTTP client. It walks
every step kind, reacts to the simulated card, document and printer like kioskd does, and pushes
snapshots to listeners. Thread-safe: the app calls it from its worker thread.
"""

from __future__ import annotations

import io
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from local_api.schemas import (
    ApplicantView,
    CallStart,
    CallView,
    DeviceView,
    EventIn,
    EventRejected,
    FieldView,
    HealthView,
    HeldCardView,
    MaterialView,
    NoticeView,
    OptionView,
    PushMessage,
    ServiceItemSummary,
    SessionSnapshot,
    SessionStart,
    StepTextView,
    StepView,
)

from .client import CallError, EventRejectedError, KioskdError, SessionGone

ITEMS = [
    # Translated like the shipped definitions: the first two items and their theme; the rest fall back to Chinese.
    ServiceItemSummary(code="hj-zm", name="户籍证明开具", theme="户籍办理",
                       names={"ug_CN": "نوپۇس ئىسپاتى ئېچىش", "bo_CN": "ཐེམ་ཐོའི་ར་སྤྲོད་ཡིག་ཆ་སྒྲུབ་པ།"},
                       themes={"ug_CN": "نوپۇس ئىشلىرى", "bo_CN": "ཐེམ་ཐོའི་ལས་དོན།"}),
    ServiceItemSummary(code="hj-qy", name="户口迁移预约", theme="户籍办理", kiosk_complete=False,
                       names={"ug_CN": "نوپۇس يۆتكەشنى ئالدىن بەلگىلەش", "bo_CN": "ཐེམ་ཐོ་སྤོ་སྒྱུར་སྔོན་འཆར།"},
                       themes={"ug_CN": "نوپۇس ئىشلىرى", "bo_CN": "ཐེམ་ཐོའི་ལས་དོན།"}),
    ServiceItemSummary(code="sb-cb", name="城乡居民养老保险参保登记", theme="社会保障"),
    ServiceItemSummary(code="sb-cx", name="社保缴费记录查询打印", theme="社会保障"),
    ServiceItemSummary(code="yb-bx", name="医保异地就医备案", theme="医疗保障"),
    ServiceItemSummary(code="gjj-tq", name="公积金提取申请", theme="住房公积金"),
    ServiceItemSummary(code="bdc-cx", name="不动产登记信息查询", theme="不动产"),
]

RESIDENT = ApplicantView(
    name_masked="欧阳*", id_number_masked="6401**********123X", card_type="居民身份证", age=72
)
STEP_ORDER = ["guide", "consent", "identify", "form", "choose", "capture", "review", "submit", "print",
              "rate", "done"]


def _now() -> datetime:
    return datetime.now(UTC)


def _step(kind: str, state: dict[str, Any]) -> StepView:
    """The step view of ``kind`` given the session's state (the daemon's flow layer in small)."""
    common: dict[str, Any] = {"idle_timeout_s": state["idle_s"]}
    if kind == "guide":
        return StepView(
            id="guide", kind=kind, title="办事指南", prompt="请阅读办事指南，然后点击下一步。",
            body="办理条件：本市户籍居民。\n所需材料：居民身份证、户口簿首页及本人页。\n"
                 "办理时限：即时办结。收费标准：不收费。\n办理结果：当场打印户籍证明。",
            data={"conditions": ["本市户籍居民",
                                 "具有本市户籍，或持本市居住证、外国人永久居留身份证的常住居民本人办理"],
                  "materials": [{"name": "居民身份证", "originals": 1}, {"name": "户口簿首页及本人页", "copies": 1}],
                  "promised_limit": "即时办结"},
            accepts=["next", "start_over", "call_helper"], **common)
    if kind == "consent":
        return StepView(
            id="consent", kind=kind, title="个人信息使用告知", prompt="请阅读个人信息告知，同意后继续。",
            body="为办理本事项，本机将读取您的身份证信息并拍摄您提交的材料，仅用于本次办理，"
                 "办理结束后本机不保留您的个人信息。",
            accepts=["consent", "back", "start_over", "call_helper"], **common)
    if kind == "identify":
        return StepView(
            id="identify", kind=kind, title="身份核验", prompt="请将身份证放在屏幕下方的读卡区。",
            data={"reader_location": "屏幕下方右侧，标有身份证图案的读卡区", "allow_manual": True},
            accepts=["manual_id", "back", "start_over", "call_helper"], **common)
    if kind == "form":
        phone = state["values"].get("phone", "")
        error = state.get("form_error", "")
        return StepView(
            id="form", kind=kind, title="填写信息", prompt="请核对信息并填写联系电话。",
            fields=[
                FieldView(name="name", label="姓名", value=RESIDENT.name_masked, masked=True, required=True),
                FieldView(name="address", label="户籍地址", type="address",
                          value=state["values"].get("address", "宁夏银川市兴庆区解放西街**号")),
                FieldView(name="phone", label="联系电话", type="phone", value=phone, error=error,
                          keypad="digits"),
                FieldView(name="purpose", label="证明用途", type="choice", required=False,
                          value=state["values"].get("purpose", ""), choices=["入学", "就业", "其他"]),
            ],
            accepts=["form_submit", "back", "start_over", "call_helper"], **common)
    if kind == "choose":
        return StepView(
            id="choose", kind=kind, title="选择领取方式", prompt="请选择证明的领取方式。",
            options=[OptionView(value="print", label="现场打印", note="在本机出纸口领取"),
                     OptionView(value="mail", label="邮寄到家", note="三个工作日内寄达，不收费")],
            i18n={"ug_CN": StepTextView(title="ئېلىش ئۇسۇلىنى تاللاڭ",
                                        options={"print": "بۇ يەردە بېسىش", "mail": "ئۆيگە پوچتا ئارقىلىق"}),
                  "bo_CN": StepTextView(title="ལེན་སྟངས་འདེམས་རོགས།",
                                        options={"print": "ས་གནས་སུ་པར་འདེབས།", "mail": "ཁྱིམ་དུ་སྦྲག་སྐྱེལ།"})},
            accepts=["choose", "back", "start_over", "call_helper"], **common)
    if kind == "capture":
        placed = state["document"]
        captured = state["captured"]
        return StepView(
            id="capture", kind=kind, title="拍摄材料", prompt="请将户口簿本人页平放在拍摄区。",
            materials=[MaterialView(code="hkb", name="户口簿本人页", pages=1, captured=captured)],
            data={"auto_state": "captured" if captured else ("steady" if placed else "searching"),
                  "page_quad": [[0.18, 0.15], [0.84, 0.2], [0.8, 0.88], [0.15, 0.84]] if placed else None},
            accepts=["capture_page", "retake", "back", "start_over", "call_helper"]
            + (["next"] if captured else []), **common)
    if kind == "review":
        values = state["values"]
        return StepView(
            id="review", kind=kind, title="确认信息", prompt="请确认信息无误后提交。",
            fields=[FieldView(name="name", label="姓名", value=RESIDENT.name_masked, masked=True),
                    FieldView(name="phone", label="联系电话", value=values.get("phone", "")),
                    FieldView(name="delivery", label="领取方式", value=state.get("delivery_label", "")),
                    FieldView(name="contact", label="紧急联系人电话", value=values.get("contact", ""))],
            materials=[MaterialView(code="hkb", name="户口簿本人页", captured=state["captured"])],
            accepts=["next", "back", "start_over", "call_helper"], **common)
    if kind == "submit":
        return StepView(id="submit", kind=kind, title="正在提交", prompt="正在提交，请稍候。",
                        data={"progress": state.get("progress", 0.3)}, accepts=["call_helper"], **common)
    if kind == "print":
        return StepView(
            id="print", kind=kind, title="打印回执", prompt="请在屏幕下方出纸口取走回执。",
            data={"outlet": "屏幕正下方的出纸口", "documents": ["申报回执", "户籍证明"],
                  "printed": state.get("printed", False)},
            accepts=["next", "call_helper"], **common)
    if kind == "rate":
        return StepView(id="rate", kind=kind, title="服务评价", prompt="请为本次服务评价。",
                        accepts=["rate", "next"], **common)
    return StepView(id="done", kind="done", title="办理完成", prompt="办理完成，请取走身份证和回执。",
                    body="请带好您的身份证和回执。", accepts=["finish"], **common)


class FakeKioskd:
    """An in-memory kioskd for one kiosk, with simulated devices."""

    def __init__(self, idle_s: float = 120.0, submit_delay_s: float = 0.2) -> None:
        self._lock = threading.RLock()
        self._listeners: list[Callable[[PushMessage], None]] = []
        self._session: dict[str, Any] | None = None
        self.idle_s = idle_s
        self.submit_delay_s = submit_delay_s
        self.muted = False
        self.paper = "ok"
        self.card_present = False
        self.document_present = False
        self.up = True
        self.events: list[tuple[str, dict]] = []  # what the UI sent, for tests
        self.device_tests: list[tuple[str, str]] = []
        self.sessions_started = 0
        # The scripted helper of a video call: "answer" (accepts after call_answer_s), "unanswered"
        # (the ring times out after call_answer_s) or "ring" (rings until told otherwise).
        self.call_script = "answer"
        self.call_answer_s = 0.3
        self.call_failure: str | None = None  # "hub_unreachable" | "no_camera": the call cannot start
        self.call_recording = False
        self.helper_name = "王*"
        self.greeting = "您好，我是大厅工作人员，我来帮您办理。"
        self.call_log: list[tuple[str, Any]] = []  # what the UI asked of the call, for tests
        self.screen_frames: list[bytes] = []  # the last few shared-screen JPEGs
        self.screen_frames_total = 0
        self.remote_frames_served = 0
        self._call: CallView | None = None
        self._call_timer: threading.Timer | None = None

    # -- session state -------------------------------------------------------------------------
    def _snapshot(self) -> SessionSnapshot:
        s = self._session
        assert s is not None
        kind = STEP_ORDER[s["index"]]
        notice = None
        if kind == "print" and self.paper == "out":
            notice = NoticeView(level="error", code="printer.paper_out",
                                message="打印机缺纸，您的申请已保存，请到3号窗口领取回执。")
        return SessionSnapshot(
            id=s["id"], item_code=s["item"].code, item_name=s["item"].name, item_names=s["item"].names,
            status=s["status"],
            step=self._step_of(s), step_number=s["index"] + 1, step_total=len(STEP_ORDER),
            applicant=RESIDENT if s["identified"] else None, case_no=s.get("case_no"),
            helper_requested=s["helper"], notice=notice,
            idle_deadline=s["deadline"], updated_at=_now())

    @staticmethod
    def _step_of(s: dict[str, Any]) -> StepView:
        step = _step(STEP_ORDER[s["index"]], s)
        if s["helper"] and "call_helper" in step.accepts:  # as kioskd's engine: cancel once called
            step.accepts.append("cancel_helper")
        return step

    def _push(self, snapshot: SessionSnapshot | None, ended: bool = False) -> None:
        message = PushMessage(type="session_ended" if ended else "session", session=snapshot)
        for listener in list(self._listeners):
            listener(message)

    def _advance(self) -> None:
        s = self._session
        assert s is not None
        s["index"] = min(s["index"] + 1, len(STEP_ORDER) - 1)
        s["deadline"] = _now() + timedelta(seconds=self.idle_s)
        if STEP_ORDER[s["index"]] == "submit":
            threading.Timer(self.submit_delay_s, self._finish_submit, args=(s["id"],)).start()

    def _finish_submit(self, session_id: str) -> None:
        with self._lock:
            s = self._session
            if s is None or s["id"] != session_id or STEP_ORDER[s["index"]] != "submit":
                return
            s["case_no"] = "NX20261121" + session_id[:4].upper()
            self._advance()
            snapshot = self._snapshot()
        self._push(snapshot)

    def _require(self, session_id: str) -> dict[str, Any]:
        if not self.up:
            raise KioskdError("kioskd is not answering")
        s = self._session
        if s is None or s["id"] != session_id or s["status"] != "active":
            raise SessionGone("the session has ended")
        return s

    # -- KioskdClient ----------------------------------------------------------------------------
    def health(self) -> HealthView:
        if not self.up:
            raise KioskdError("kioskd is not answering")
        return HealthView(status="ok", version="fake", kiosk_id="fake-kiosk", uptime_s=1.0,
                          devices={"id_reader": "online", "printer": "online" if self.paper == "ok" else "error",
                                   "camera": "online", "voice": "online"})

    def items(self) -> list[ServiceItemSummary]:
        self.health()
        return list(ITEMS)

    def start_session(self, start: SessionStart) -> SessionSnapshot:
        self.health()
        item = next((i for i in ITEMS if i.code == start.item_code), None)
        if item is None:
            raise KioskdError(f"no service item {start.item_code!r}")
        with self._lock:
            self.sessions_started += 1
            self.document_present = False
            self._session = {
                "id": uuid.uuid4().hex, "item": item, "status": "active", "index": 0,
                "identified": False, "values": {}, "captured": 0, "document": False, "helper": False,
                "idle_s": self.idle_s * (2 if start.elder_mode else 1),
                "deadline": _now() + timedelta(seconds=self.idle_s * (2 if start.elder_mode else 1)),
            }
            return self._snapshot()

    def current_session(self) -> SessionSnapshot | None:
        self.health()
        with self._lock:
            if self._session is None or self._session["status"] != "active":
                return None
            return self._snapshot()

    def send_event(self, session_id: str, event: EventIn) -> SessionSnapshot:
        with self._lock:
            s = self._require(session_id)
            kind = STEP_ORDER[s["index"]]
            step = self._step_of(s)
            if event.type not in step.accepts and event.type != "still_here":
                raise EventRejectedError(EventRejected(detail=f"{event.type} not accepted now", step=step.id,
                                                       expected=step.accepts))
            self.events.append((event.type, dict(event.data)))
            if event.type == "still_here" and event.data.get("elder_mode") is not None:  # as kioskd: slower or not
                s["idle_s"] = self.idle_s * (2 if event.data["elder_mode"] else 1)
            s["deadline"] = _now() + timedelta(seconds=s["idle_s"])
            ended = False
            if event.type == "still_here":
                pass
            elif event.type == "call_helper":
                s["helper"] = True
            elif event.type == "cancel_helper":
                s["helper"] = False
            elif event.type == "start_over":
                # As kioskd's engine: wipe what was entered, back to the first step.
                s.update(index=0, identified=False, values={}, captured=0, document=False, form_error="")
            elif event.type == "back":
                s["index"] = max(0, s["index"] - 1)
            elif event.type == "consent":
                if event.data.get("accepted"):
                    self._advance()
                else:
                    s["status"] = "abandoned"
                    ended = True
            elif event.type == "manual_id":
                s["identified"] = True
                self._advance()
            elif event.type == "form_submit":
                values = {k: str(v) for k, v in dict(event.data.get("values", {})).items()}
                s["values"].update(values)
                phone = s["values"].get("phone", "")
                if len(phone) != 11 or not phone.startswith("1"):
                    s["form_error"] = "请填写11位手机号码"
                else:
                    s["form_error"] = ""
                    self._advance()
            elif event.type == "choose":
                option = next((o for o in step.options if o.value == event.data.get("option")), None)
                if option is None:
                    raise EventRejectedError(EventRejected(detail="unknown option", step=step.id,
                                                           expected=[o.value for o in step.options]))
                s["delivery_label"] = option.label
                self._advance()
            elif event.type == "capture_page":
                if s["document"]:
                    s["captured"] = 1
            elif event.type == "retake":
                s["captured"] = 0
            elif event.type == "rate":
                self._advance()
            elif event.type == "finish":
                s["status"] = "finished"
                ended = True
            elif event.type == "next":
                if kind == "print":
                    s["printed"] = True
                self._advance()
            snapshot = self._snapshot()
            if ended:
                self._session = None
        if ended:
            self._push(snapshot, ended=True)
        return snapshot

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
        ]

    def camera_preview(self) -> bytes | None:
        from PIL import Image, ImageDraw

        image = Image.new("RGB", (320, 240), (96, 88, 80))
        if self._session and self._session["document"]:
            ImageDraw.Draw(image).polygon([(58, 36), (269, 48), (256, 211), (48, 202)], fill=(236, 236, 228))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=70)
        return out.getvalue()

    def camera_state(self) -> dict | None:
        if not (self._session and self._session["document"]):
            return {"quad": None, "hint": "empty", "width": 320, "height": 240}
        return {"quad": [[58, 36], [269, 48], [256, 211], [48, 202]], "hint": "captured", "width": 320,
                "height": 240}

    def set_voice_muted(self, muted: bool) -> None:
        self.health()
        self.muted = muted

    def device_test(self, name: str, action: str) -> str:
        self.health()
        self.device_tests.append((name, action))
        return "ok"

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
        with self._lock:
            self.card_present = True
            s = self._session
            at_home = s is None
            if not at_home and STEP_ORDER[s["index"]] != "identify":
                return
        if at_home:  # at the home screen kioskd reads it at once and greets its holder
            self._push_card("held", RESIDENT.name_masked)
            return
        with self._lock:
            s["identified"] = True
            self._advance()
            snapshot = self._snapshot()
        self._push(snapshot)

    def remove_card(self) -> None:
        self.card_present = False
        if self._session is None:
            self._push_card("gone", "")

    def _push_card(self, state: str, name_masked: str) -> None:
        message = PushMessage(type="card", card=HeldCardView(state=state, name_masked=name_masked))
        for listener in list(self._listeners):
            listener(message)

    def place_document(self, document: str = "a4") -> None:
        with self._lock:
            s = self._session
            if s is None or STEP_ORDER[s["index"]] != "capture":
                return
            s["document"] = True
            s["captured"] = 1  # auto-capture: a steady page is taken by itself
            snapshot = self._snapshot()
        self._push(snapshot)

    def printer_paper(self, state: str) -> None:
        with self._lock:
            self.paper = state
            snapshot = self._snapshot() if self._session else None
        if snapshot:
            self._push(snapshot)

    def reset(self) -> None:
        """Forget the session and put every simulated device back to normal (between tests)."""
        with self._lock:
            self._session = None
            self.paper = "ok"
            self.card_present = False
            self.document_present = False
            self.up = True
            self.muted = False
            self.events.clear()
            self.device_tests.clear()
            if self._call_timer is not None:
                self._call_timer.cancel()
            self._call = None
            self.call_script = "answer"
            self.call_answer_s = 0.3
            self.call_failure = None
            self.call_recording = False
            self.call_log.clear()
            self.screen_frames.clear()
            self.screen_frames_total = 0
            self.remote_frames_served = 0

    def abandon_session(self) -> None:
        """As kioskd's DELETE /v1/sessions/current: the session ends and is wiped."""
        self.health()
        with self._lock:
            if self._session is not None:
                self.events.append(("abandon", {}))
        self.expire()

    def expire(self) -> None:
        """Abandon the session as the idle rule would."""
        with self._lock:
            if self._session is None:
                return
            self._session["status"] = "abandoned"
            snapshot = self._snapshot()
            self._session = None
        self._push(snapshot, ended=True)

    def set_deadline_in(self, seconds: float) -> None:
        """Move the idle deadline close, to show the warning without waiting."""
        with self._lock:
            if self._session is None:
                return
            self._session["deadline"] = _now() + timedelta(seconds=seconds)
            snapshot = self._snapshot()
        self._push(snapshot)

    # -- video help: kioskd's /v1/call with a scripted helper ---------------------------------------
    def _call_changed(self, **update: Any) -> CallView:
        """Change the call and push it, as kioskd does on every helper message (changed or not)."""
        with self._lock:
            assert self._call is not None
            self._call = self._call.model_copy(update=update)
            view = self._call
        message = PushMessage(type="call", call=view)
        for listener in list(self._listeners):
            listener(message)
        return view

    def _live_call(self) -> CallView:
        self.health()
        with self._lock:
            if self._call is None or self._call.state in ("ended", "failed", "unanswered"):
                raise CallError("no_call", "no video call is up")
            return self._call

    def start_call(self, consent: CallStart) -> CallView:
        self.health()
        with self._lock:
            if self.call_failure is not None:
                raise CallError(self.call_failure, f"kioskd cannot start a call: {self.call_failure}")
            if self._call is not None and self._call.state not in ("ended", "failed", "unanswered"):
                raise CallError("busy", "a video call is already up")
            self.call_log.append(("start", consent.model_dump()))
            self._call = CallView(state="ringing", recording=self.call_recording, ring_timeout_s=60,
                                  sending=consent)
            view = self._call
            if self.call_script != "ring":
                self._call_timer = threading.Timer(self.call_answer_s, self._helper_turn, args=(view,))
                self._call_timer.daemon = True
                self._call_timer.start()
        return view

    def _helper_turn(self, ringing: CallView) -> None:
        with self._lock:
            if self._call is not ringing:
                return  # hung up or restarted meanwhile
        if self.call_script == "unanswered":
            self._call_changed(state="unanswered", sending=CallStart(camera=False),
                               message="工作人员暂时都在忙，未能接听。")
        else:
            self.helper_accepts()

    def helper_accepts(self) -> None:
        """The scripted helper answers and greets the citizen."""
        self._call_changed(state="connected", helper=self.helper_name, message=None, text=self.greeting)

    def hub_says(self, message: str) -> None:
        """kioskd's own words for the citizen while ringing (e.g. nobody is on duty)."""
        self._call_changed(message=message)

    def helper_says(self, text: str) -> None:
        self._call_changed(text=text[:200])

    def helper_highlights(self, target: str | None) -> None:
        self._call_changed(highlight=target)

    def helper_hangs_up(self) -> None:
        self._call_changed(state="ended", message="工作人员已结束通话。", highlight=None,
                           sending=CallStart(camera=False))

    def network_blip(self, recovered: bool = False) -> None:
        """The connection drops (reconnecting) or comes back (connected)."""
        self._call_changed(state="connected" if recovered else "reconnecting")

    def call_policy(self) -> bool | None:
        self.health()
        return self.call_recording

    def current_call(self) -> CallView | None:
        self.health()
        with self._lock:
            return self._call

    def end_call(self) -> None:
        self.health()
        with self._lock:
            if self._call is None or self._call.state in ("ended", "failed", "unanswered"):
                return
            self.call_log.append(("hangup", None))
            if self._call_timer is not None:
                self._call_timer.cancel()
        self._call_changed(state="ended", message=None, highlight=None, sending=CallStart(camera=False))

    def set_call_consent(self, consent: CallStart) -> CallView:
        self._live_call()
        self.call_log.append(("consent", consent.model_dump()))
        return self._call_changed(sending=consent)

    def call_remote_frame(self) -> bytes | None:
        """The helper's camera: a figure on a background that changes shade every frame."""
        from PIL import Image, ImageDraw

        with self._lock:
            if self._call is None or self._call.state not in ("connected", "reconnecting"):
                return None
            self.remote_frames_served += 1
            n = self.remote_frames_served
        shade = 60 + (n * 7) % 120
        image = Image.new("RGB", (320, 240), (shade, 96, 140))
        draw = ImageDraw.Draw(image)
        draw.ellipse((125, 40, 195, 120), fill=(236, 200, 170))
        draw.rectangle((100, 130, 220, 240), fill=(30, 60, 110))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=70)
        return out.getvalue()

    def send_call_screen(self, jpeg: bytes) -> None:
        view = self._live_call()
        if not view.sending.screen:
            raise CallError("not_sharing", "screen sharing is off")
        with self._lock:
            self.screen_frames.append(jpeg)
            self.screen_frames_total += 1
            del self.screen_frames[:-5]  # keep the last few only

    def request_callback(self, phone: str) -> None:
        self.health()
        with self._lock:
            if self._call is None or self._call.state != "unanswered":
                raise CallError("no_call", "a callback is only for a call nobody answered")
            if len(phone) != 11 or not phone.isdigit() or not phone.startswith("1"):
                raise CallError("bad_phone", "not a mainland mobile number")
            self.call_log.append(("callback", phone))
