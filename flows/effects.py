"""Effects: orders the engine returns and kioskd's effect services carry out; results come back as events.

Keys and job ids are derived from the snapshot (session id, run, step), never random, so replaying a
transition yields the same orders and the hub can deduplicate them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Effect(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Speak(_Effect):
    """Say ``text`` (Mandarin); a step's prompt names its ``prompt_id``, so a hall's recording of it in the
    citizen's ``language`` can be played instead."""

    type: Literal["speak"] = "speak"
    text: str
    prompt_id: str = ""
    language: str = "zh_CN"


class StartCardReader(_Effect):
    type: Literal["start_card_reader"] = "start_card_reader"
    card_types: tuple[str, ...] = ("resident",)


class StopCardReader(_Effect):
    type: Literal["stop_card_reader"] = "stop_card_reader"


class CapturePages(_Effect):
    """Capture ``pages`` pages of one material; ``now`` asks for a shot at once instead of auto-capture."""

    type: Literal["capture_pages"] = "capture_pages"
    material: str
    pages: int = Field(ge=1)
    kind: Literal["a4", "id_card", "photo", "qr"] = "a4"
    now: bool = False


class StopCapture(_Effect):
    type: Literal["stop_capture"] = "stop_capture"


class DiscardPages(_Effect):
    """Delete these captured page files (retake or start over): scans are personal data."""

    type: Literal["discard_pages"] = "discard_pages"
    refs: tuple[str, ...]


class PrintDocument(_Effect):
    type: Literal["print_document"] = "print_document"
    job_id: str
    template: Literal["receipt", "queue_ticket", "result"]
    data: dict[str, Any] = Field(repr=False)
    # earlier attempts of this step that did not come out: a reprint replaces them, so that a job
    # still waiting for paper cannot come out as a second copy once the paper is changed
    replaces: tuple[str, ...] = ()


class IssueCertificate(_Effect):
    """Ask the hub for a signed certificate; the same key always gets the same certificate, never a second code."""

    type: Literal["issue_certificate"] = "issue_certificate"
    key: str
    kind: Literal["social_insurance_contribution", "housing_fund_deposit"]
    holder: dict[str, str] = Field(repr=False, description="id_type and id_number")
    identity_check: Literal["card_read", "face_verified", "manual"] = "card_read"


class PrintCertificate(_Effect):
    """Print the certificate obtained under ``key`` on the A4 printer; (key, copy_no) never prints twice."""

    type: Literal["print_certificate"] = "print_certificate"
    job_id: str
    key: str
    copy_no: int = Field(1, ge=1, description="1 the first print; a retry after a failure is a new copy")


class CheckFace(_Effect):
    """One attempt of the face check: liveness (challenge in random order, passive) and the match with the
    card's photo; the result comes back as ``FaceChecked`` with this key."""

    type: Literal["check_face"] = "check_face"
    key: str
    attempt: int = Field(ge=1)
    elder_mode: bool = Field(False, description="slower: more time for each action")


class StopFaceCheck(_Effect):
    type: Literal["stop_face_check"] = "stop_face_check"


class WipeFace(_Effect):
    """The face check step is over: its frames and the card's photo go from memory now."""

    type: Literal["wipe_face"] = "wipe_face"


class SubmitApplication(_Effect):
    """Send to the intake platform through the outbox; the same key never creates a second case."""

    type: Literal["submit_application"] = "submit_application"
    idempotency_key: str
    item_code: str
    purpose: Literal["application", "queue_ticket", "query", "appointment_checkin"] = "application"
    applicant: dict[str, Any] = Field(repr=False)
    form: dict[str, str] = Field(repr=False)
    materials: tuple[dict[str, Any], ...] = ()
    submitted_at: datetime
    # the citizen was told they applied for this item a moment ago and chose to apply again
    allow_duplicate: bool = False
    # the face check's outcome (outcome, score, threshold, attempts) when the item has one; never an image
    identity_check: dict[str, Any] | None = None
    # documents signed at sign steps: document, text, text_sha256, signed_at, width, height, strokes
    signatures: tuple[dict[str, Any], ...] = Field((), repr=False)
    # a helper filled in with the citizen: helper_id, mode, entered (field and answer names)
    assisted: dict[str, Any] | None = None


class SubmitRating(_Effect):
    """好差评: ``level`` 5 非常满意 … 1 非常不满意 (map per target; GB/T 39046 A.8 runs the other way)."""

    type: Literal["submit_rating"] = "submit_rating"
    idempotency_key: str
    item_code: str
    level: int = Field(ge=1, le=5)
    level_name: str
    reason: str = ""
    case_no: str | None = None
    channel: str = Field("5", description="好差评 pf code: 5 = 大厅自助终端")
    rated_at: datetime


class RecordConsent(_Effect):
    type: Literal["record_consent"] = "record_consent"
    session_id: str
    item_code: str
    consent_id: str
    version: str
    purpose: str
    accepted: bool
    at: datetime


class CallHelper(_Effect):
    type: Literal["call_helper"] = "call_helper"
    session_id: str
    step: str


class CancelHelper(_Effect):
    type: Literal["cancel_helper"] = "cancel_helper"
    session_id: str


class WipeSession(_Effect):
    """The session is over: delete its personal data, scans and spooled jobs now."""

    type: Literal["wipe_session"] = "wipe_session"
    session_id: str
    reason: Literal["finished", "abandoned"]


Effect = Annotated[
    Speak | StartCardReader | StopCardReader | CapturePages | StopCapture | DiscardPages | PrintDocument
    | IssueCertificate | PrintCertificate | SubmitApplication | SubmitRating | RecordConsent | CallHelper
    | CancelHelper | WipeSession | CheckFace | StopFaceCheck | WipeFace,
    Field(discriminator="type"),
]
