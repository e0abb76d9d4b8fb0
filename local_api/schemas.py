"""The wire contract between kioskd and its clients (the Kivy UI, kioskctl, tests, a remote helper).

Only pydantic here, so the UI can import it without FastAPI, SQLAlchemy or the engine. Personal
data appears on the wire only masked (``张*``, ``6401**********123X``), except in the form values
the citizen is editing on their own screen.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

StepKind = Literal[
    "guide",  # 办事指南 / notice
    "consent",  # personal-information consent, recorded
    "identify",  # place the ID card (manual entry where the item allows)
    "form",  # fields prefilled from the card, validated
    "choose",  # pick one option (service, category, ...)
    "capture",  # document camera, N pages per material
    "review",  # check everything before submitting
    "submit",  # sending to the intake platform (or the outbox)
    "print",  # receipt / ticket / result document
    "rate",  # 好差评, five levels
    "done",
    "verify_face",  # 人证核验: consent, liveness and the match with the card's photo
    "sign",  # the citizen signs a 委托书 or 告知承诺书 on the screen
]

# Events a client may post to a session. Device results (card read, pages captured, printed,
# submitted) are produced by kioskd itself and are never accepted from a client.
ClientEventType = Literal[
    "next",  # continue from a guide / review / print / done step
    "back",
    "start_over",
    "call_helper",
    "cancel_helper",
    "consent",  # data: {"accepted": bool}
    "manual_id",  # data: {"id_number": str, "name": str} where the item allows manual entry
    "form_submit",  # data: {"values": {field: value}}
    "choose",  # data: {"option": str}
    "capture_page",  # ask the camera for a page now (auto-capture does it by itself)
    "retake",  # data: {"material": str}
    "rate",  # data: {"level": 1..5, "reason": str}
    "still_here",  # the citizen answered the idle warning
    "finish",
    "sign",  # data: {"width": int, "height": int, "strokes": [[[x, y, pressure], ...], ...]}
]


class FieldView(BaseModel):
    name: str
    label: str
    type: Literal["text", "phone", "date", "id_number", "number", "choice", "address"] = "text"
    required: bool = True
    value: str = ""
    masked: bool = False  # the value came from the ID card and is shown masked (张*); editing starts empty
    choices: list[str] = Field(default_factory=list)
    error: str = ""
    keypad: Literal["digits", "text", "id"] = "text"
    by_helper: bool = Field(False, description="entered by the helper filling in with the citizen (帮办)")
    helper_may_set: bool = Field(True, description="false for the card's fields: only the citizen changes them")


class MaterialView(BaseModel):
    code: str
    name: str
    pages: int = 1
    required: bool = True
    captured: int = 0
    note: str = ""


class OptionView(BaseModel):
    value: str
    label: str
    note: str = ""


class StepTextView(BaseModel):
    """A step's words in another language; empty ones are shown in Chinese only."""

    title: str = ""
    prompt: str = ""
    body: str = Field("", description="the step's notice under the prompt")
    options: dict[str, str] = Field(default_factory=dict, description="option value -> label")


class _StepData(BaseModel):
    """A step kind's extras; a key kioskd's view sends that the model lacks is an error, not ignored."""

    model_config = ConfigDict(extra="forbid")


class GuideMaterialView(BaseModel):
    name: str
    originals: int = 1
    copies: int = 0
    required: bool = True
    deferrable: bool = False
    e_licence: str = ""


class FeeView(BaseModel):
    name: str
    amount_yuan: str


class GuideData(_StepData):
    """办事指南: the national elements a citizen reads before starting."""

    item_type: str = ""
    department: str = ""
    conditions: list[str] = Field(default_factory=list)
    materials: list[GuideMaterialView] = Field(default_factory=list)
    case_type: str = ""
    legal_limit: str = ""
    promised_limit: str = ""
    fees: list[FeeView] | str = Field(default="", description="the fees, or 不收费")
    result: str = ""
    consult_phone: str = ""
    complaint_phone: str = ""
    kiosk_complete: bool = True
    visits_needed: int = 0


class ConsentData(_StepData):
    consent_id: str = ""
    version: str = "1"
    purpose: str = ""


class IdentifyData(_StepData):
    allow_manual: bool = Field(False, description="the item lets the citizen type the ID number instead of a card")
    card_types: list[str] = Field(default_factory=lambda: ["resident"])
    reading: bool = Field(False, description="a card is on the reader and being read")


class FormData(_StepData):
    """A form step says everything in ``fields``."""


class ChooseData(_StepData):
    chosen: str = ""


class CaptureData(_StepData):
    current: str = Field("", description="the material being scanned now")
    capturing: bool = False
    can_skip: bool = False


class ReviewAnswer(BaseModel):
    label: str
    value: str


class ReviewMaterial(BaseModel):
    name: str
    captured: int = 0


class SkippedMaterial(BaseModel):
    name: str
    reason: str = ""


class ReviewData(_StepData):
    answers: list[ReviewAnswer] = Field(default_factory=list)
    materials: list[ReviewMaterial] = Field(default_factory=list)
    skipped: list[SkippedMaterial] = Field(default_factory=list)
    result: dict[str, Any] = Field(default_factory=dict, description="what a query or ticket brought back")
    signed: list[str] = Field(default_factory=list, description="documents signed so far (委托书, 告知承诺书)")


class SignData(_StepData):
    document: Literal["委托书", "告知承诺书"] = "告知承诺书"
    text: str = Field("", description="the document the citizen signs, as shown; not personal")
    text_sha256: str = Field("", description="its SHA-256, hex: what the signature is attached to")
    signed: bool = Field(False, description="signed already in this session (signing again replaces it)")
    error: str = Field("", description="why the last signature was refused (empty, a dot)")


class SubmitData(_StepData):
    state: Literal["sending", "duplicate", "failed"] = "sending"
    purpose: Literal["application", "queue_ticket", "query", "appointment_checkin"] = "application"


class PrintData(_StepData):
    document: Literal["slip", "certificate"] = "slip"
    template: Literal["receipt", "queue_ticket", "result"] | None = Field(
        "receipt", description="a slip's layout; none for a certificate")
    state: Literal["issuing", "printing", "printed", "failed"] = Field(
        "printing", description="issuing: the hub is making the certificate (certificates only)")
    code: str = Field("", description="the fault code when it failed: the receipt printer's, or for a certificate "
                                      "no_record | hub_down | refused | a4_failed | a4_unknown | a4_unavailable")
    message: str = Field("", description="a certificate's failure, as the citizen reads it")
    may_retry: bool = Field(True, description="whether 重新打印 is offered after a failure")
    certificate_title: str = ""
    verification_code: str = Field("", description="the issued certificate's code (not personal: it is printed "
                                                   "for anyone checking the paper)")


class RateData(_StepData):
    reason_required_levels: list[int] = Field(default_factory=lambda: [1, 2])
    bad_reasons: list[str] = Field(default_factory=list)


class DoneData(_StepData):
    case_no: str | None = None
    provisional_no: str | None = None
    promised_limit: str = ""
    consult_phone: str = ""
    result: dict[str, Any] = Field(default_factory=dict, description="what a query or ticket brought back")


class VerifyFaceData(_StepData):
    """The face check: its own consent (purpose; only the decision and score are kept), then the attempts."""

    consent_id: str = ""
    version: str = "1"
    purpose: str = ""
    state: Literal["consent", "checking", "retry", "passed", "failed", "unavailable", "declined"] = "consent"
    attempt: int = Field(0, description="attempts started so far")
    attempts: int = Field(3, description="attempts allowed")
    alternative: Literal["counter", "video"] = Field("counter", description="what is offered instead: a queue "
                                                     "ticket for a window, or a helper by video")


class _StepViewBase(BaseModel):
    id: str
    title: str
    prompt: str = Field(description="what the voice says when the step starts")
    body: str = ""
    idle_timeout_s: float = 120.0
    fields: list[FieldView] = Field(default_factory=list)
    materials: list[MaterialView] = Field(default_factory=list)
    options: list[OptionView] = Field(default_factory=list)
    accepts: list[str] = Field(default_factory=list, description="client event types accepted now")
    i18n: dict[str, StepTextView] = Field(default_factory=dict, description="language (ug_CN) -> the step's words")


class GuideStepView(_StepViewBase):
    kind: Literal["guide"] = "guide"
    data: GuideData = Field(default_factory=GuideData)


class ConsentStepView(_StepViewBase):
    kind: Literal["consent"] = "consent"
    data: ConsentData = Field(default_factory=ConsentData)


class IdentifyStepView(_StepViewBase):
    kind: Literal["identify"] = "identify"
    data: IdentifyData = Field(default_factory=IdentifyData)


class FormStepView(_StepViewBase):
    kind: Literal["form"] = "form"
    data: FormData = Field(default_factory=FormData)


class ChooseStepView(_StepViewBase):
    kind: Literal["choose"] = "choose"
    data: ChooseData = Field(default_factory=ChooseData)


class CaptureStepView(_StepViewBase):
    kind: Literal["capture"] = "capture"
    data: CaptureData = Field(default_factory=CaptureData)


class ReviewStepView(_StepViewBase):
    kind: Literal["review"] = "review"
    data: ReviewData = Field(default_factory=ReviewData)


class SubmitStepView(_StepViewBase):
    kind: Literal["submit"] = "submit"
    data: SubmitData = Field(default_factory=SubmitData)


class PrintStepView(_StepViewBase):
    kind: Literal["print"] = "print"
    data: PrintData = Field(default_factory=PrintData)


class RateStepView(_StepViewBase):
    kind: Literal["rate"] = "rate"
    data: RateData = Field(default_factory=RateData)


class DoneStepView(_StepViewBase):
    kind: Literal["done"] = "done"
    data: DoneData = Field(default_factory=DoneData)


class VerifyFaceStepView(_StepViewBase):
    kind: Literal["verify_face"] = "verify_face"
    data: VerifyFaceData = Field(default_factory=VerifyFaceData)


class SignStepView(_StepViewBase):
    kind: Literal["sign"] = "sign"
    data: SignData = Field(default_factory=SignData)


# One model per step kind, told apart by ``kind``: a screen reads typed fields, and a key the view
# does not send is an error here rather than a silent default on the screen.
StepView = Annotated[
    GuideStepView | ConsentStepView | IdentifyStepView | FormStepView | ChooseStepView | CaptureStepView
    | ReviewStepView | SubmitStepView | PrintStepView | RateStepView | DoneStepView | VerifyFaceStepView
    | SignStepView,
    Field(discriminator="kind"),
]
STEP_VIEWS: dict[str, type[_StepViewBase]] = {
    "guide": GuideStepView, "consent": ConsentStepView, "identify": IdentifyStepView, "form": FormStepView,
    "choose": ChooseStepView, "capture": CaptureStepView, "review": ReviewStepView, "submit": SubmitStepView,
    "print": PrintStepView, "rate": RateStepView, "done": DoneStepView, "verify_face": VerifyFaceStepView,
    "sign": SignStepView,
}


class ApplicantView(BaseModel):
    name_masked: str
    id_number_masked: str
    card_type: str
    age: int | None = None


class AssistView(BaseModel):
    """A helper fills in with the citizen (帮办): on while ``active``; the citizen can take it back at any time."""

    active: bool
    mode: Literal["video_filling", "window", "callback"] = "video_filling"
    entered: list[str] = Field(default_factory=list, description="fields and answers the helper entered")
    draft_fields: list[str] = Field(default_factory=list, description="typed by the helper, not yet confirmed")


class NoticeView(BaseModel):
    level: Literal["info", "warning", "error"] = "info"
    code: str = ""
    message: str


class SessionSnapshot(BaseModel):
    id: str
    item_code: str
    item_name: str
    item_names: dict[str, str] = Field(default_factory=dict, description="language (ug_CN) -> item name")
    status: Literal["active", "finished", "abandoned"]
    step: StepView
    step_number: int = 1
    step_total: int = 1
    step_kinds: list[str] = Field(default_factory=list, description="the kind of each of the item's steps, in order")
    applicant: ApplicantView | None = None
    case_no: str | None = None
    provisional_no: str | None = None
    helper_requested: bool = False
    assist: AssistView | None = None
    notice: NoticeView | None = None
    idle_deadline: datetime | None = None
    updated_at: datetime


class SessionStart(BaseModel):
    item_code: str = Field(min_length=1, max_length=64)
    elder_mode: bool = False
    language: str = Field("zh_CN", pattern=r"^[a-z]{2,3}_[A-Z]{2}$",
                          description="the citizen's language; prompts recorded in it are played")


class EventIn(BaseModel):
    type: ClientEventType
    data: dict[str, Any] = Field(default_factory=dict)


class EventRejected(BaseModel):
    detail: str
    step: str
    expected: list[str]


class ServiceItemSummary(BaseModel):
    code: str
    name: str
    theme: str = ""
    kiosk_complete: bool = True
    icon: str = ""
    names: dict[str, str] = Field(default_factory=dict, description="language (ug_CN) -> name, for bilingual kiosks")
    themes: dict[str, str] = Field(default_factory=dict, description="language -> theme")


class DeviceView(BaseModel):
    name: str
    kind: str
    uri: str
    simulated: bool
    status: dict[str, Any]


HubState = Literal["ok", "unreachable", "unauthorised", "wrong_url", "tls_error", "not_configured"]


class HubHealth(BaseModel):
    """kioskd's link to the hub (ARCHITECTURE.md, contract: ``state``, ``last_ok_at``, ``detail``)."""

    state: HubState = "not_configured"
    last_ok_at: datetime | None = Field(default=None, description="the last request or probe the hub answered well")
    detail: str = Field(default="", description="what was found and what to do, for technicians (English)")
    since: datetime | None = Field(default=None, description="when the hub entered this state")
    checked_at: datetime | None = None
    url: str | None = None
    credentials: Literal["settings", "enrolment", "mixed", "none"] = "none"


class OutboxBacklog(BaseModel):
    pending: int = 0
    oldest_pending_age_s: float | None = None
    failed: int = 0


class HealthView(BaseModel):
    status: Literal["ok", "degraded"]
    version: str
    kiosk_id: str
    uptime_s: float
    devices: dict[str, str] = Field(default_factory=dict)
    items_offered: int = 0
    catalog_problems: list[str] = Field(default_factory=list, description="definitions left out, FILE:LINE: message")
    hub: HubHealth = Field(default_factory=HubHealth)
    outbox: OutboxBacklog = Field(default_factory=OutboxBacklog, description="what waits to reach the hub")
    maintenance: bool = Field(default=False, description="staff took the kiosk out of service (暂停服务)")


# A pairing code's characters (kioskhub's hub/pairing.py keeps the same): no 0/O, no 1/I/L. The
# maintenance keypad shows exactly these.
PAIRING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PAIRING_LENGTH = 8


class HubEnrolIn(BaseModel):
    """``POST /v1/hub/enrol``: the hub's address and the pairing code its administrator was given."""

    hub_url: str = Field(max_length=300, description="scheme, host and port of kioskhub, e.g. https://intake.example.gov.cn")
    code: str = Field(min_length=1, max_length=32, description="e.g. K7QF-3MXP (case, spaces and dashes do not matter)")


class HubEnrolOut(BaseModel):
    kiosk_id: str = Field(description="the id kioskd goes by now (KIOSK_KIOSK_ID when that is set)")
    enrolled_kiosk_id: str
    site_id: str
    hub_url: str
    overridden_by: list[str] = Field(default_factory=list, description="settings that win over this enrolment")
    hub: HubHealth


class SelfTestRequest(BaseModel):
    """``POST /v1/selftest`` body."""

    print: bool = Field(False, description="also print a self-test slip on the receipt printer")


class SelfTestDevice(BaseModel):
    """One device's self-test: its verdict, its state and what to do, plus the check's own fields
    (``sam_id``; ``paper``, ``cover_open``, ``slip``; ``width``, ``height``, ``sharpness``, ``blurred``;
    ``prompt``, ``played``)."""

    model_config = ConfigDict(extra="allow")

    ok: bool
    state: str
    detail: str = ""
    sensors: dict[str, Any] = Field(default_factory=dict)


class SelfTestResult(BaseModel):
    """The result of a self-test (``POST /v1/selftest``, ``kioskctl selftest --json``)."""

    kiosk_id: str
    at: str = Field(description="when it ran, ISO 8601 in UTC")
    ok: bool = Field(description="every configured device passed")
    devices: dict[str, SelfTestDevice]
    hub: dict[str, Any] = Field(default_factory=dict, description="the hub's state as kioskd's health reports it")
    versions: dict[str, str] = Field(default_factory=dict)


CallState = Literal["ringing", "connecting", "connected", "reconnecting", "ended", "unanswered", "failed"]


class CallStart(BaseModel):
    """The citizen's consent answers for a video call: what the kiosk may send to the helper."""

    camera: bool = True
    screen: bool = False
    document: bool = False


class HeldCardView(BaseModel):
    """A card placed at the home screen: ``held`` until a service is tapped, ``gone`` when lifted or expired."""

    state: Literal["held", "gone"]
    name_masked: str = ""  # 张*; never the full name


class CallView(BaseModel):
    """The video call as the UI shows it (``/v1/call`` and the ``call`` push)."""

    state: CallState
    helper: str | None = None  # masked display name, e.g. 王*
    recording: bool = False
    message: str | None = None  # clear Chinese text for the citizen
    text: str | None = None  # the helper's last text message
    highlight: str | None = None  # next|back|keypad|camera|card_reader|printer|<field id>
    ring_timeout_s: int = 60
    sending: CallStart = Field(default_factory=lambda: CallStart(camera=False))
    assist: Literal["off", "asked", "on"] = Field(
        "off", description="帮办: the helper asks to fill in (asked), fills in (on); the citizen can take it back")


class CameraPreviewView(BaseModel):
    """The document camera's live view during a capture step: where the page is and what to tell the citizen."""

    quad: list[list[float]] | None = None
    others: list[list[list[float]]] = Field(default_factory=list)
    hint: str = ""
    capture_now: bool = False
    width: int = 0
    height: int = 0


class FaceLiveView(BaseModel):
    """The face check as it runs (``/v1/face/live``): what to ask the citizen now; never an image or a score."""

    active: bool = False
    hint: Literal["", "no_face", "one_face", "closer", "too_dark", "hold_still", "blink", "turn_left", "turn_right",
                  "done"] = ""
    order: list[Literal["blink", "turn_left", "turn_right"]] = Field(default_factory=list,
                                                                     description="this attempt's actions")
    done: list[str] = Field(default_factory=list, description="the actions seen so far")
    attempt: int = 0
    width: int = 0
    height: int = 0


class HelperView(BaseModel):
    """A helper was called to the kiosk (or the call was cancelled) at a step."""

    state: Literal["called", "cancelled"]
    step: str = ""


PUSH_TYPES = ("session", "device", "session_ended", "call", "card", "camera", "helper", "restart_ui")


class PushMessage(BaseModel):
    """What ``/v1/events`` pushes; kioskd publishes nothing that is not one of these (the bus takes only this
    model), and the UI handles, or deliberately ignores, every type."""

    type: Literal["session", "device", "session_ended", "call", "card", "camera", "helper", "restart_ui"]
    session_id: str | None = None
    session: SessionSnapshot | None = None
    device: DeviceView | None = None
    call: CallView | None = None
    card: HeldCardView | None = None
    preview: CameraPreviewView | None = None
    helper: HelperView | None = None
