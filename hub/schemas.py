"""The hub's wire contract with kiosks (what kioskd's outbox sends and reads back)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from common import idnumber
from hub.casenumbers import ITEM_CODE_MAX
from hub.personal import RESIDENT_ID
from hub.selftests import SelfTestReport

_CODE = r"^[0-9A-Za-z-]+$"
_TOKENISH = r"^[0-9A-Za-z._:-]+$"
FORM_MAX_BYTES = 64 * 1024


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PersonId(Strict):
    """A person's document: type and number; a 居民身份证 number is checked (GB 11643) wherever one arrives."""

    id_type: str = Field(default=RESIDENT_ID, pattern=r"^\d{3}$", description="GA/T 2000.156 code, 111 = 居民身份证")
    id_number: str = Field(min_length=4, max_length=40)

    @field_validator("id_number")
    @classmethod
    def _check_id(cls, value: str, info: ValidationInfo) -> str:
        value = idnumber.normalise(value)
        if info.data.get("id_type", RESIDENT_ID) == RESIDENT_ID and (found := idnumber.problems(value)):
            raise ValueError("; ".join(found))
        return value


class Applicant(PersonId):
    """The person applying; the ID number is indexed by keyed hash and stored encrypted."""

    name: str = Field(min_length=1, max_length=100)
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 -]{5,20}$")


class MaterialLabel(Strict):
    file: str = Field(min_length=1, max_length=200, description="file name of one uploaded part")
    label: str = Field(min_length=1, max_length=200, description="材料名称, e.g. 身份证复印件")


class CaseApplication(Strict):
    """The JSON in the ``application`` part of POST /api/v1/cases (or the whole JSON body)."""

    item_code: str = Field(min_length=1, max_length=ITEM_CODE_MAX, pattern=_CODE, description="实施编码")
    item_name: str | None = Field(default=None, max_length=200)
    applicant: Applicant
    form: dict[str, Any] = Field(default_factory=dict, description="the answers the citizen gave")
    provisional_no: str | None = Field(default=None, min_length=1, max_length=64, pattern=_TOKENISH)
    submitted_at: dt.datetime | None = Field(default=None, description="when the citizen submitted, kiosk clock")
    materials: list[MaterialLabel] = Field(default_factory=list, max_length=200)

    @model_validator(mode="before")
    @classmethod
    def _no_case_no(cls, data: Any) -> Any:
        if isinstance(data, dict) and "case_no" in data:
            raise ValueError("case_no is assigned by the hub; send your own number as provisional_no")
        return data

    @field_validator("form")
    @classmethod
    def _form_size(cls, value: dict[str, Any]) -> dict[str, Any]:
        import json

        if len(json.dumps(value, ensure_ascii=False).encode()) > FORM_MAX_BYTES:
            raise ValueError(f"form data may be at most {FORM_MAX_BYTES} bytes of JSON")
        return value

    @field_validator("submitted_at")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must carry a UTC offset, e.g. 2026-11-21T09:30:00+08:00")
        return value


class StatusStep(BaseModel):
    status: str
    label: str
    at: dt.datetime
    note: str | None = None


class MaterialOut(BaseModel):
    label: str
    filename: str
    content_type: str
    size: int
    sha256: str


class CaseOut(BaseModel):
    """A case as the hub reports it; personal data masked."""

    case_no: str
    provisional_no: str | None
    kiosk_id: str
    item_code: str
    item_name: str | None
    status: str
    status_label: str
    pro_status: int = Field(description="好差评 proStatus: 1 待受理, 2 已受理, 3 已办结")
    applicant_name: str
    applicant_id_number: str
    received_at: dt.datetime
    materials: list[MaterialOut]
    history: list[StatusStep]


class CaseList(BaseModel):
    cases: list[CaseOut]


class CaseLookup(Strict):
    """POST /api/v1/cases/lookup: a citizen's own cases, by the document the kiosk just read."""

    id_type: str = Field(default=RESIDENT_ID, pattern=r"^\d{3}$")
    id_number: str = Field(min_length=4, max_length=40)


class Level(StrEnum):
    """好差评 five levels, stored by name (sources disagree on numeric order)."""

    very_satisfied = "very_satisfied"
    satisfied = "satisfied"
    basically_satisfied = "basically_satisfied"
    dissatisfied = "dissatisfied"
    very_dissatisfied = "very_dissatisfied"


STARS = {
    Level.very_satisfied: 5,
    Level.satisfied: 4,
    Level.basically_satisfied: 3,
    Level.dissatisfied: 2,
    Level.very_dissatisfied: 1,
}
LEVEL_LABELS = {
    Level.very_satisfied: "非常满意",
    Level.satisfied: "满意",
    Level.basically_satisfied: "基本满意",
    Level.dissatisfied: "不满意",
    Level.very_dissatisfied: "非常不满意",
}
BAD_LEVELS = {Level.dissatisfied, Level.very_dissatisfied}
# 好差评 pf channel codes; a kiosk is 5 (大厅其他终端/自助终端).
CHANNELS = {"pc": "1", "mobile": "2", "qr_code": "3", "hall_tablet": "4", "self_service_terminal": "5"}


class RatingIn(Strict):
    """POST /api/v1/ratings body."""

    case_no: str = Field(min_length=1, max_length=64)
    level: Level
    channel: Literal["pc", "mobile", "qr_code", "hall_tablet", "self_service_terminal"] = "self_service_terminal"
    reasons: list[str] = Field(default_factory=list, max_length=10)
    comment: str | None = Field(default=None, max_length=500)
    rated_at: dt.datetime | None = None

    @field_validator("reasons")
    @classmethod
    def _reasons(cls, value: list[str]) -> list[str]:
        cleaned = [r.strip() for r in value]
        if any(not r or len(r) > 200 for r in cleaned):
            raise ValueError("each reason must be 1 to 200 characters")
        return cleaned

    @model_validator(mode="after")
    def _bad_needs_reason(self) -> RatingIn:
        if self.level in BAD_LEVELS and not self.reasons:
            raise ValueError("a dissatisfied rating needs at least one reason in 'reasons'")
        if self.rated_at is not None and self.rated_at.tzinfo is None:
            raise ValueError("rated_at must carry a UTC offset")
        return self


class RatingOut(BaseModel):
    rating_id: int
    case_no: str
    level: Level
    stars: int
    label: str
    channel: str
    channel_code: str
    needs_followup: bool
    followup_due: dt.date | None


class DeviceReport(Strict):
    health: Literal["online", "offline", "error"]
    message: str = Field(default="", max_length=500)
    sensors: dict[str, bool | int | float | str | None] = Field(default_factory=dict)


class Heartbeat(Strict):
    """POST /api/v1/heartbeat body: the kiosk's devices as kioskd sees them."""

    software_version: str | None = Field(default=None, max_length=64)
    devices: dict[str, DeviceReport] = Field(default_factory=dict, max_length=32)
    outbox_pending: int | None = Field(default=None, ge=0)
    items_offered: int | None = Field(default=None, ge=0)
    catalog_problems: list[Annotated[str, Field(max_length=300)]] = Field(
        default_factory=list, max_length=20,
        description="service-item definitions the kiosk left out, FILE:LINE: message")
    sent_at: dt.datetime | None = None
    selftest: SelfTestReport | None = Field(default=None, description="the kiosk's last self-test, if any")


class HeartbeatAck(BaseModel):
    kiosk_id: str
    received_at: dt.datetime


class QueryRequest(Strict):
    """POST /api/v1/queries/{query} body: whose record, and the answers the citizen gave on the kiosk."""

    id_type: str = Field(default=RESIDENT_ID, pattern=r"^\d{3}$", description="GA/T 2000.156 code, 111 = 居民身份证")
    id_number: str = Field(min_length=4, max_length=40)
    form: dict[str, Any] = Field(default_factory=dict, description="the answers the citizen gave")

    @field_validator("id_number")
    @classmethod
    def _check_id(cls, value: str, info: ValidationInfo) -> str:
        value = idnumber.normalise(value)
        if info.data.get("id_type", RESIDENT_ID) == RESIDENT_ID and (found := idnumber.problems(value)):
            raise ValueError("; ".join(found))
        return value

    @field_validator("form")
    @classmethod
    def _form_size(cls, value: dict[str, Any]) -> dict[str, Any]:
        import json

        if len(json.dumps(value, ensure_ascii=False).encode()) > FORM_MAX_BYTES:
            raise ValueError(f"form data may be at most {FORM_MAX_BYTES} bytes of JSON")
        return value


class QueryResult(BaseModel):
    """What a kiosk shows on screen and prints for a record query; personal values already masked."""

    title: str
    fields: dict[str, str] = Field(description="label -> value, in display order")
    lines: list[str]
    footer: str
    as_of: dt.datetime = Field(description="when the data was current")
