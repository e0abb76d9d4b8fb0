"""Service items (事项) and citizen sessions as frozen pydantic models; fields follow GB/T 39046."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic import Field as PydField

STEP_ID_PATTERN = r"^[a-z][a-z0-9_]*$"
CardField = Literal["name", "id_number", "address", "birth_date", "sex", "nation", "issuer", "card_type"]
FieldType = Literal["text", "phone", "date", "id_number", "number", "choice", "address"]
Scalar = bool | int | float | str


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


# ---- conditions: structured, evaluated by flows.conditions; no code in definitions ----

class Compare(_Frozen):
    """``{var: age, gte: 60}``: one variable, exactly one operator."""

    var: str = PydField(description="age | card_type | sex | elder_mode | answer.<field>")
    eq: Scalar | None = None
    ne: Scalar | None = None
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None
    in_: tuple[Scalar, ...] | None = PydField(None, alias="in")
    not_in: tuple[Scalar, ...] | None = None
    present: bool | None = None

    @model_validator(mode="after")
    def _one_operator(self) -> Compare:
        ops = [name for name in OPERATORS if getattr(self, name) is not None]
        if len(ops) != 1:
            raise ValueError(f"a condition needs exactly one operator of {', '.join(OPERATOR_NAMES)}")
        return self

    @property
    def op(self) -> str:
        return next(name for name in OPERATORS if getattr(self, name) is not None)


OPERATORS = ("eq", "ne", "gt", "gte", "lt", "lte", "in_", "not_in", "present")
OPERATOR_NAMES = tuple(name.rstrip("_") for name in OPERATORS)


class AllOf(_Frozen):
    all: tuple[Condition, ...] = PydField(min_length=1)


class AnyOf(_Frozen):
    any: tuple[Condition, ...] = PydField(min_length=1)


class Not(_Frozen):
    not_: Condition = PydField(alias="not")


Condition = Compare | AllOf | AnyOf | Not
for _model in (AllOf, AnyOf, Not):
    _model.model_rebuild()


class Branch(_Frozen):
    """Go to ``goto`` when ``when`` holds; branches are tried in order before ``next``."""

    when: Condition
    goto: str


# ---- the parts of an item ----

class TimeLimit(_Frozen):
    amount: int = PydField(ge=0)
    unit: Literal["工作日", "自然日"] = "工作日"
    note: str = ""

    def __str__(self) -> str:
        return "即时办结" if self.amount == 0 else f"{self.amount}个{self.unit}"


class Fee(_Frozen):
    name: str
    amount_yuan: Decimal = PydField(ge=0)
    basis: str = ""


class ItemResult(_Frozen):
    """结果: what the citizen gets and how it reaches them."""

    name: str
    type: Literal["证照", "批文", "证明", "其他", "无"] = "其他"
    delivery: str = ""


class Material(_Frozen):
    """One 申请材料: how many originals/copies, how many pages to scan, and whether it may be missing."""

    code: str = PydField(pattern=STEP_ID_PATTERN)
    name: str
    form: Literal["paper", "electronic", "paper_electronic"] = "paper"
    originals: int = PydField(1, ge=0)
    copies: int = PydField(0, ge=0)
    pages: int = PydField(1, ge=1, le=50)
    required: bool = True
    deferrable: bool = PydField(False, description="容缺受理: may be supplied later under a 承诺书")
    e_licence: str | None = PydField(None, description="电子证照 that can be fetched instead of a scan")
    capture: Literal["a4", "id_card", "photo", "qr"] = PydField("a4", description="qr: a slip whose QR code is read")
    issuer: str = ""
    note: str = ""

    @property
    def skippable(self) -> bool:
        return (not self.required) or self.deferrable or self.e_licence is not None


class Field(_Frozen):
    """One form field; ``prefill`` copies a value from the ID card record."""

    name: str = PydField(pattern=STEP_ID_PATTERN)
    label: str
    type: FieldType = "text"
    required: bool = True
    prefill: CardField | None = None
    choices: tuple[str, ...] = ()
    max_length: int = PydField(100, ge=1, le=500)
    min: float | None = None
    max: float | None = None
    hint: str = ""

    @model_validator(mode="after")
    def _choices_for_choice(self) -> Field:
        if self.type == "choice" and not self.choices:
            raise ValueError(f"field '{self.name}' is a choice but lists no choices")
        return self


class Option(_Frozen):
    value: str
    label: str
    note: str = ""
    goto: str | None = None


# ---- steps: one model per kind, discriminated by ``kind`` ----

class _StepBase(_Frozen):
    id: str = PydField(pattern=STEP_ID_PATTERN)
    title: str
    prompt: str = PydField("", description="what the voice says when the step starts")
    body: str = ""
    idle_timeout_s: float = PydField(120.0, gt=0, le=3600)
    next: str | None = None
    branches: tuple[Branch, ...] = ()


class GuideStep(_StepBase):
    kind: Literal["guide"]


class ConsentStep(_StepBase):
    kind: Literal["consent"]
    consent_id: str
    version: str = "1"
    purpose: str
    on_decline: str | None = PydField(None, description="step to go to when declined; else the session ends")


class IdentifyStep(_StepBase):
    kind: Literal["identify"]
    allow_manual: bool = False
    card_types: tuple[str, ...] = ("resident",)


class FormStep(_StepBase):
    kind: Literal["form"]
    fields: tuple[Field, ...] = PydField(min_length=1)


class ChooseStep(_StepBase):
    kind: Literal["choose"]
    options: tuple[Option, ...] = PydField(min_length=1)
    store_as: str | None = PydField(None, description="answer name; the step id when omitted")

    @property
    def answer(self) -> str:
        return self.store_as or self.id


class CaptureStep(_StepBase):
    kind: Literal["capture"]
    materials: tuple[str, ...] = PydField(min_length=1)


class ReviewStep(_StepBase):
    kind: Literal["review"]


class SubmitStep(_StepBase):
    kind: Literal["submit"]
    purpose: Literal["application", "queue_ticket", "query", "appointment_checkin"] = "application"


CertificateKind = Literal["social_insurance_contribution", "housing_fund_deposit"]


class PrintStep(_StepBase):
    """Print a slip on the receipt printer, or (``document: certificate``) fetch a certificate from the hub
    and print it on the A4 printer."""

    kind: Literal["print"]
    document: Literal["slip", "certificate"] = "slip"
    template: Literal["receipt", "queue_ticket", "result"] | None = PydField(None, description="a slip's layout")
    certificate: CertificateKind | None = PydField(None, description="the hub's certificate kind, with certificate")

    @model_validator(mode="after")
    def _what_to_print(self) -> PrintStep:
        if self.document == "slip" and (self.template is None or self.certificate is not None):
            raise ValueError(f"print step '{self.id}' prints a slip: give its template (receipt, queue_ticket, "
                             "result), or document: certificate with the certificate kind")
        if self.document == "certificate" and (self.certificate is None or self.template is not None):
            raise ValueError(f"print step '{self.id}' prints a certificate: give certificate "
                             "(social_insurance_contribution or housing_fund_deposit) and no template")
        return self

    @property
    def on_a4(self) -> bool:
        return self.document == "certificate"


FaceAlternative = Literal["counter", "video"]


class VerifyFaceStep(_StepBase):
    """人证核验: separate consent, then liveness and a match of the live face against the card's photo.

    Declined, failed after ``attempts`` tries, or unavailable (no camera, no photo decoder) offers the
    alternative: ``counter`` goes to ``on_alternative`` (a queue ticket for a window, with
    ``counter_service`` as its service), ``video`` calls a helper by video.
    """

    kind: Literal["verify_face"]
    consent_id: str = "face_verification"
    version: str = "1"
    purpose: str = PydField(min_length=1, description="what the face check is for, shown before consent")
    attempts: int = PydField(3, ge=1, le=5, description="tries before the check counts as failed")
    alternative: FaceAlternative = "counter"
    on_alternative: str | None = PydField(None, description="step the counter alternative goes to")
    counter_service: str = PydField("", description="queue service of the counter ticket (answer 'service')")

    @model_validator(mode="after")
    def _alternative_step(self) -> VerifyFaceStep:
        if self.alternative == "counter" and not self.on_alternative:
            raise ValueError(f"verify_face step '{self.id}' offers a counter: give on_alternative, the step "
                             "that issues the queue ticket")
        return self


class RateStep(_StepBase):
    kind: Literal["rate"]
    bad_reasons: tuple[str, ...] = ("等待时间长", "操作复杂", "材料要求不清楚", "设备故障", "其他")


class SignStep(_StepBase):
    """The citizen signs a document (委托书, 告知承诺书) on the touchscreen; the text signed is the step's own."""

    kind: Literal["sign"]
    document: Literal["委托书", "告知承诺书"]
    text: str = PydField(min_length=1, max_length=4000, description="what the citizen signs, shown above the pad")


class DoneStep(_StepBase):
    kind: Literal["done"]


Step = Annotated[
    GuideStep | ConsentStep | IdentifyStep | FormStep | ChooseStep | CaptureStep | ReviewStep
    | SubmitStep | PrintStep | RateStep | DoneStep | VerifyFaceStep | SignStep,
    PydField(discriminator="kind"),
]
STEP_KINDS = ("guide", "consent", "identify", "form", "choose", "capture", "review", "submit", "print",
              "rate", "done", "verify_face", "sign")


class StepText(_Frozen):
    """A step's words in another language; anything left out is shown in Chinese only."""

    title: str = ""
    prompt: str = ""
    body: str = PydField("", description="the step's notice text under the prompt")
    options: dict[str, str] = PydField(default_factory=dict, description="option value -> label")


class Translation(_Frozen):
    """An item's words in one minority language, shown above the Chinese on a bilingual kiosk."""

    name: str = ""
    theme: str = ""
    steps: dict[str, StepText] = PydField(default_factory=dict, description="step id -> its texts")
    reviewed_by: str = PydField("", description="who checked these words as a native speaker (name or role, and "
                                "date); empty: written without that check, so they still need review")


LanguageTag = Annotated[str, PydField(pattern=r"^[a-z]{2,3}_[A-Z]{2}$", description="e.g. ug_CN, bo_CN, mn_CN")]


class ServiceItem(_Frozen):
    """A 政务服务事项 as the kiosk runs it: national elements plus the steps of the session."""

    code: str = PydField(pattern=r"^[A-Za-z0-9_\-]{1,64}$", description="kiosk code, also the file name")
    name: str
    basic_code: str = PydField("", max_length=10, description="基本编码 (an..10)")
    implementation_code: str = PydField("", max_length=36, description="实施编码")
    item_type: str = PydField(description="事项类型 name, e.g. 行政许可, 公共服务")
    item_type_code: str = PydField("", description="GB/T 39046 A.1 code, e.g. 01, 20")
    department: str = PydField(description="主管部门")
    implementing_body: str = ""
    service_object: tuple[Literal["自然人", "法人"], ...] = ("自然人",)
    theme: str = PydField("", description="home-screen group")
    icon: str = ""
    basis: str = PydField("", description="设定依据")
    conditions: tuple[str, ...] = PydField((), description="受理条件")
    materials: tuple[Material, ...] = ()
    case_type: Literal["即办件", "承诺件", "其他"] = "即办件"
    legal_limit: TimeLimit | None = None
    promised_limit: TimeLimit | None = None
    fees: tuple[Fee, ...] = ()
    result: ItemResult | None = None
    consult_phone: str = ""
    complaint_phone: str = ""
    kiosk_complete: bool = PydField(True, description="全程可在终端办结")
    visits_needed: int = PydField(0, ge=0, description="到现场次数")
    steps: tuple[Step, ...] = PydField(min_length=1)
    translations: dict[LanguageTag, Translation] = PydField(
        default_factory=dict, description="language (ug_CN, bo_CN, mn_CN) -> the item's words in it")

    def step(self, step_id: str) -> Step:
        """The step with this id (KeyError if there is none)."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def material(self, code: str) -> Material:
        for material in self.materials:
            if material.code == code:
                return material
        raise KeyError(code)

    def index(self, step_id: str) -> int:
        return next(i for i, step in enumerate(self.steps) if step.id == step_id)


# ---- a citizen session ----

class Notice(_Frozen):
    level: Literal["info", "warning", "error"] = "info"
    code: str = ""
    message: str


class ConsentRecord(_Frozen):
    consent_id: str
    version: str
    step: str
    accepted: bool
    at: datetime


class PrintRecord(_Frozen):
    job_id: str
    template: str
    step: str
    status: Literal["printing", "printed", "failed"] = "printing"
    code: str = ""
    reason: str = PydField("", description="what the citizen is told of a failure, when the engine has no words")


class CertificateRecord(_Frozen):
    """A certificate the hub issued for this session: how to check it; the PDF stays in kioskd's memory."""

    key: str = PydField(description="the request's Idempotency-Key, also the print attempts' key")
    code: str
    title: str = ""
    verify_url: str = ""


FaceState = Literal["consent", "checking", "retry", "passed", "failed", "unavailable", "declined"]
FaceOutcome = Literal["passed", "failed", "unavailable", "declined"]


class FaceCheckRecord(_Frozen):
    """The face check of this session: the decision and score only, never an image."""

    step: str
    state: FaceState = "consent"
    attempts: int = PydField(0, description="attempts started")
    score: float | None = None
    threshold: float | None = None
    reason: str = PydField("", description="why the last attempt did not pass (a code, no personal data)")

    @property
    def outcome(self) -> FaceOutcome | None:
        """The final outcome, once there is one."""
        return self.state if self.state in ("passed", "failed", "unavailable", "declined") else None  # type: ignore[return-value]


class SignatureRecord(_Frozen):
    """A signature given at a sign step: the pen strokes (personal data, wiped with the session) and what was signed."""

    step: str
    document: str
    text: str = PydField(description="the text as shown when signed")
    text_sha256: str = PydField(description="SHA-256 of the signed text, hex")
    at: datetime
    width: int = PydField(description="the pad's size when signed, in its own units")
    height: int
    strokes: tuple[tuple[tuple[float, float, float], ...], ...] = PydField(repr=False)


AssistMode = Literal["video_filling", "window", "callback"]
HELPER_STEP_KINDS = ("guide", "form", "choose")  # the rest need the citizen: card, consent, papers, 确认提交, signing


class Assist(_Frozen):
    """A helper filling in with the citizen (帮办): who, how, and what they entered.

    ``draft`` holds what the helper typed into the current form step and has not confirmed with 下一步;
    it is dropped when the helper's control ends, so the step stays as last confirmed.
    """

    helper_id: str
    mode: AssistMode = "video_filling"
    active: bool = PydField(True, description="the helper may enter now; false once taken back or the call ended")
    entered: tuple[str, ...] = PydField((), description="form fields and answers the helper entered")
    draft: dict[str, str] = PydField(default_factory=dict, repr=False)


class Rating(_Frozen):
    level: int = PydField(ge=1, le=5)
    reason: str = ""
    at: datetime


Status = Literal["active", "finished", "abandoned"]


class Snapshot(_Frozen):
    """Everything one session holds; personal data lives only here and is wiped with it."""

    session_id: str
    item_code: str
    step: str
    history: tuple[str, ...] = ()
    run: int = PydField(1, description="bumped by start_over, so keys of a new attempt differ")
    status: Status = "active"
    elder_mode: bool = False
    language: str = PydField("zh_CN", description="the language the citizen chose; recorded prompts in it are played")
    started_at: datetime
    updated_at: datetime
    idle_deadline: datetime | None = None
    idle_warned: bool = False
    helper_requested: bool = False
    notice: Notice | None = None
    pending: Literal["card", "capture", "submit", "certificate", "print", "face"] | None = None
    entry: int = PydField(0, description="how many steps were entered so far; part of keys and job ids")
    attempt: int = PydField(0, description="print attempts since the current step was entered")
    card: dict[str, Any] | None = PydField(None, repr=False)
    age: int | None = None
    form: dict[str, str] = PydField(default_factory=dict, repr=False)
    field_errors: dict[str, str] = PydField(default_factory=dict)
    consents: tuple[ConsentRecord, ...] = ()
    pages: dict[str, tuple[str, ...]] = PydField(default_factory=dict)
    skipped: dict[str, str] = PydField(default_factory=dict, description="material -> 容缺 | 电子证照 | 非必需")
    case_no: str | None = None
    provisional_no: str | None = None
    repeat_of: str | None = PydField(None, description="the number of the same person's application for this item "
                                     "a moment ago, once they were told of it: applying again is their choice")
    result: dict[str, Any] = PydField(default_factory=dict, repr=False)
    prints: tuple[PrintRecord, ...] = ()
    certificate: CertificateRecord | None = None
    rating: Rating | None = None
    face: FaceCheckRecord | None = None
    signatures: tuple[SignatureRecord, ...] = PydField((), repr=False)
    assist: Assist | None = None
