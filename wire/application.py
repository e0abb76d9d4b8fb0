"""The application a kiosk files (``POST /api/v1/cases``): item, applicant, answers, materials."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from wire.base import Strict
from wire.person import PersonId, check_form_size

# GB/T 39046 case numbers are at most 50 characters and embed the item code, a date and a sequence
# (hub/casenumbers.py): 36 leaves room past 9,999 cases of one item in a day.
ITEM_CODE_MAX = 36
_CODE = r"^[0-9A-Za-z-]+$"
_TOKENISH = r"^[0-9A-Za-z._:-]+$"


class Applicant(PersonId):
    """The person applying; the hub indexes the ID number by keyed hash and stores it encrypted."""

    name: str = Field(min_length=1, max_length=100)
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 -]{5,20}$")


class MaterialLabel(Strict):
    file: str = Field(min_length=1, max_length=200, description="file name of one uploaded part")
    label: str = Field(min_length=1, max_length=200, description="材料名称, e.g. 身份证复印件")


class IdentityCheck(Strict):
    """人证核验 made before the application: the decision and the score, never an image."""

    method: Literal["face"] = "face"
    outcome: Literal["passed", "failed", "unavailable", "declined"]
    score: float | None = Field(default=None, ge=-1, le=1, description="1 - distance of the two embeddings")
    threshold: float | None = Field(default=None, ge=-1, le=1)
    attempts: int = Field(default=0, ge=0, le=10)
    reason: str = Field(default="", max_length=80, pattern=r"^[a-z_]*$", description="why it did not pass, a code")


class SignedDocument(Strict):
    """A document the citizen signed on the kiosk's screen: the text, its digest, when, and the signature image."""

    document: Literal["委托书", "告知承诺书"]
    text: str = Field(min_length=1, max_length=4000, description="the text exactly as shown when signed")
    text_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the text as UTF-8, hex")
    signed_at: dt.datetime
    file: str = Field(min_length=1, max_length=200, description="the signature PNG's part (listed in materials)")
    image_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of that PNG, hex")

    @model_validator(mode="after")
    def _digest_matches(self) -> SignedDocument:
        if hashlib.sha256(self.text.encode("utf-8")).hexdigest() != self.text_sha256:
            raise ValueError("text_sha256 is not the SHA-256 of text: the signed text was changed")
        if self.signed_at.tzinfo is None:
            raise ValueError("signed_at must carry a UTC offset, e.g. 2026-11-21T09:30:00+08:00")
        return self


ASSIST_MODES = {"video_filling": "视频帮办", "window": "窗口代办", "callback": "回访代办"}


class Assistance(Strict):
    """帮办代办: the case was filled in with a helper; who (the helper's account id, never the name), how, what."""

    helper_id: str = Field(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z._@-]+$")
    mode: Literal["video_filling", "window", "callback"]
    entered: list[str] = Field(default_factory=list, max_length=200, description="fields and answers the helper "
                                                                                  "entered (names, not values)")
    authorisation_file: str | None = Field(default=None, max_length=200, description="the signed 委托书's image "
                                                                                     "(one of signatures)")


class CaseApplication(Strict):
    """The JSON in the ``application`` part of POST /api/v1/cases (or the whole JSON body)."""

    item_code: str = Field(min_length=1, max_length=ITEM_CODE_MAX, pattern=_CODE, description="实施编码")
    item_name: str | None = Field(default=None, max_length=200)
    applicant: Applicant
    form: dict[str, Any] = Field(default_factory=dict, description="the answers the citizen gave")
    provisional_no: str | None = Field(default=None, min_length=1, max_length=64, pattern=_TOKENISH)
    submitted_at: dt.datetime | None = Field(default=None, description="when the citizen submitted, kiosk clock")
    materials: list[MaterialLabel] = Field(default_factory=list, max_length=200)
    identity_check: IdentityCheck | None = Field(default=None, description="the face check, when the item has one")
    signatures: list[SignedDocument] = Field(default_factory=list, max_length=10)
    assisted: Assistance | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_case_no(cls, data: Any) -> Any:
        if isinstance(data, dict) and "case_no" in data:
            raise ValueError("case_no is assigned by the hub; send your own number as provisional_no")
        return data

    @model_validator(mode="after")
    def _signature_files(self) -> CaseApplication:
        files = {m.file for m in self.materials}
        missing = [s.file for s in self.signatures if s.file not in files]
        if missing:
            raise ValueError(f"signatures name files not listed in materials: {', '.join(missing)}")
        authorisation = self.assisted.authorisation_file if self.assisted else None
        if authorisation and authorisation not in {s.file for s in self.signatures if s.document == "委托书"}:
            raise ValueError("assisted.authorisation_file must be the image of a signed 委托书 in signatures")
        return self

    @field_validator("form")
    @classmethod
    def _form_size(cls, value: dict[str, Any]) -> dict[str, Any]:
        return check_form_size(value)

    @field_validator("submitted_at")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must carry a UTC offset, e.g. 2026-11-21T09:30:00+08:00")
        return value
