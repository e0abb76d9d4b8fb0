"""Events fed to the engine: what the citizen did (client events) and what the devices reported.

Every event carries ``at``: the engine never reads the clock. Client event ``type`` values are
exactly ``local_api.schemas.ClientEventType``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    at: AwareDatetime


# ---- client events (posted by the UI or a helper) ----

class NextPressed(_Event):
    type: Literal["next"] = "next"


class BackPressed(_Event):
    type: Literal["back"] = "back"


class StartOverPressed(_Event):
    type: Literal["start_over"] = "start_over"


class HelperCalled(_Event):
    type: Literal["call_helper"] = "call_helper"


class HelperCancelled(_Event):
    type: Literal["cancel_helper"] = "cancel_helper"


class ConsentAnswered(_Event):
    type: Literal["consent"] = "consent"
    accepted: bool


class ManualIdEntered(_Event):
    type: Literal["manual_id"] = "manual_id"
    id_number: str = Field(min_length=1, max_length=32, repr=False)
    name: str = Field(min_length=1, max_length=64, repr=False)


class FormSubmitted(_Event):
    type: Literal["form_submit"] = "form_submit"
    values: dict[str, Any] = Field(repr=False)


class OptionChosen(_Event):
    type: Literal["choose"] = "choose"
    option: str


class PageRequested(_Event):
    type: Literal["capture_page"] = "capture_page"


class RetakeRequested(_Event):
    type: Literal["retake"] = "retake"
    material: str


class Rated(_Event):
    type: Literal["rate"] = "rate"
    level: int = Field(ge=1, le=5, description="5 非常满意 ... 1 非常不满意")
    reason: str = Field("", max_length=500)


MAX_SIGN_STROKES = 200
MAX_SIGN_POINTS = 20_000


class Signed(_Event):
    """The citizen's pen strokes on the sign step's pad: points ``[x, y]`` or ``[x, y, pressure]`` in the pad's
    units (0..width, 0..height from the bottom left), pressure 0..1 where the screen measures it."""

    type: Literal["sign"] = "sign"
    width: int = Field(ge=50, le=10_000)
    height: int = Field(ge=50, le=10_000)
    strokes: tuple[tuple[tuple[float, ...], ...], ...] = Field(max_length=MAX_SIGN_STROKES, repr=False)

    @model_validator(mode="after")
    def _points(self) -> Signed:
        count = 0
        kept = []
        for n, stroke in enumerate(self.strokes, start=1):
            points = []
            for point in stroke:
                if len(point) not in (2, 3):
                    raise ValueError(f"stroke {n}: a point is [x, y] or [x, y, pressure]")
                x, y, pressure = point[0], point[1], point[2] if len(point) == 3 else 1.0
                if not (0 <= x <= self.width and 0 <= y <= self.height and 0 <= pressure <= 1):
                    raise ValueError(f"stroke {n}: a point lies outside the {self.width}x{self.height} pad "
                                     "or has a pressure outside 0..1")
                points.append((float(x), float(y), float(pressure)))
            count += len(points)
            kept.append(tuple(points))
        if count > MAX_SIGN_POINTS:
            raise ValueError(f"too many points ({count}); at most {MAX_SIGN_POINTS}: thin the strokes out")
        object.__setattr__(self, "strokes", tuple(kept))
        return self


class StillHere(_Event):
    type: Literal["still_here"] = "still_here"
    elder_mode: bool | None = None  # the citizen switched 长辈模式 on or off mid-session: slower timeouts follow


class FinishPressed(_Event):
    type: Literal["finish"] = "finish"


# ---- system events (produced by kioskd's effect services, never accepted from a client) ----

class CardRead(_Event):
    """An ID card was read; ``record`` has card_type, name, sex, birth_date, id_number, address,
    issuer, valid_from, valid_to, id_number_valid (card_type: resident | hmt_residence | foreign_permanent)."""

    type: Literal["card_read"] = "card_read"
    record: dict[str, Any] = Field(repr=False)


class CardFailed(_Event):
    type: Literal["card_failed"] = "card_failed"
    reason: str = ""  # shown and spoken to the citizen as it is; empty gives the engine's own wording


class PagesCaptured(_Event):
    type: Literal["pages_captured"] = "pages_captured"
    material: str
    refs: list[str] = Field(min_length=1)


class CaptureFailed(_Event):
    type: Literal["capture_failed"] = "capture_failed"
    material: str = ""
    reason: str = ""


class Printed(_Event):
    type: Literal["printed"] = "printed"
    job_id: str


class PrintFailed(_Event):
    type: Literal["print_failed"] = "print_failed"
    job_id: str = ""
    reason: str = ""
    code: str = Field("", description="paper_out | cover_open | offline | ...")


class CertificateIssued(_Event):
    """The hub issued the certificate asked for under ``key`` (kioskd holds its PDF)."""

    type: Literal["certificate_issued"] = "certificate_issued"
    key: str
    code: str
    title: str = ""
    verify_url: str = ""


class CertificateRefused(_Event):
    """No certificate: ``no_record`` (nothing on record for the person), ``hub_down`` (try later) or ``refused``."""

    type: Literal["certificate_refused"] = "certificate_refused"
    key: str
    code: Literal["no_record", "hub_down", "refused"]
    reason: str = Field("", description="the hub's words for the citizen (no_record), else empty")


class FaceChecked(_Event):
    """One attempt of the face check under ``key`` came to ``outcome``; ``reason`` is a code, never personal data."""

    type: Literal["face_checked"] = "face_checked"
    key: str
    outcome: Literal["passed", "failed", "unavailable"]
    score: float | None = None
    threshold: float | None = None
    reason: str = Field("", max_length=80, description="no_face | several_faces | not_the_holder | no_liveness | "
                        "screen_or_print | no_camera | no_decoder | no_card_photo | card_photo_unreadable | ...")


class Submitted(_Event):
    """The intake platform (or the outbox) took the submission; ``result`` carries query answers."""

    type: Literal["submitted"] = "submitted"
    case_no: str | None = None
    provisional_no: str | None = None
    result: dict[str, Any] = Field(default_factory=dict, repr=False)


class SubmitFailed(_Event):
    type: Literal["submit_failed"] = "submit_failed"
    reason: str = ""


class SubmitDuplicate(_Event):
    """Not filed: the same person applied for the same item a moment ago (that case's number)."""

    type: Literal["submit_duplicate"] = "submit_duplicate"
    number: str = ""
    when: str = Field("", description="when it was filed, as the hall's clock shows it (HH:MM)")


class AssistGranted(_Event):
    """The citizen agreed on screen that the helper on the call fills in with them."""

    type: Literal["assist_granted"] = "assist_granted"
    helper_id: str = Field(min_length=1, max_length=64)
    mode: Literal["video_filling", "window", "callback"] = "video_filling"


class AssistEnded(_Event):
    """The helper's control ended: the citizen took it back, the helper stopped, or the call was lost."""

    type: Literal["assist_ended"] = "assist_ended"
    reason: Literal["withdrawn", "stopped", "call_ended", "lost"] = "withdrawn"


class HelperInput(_Event):
    """One entry by the helper while assisting: type into a field, choose an option, or go on (下一步)."""

    type: Literal["helper_input"] = "helper_input"
    helper_id: str = Field(min_length=1, max_length=64)
    action: Literal["set_field", "choose", "next"]
    field: str = Field("", max_length=64)
    value: str = Field("", max_length=500, repr=False)
    option: str = Field("", max_length=100)


class Tick(_Event):
    type: Literal["tick"] = "tick"


class DeviceFault(_Event):
    type: Literal["device_fault"] = "device_fault"
    device: str = Field("", description="id_reader | printer | camera | voice")
    reason: str = ""


ClientEvent = Annotated[
    NextPressed | BackPressed | StartOverPressed | HelperCalled | HelperCancelled | ConsentAnswered
    | ManualIdEntered | FormSubmitted | OptionChosen | PageRequested | RetakeRequested | Rated | StillHere
    | FinishPressed | Signed,
    Field(discriminator="type"),
]
SystemEvent = Annotated[
    CardRead | CardFailed | PagesCaptured | CaptureFailed | Printed | PrintFailed | CertificateIssued
    | CertificateRefused | Submitted | SubmitFailed | SubmitDuplicate | Tick | DeviceFault | FaceChecked
    | AssistGranted | AssistEnded | HelperInput,
    Field(discriminator="type"),
]
Event = Annotated[ClientEvent | SystemEvent, Field(discriminator="type")]

CLIENT_EVENT_TYPES = ("next", "back", "start_over", "call_helper", "cancel_helper", "consent", "manual_id",
                      "form_submit", "choose", "capture_page", "retake", "rate", "still_here", "finish", "sign")
SYSTEM_EVENT_TYPES = ("card_read", "card_failed", "pages_captured", "capture_failed", "printed",
                      "print_failed", "certificate_issued", "certificate_refused", "submitted", "submit_failed",
                      "submit_duplicate", "tick", "device_fault", "face_checked", "assist_granted",
                      "assist_ended", "helper_input")

_client_adapter: TypeAdapter[Any] = TypeAdapter(ClientEvent)
_any_adapter: TypeAdapter[Any] = TypeAdapter(Event)


class InvalidEvent(ValueError):
    """An event whose type or data is malformed (an HTTP 422, unlike ``EventNotAccepted``)."""


def client_event(type: str, data: dict[str, Any] | None, at: Any) -> Any:
    """Build a client event from the wire's ``EventIn`` (type + data) and the daemon's clock."""
    if type not in CLIENT_EVENT_TYPES:
        raise InvalidEvent(f"unknown client event '{type}'; use one of {', '.join(CLIENT_EVENT_TYPES)}")
    return _parse(_client_adapter, {**(data or {}), "type": type, "at": at})


def parse_event(payload: dict[str, Any]) -> Any:
    """Build any event (client or system) from a flat dict with ``type`` and ``at``."""
    return _parse(_any_adapter, payload)


def _parse(adapter: TypeAdapter[Any], payload: dict[str, Any]) -> Any:
    try:
        return adapter.validate_python(payload)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'][1:]) or 'data'}: {err['msg']}" for err in exc.errors()
        )
        raise InvalidEvent(f"bad '{payload.get('type')}' event: {problems}") from None
