"""The hub's wire contract with kiosks (what kioskd's outbox sends and reads back).

The four payloads a kiosk sends (application, rating, queue ticket, heartbeat) are defined once in
``wire/``, which kioskd checks its payloads against before storing or sending them; they are named
here again so the hub's modules keep one place to import its schemas from. What the hub answers is
defined here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field, field_validator

from wire.application import ITEM_CODE_MAX, Applicant, CaseApplication, MaterialLabel
from wire.base import Strict
from wire.commands import RemoteCommand
from wire.heartbeat import DeviceReport, Heartbeat
from wire.person import FORM_MAX_BYTES, RESIDENT_ID, PersonId, check_form_size
from wire.rating import BAD_LEVELS, Level, Rating, RatingIn

__all__ = [
    "BAD_LEVELS", "CHANNELS", "FORM_MAX_BYTES", "ITEM_CODE_MAX", "LEVEL_LABELS", "RESIDENT_ID", "STARS",
    "Applicant", "CaseApplication", "CaseList", "CaseLookup", "CaseOut", "DeviceReport", "Heartbeat",
    "HeartbeatAck", "Level", "MaterialLabel", "MaterialOut", "PersonId", "QueryRequest", "QueryResult", "Rating",
    "RatingIn", "RatingOut", "StatusStep", "Strict",
]


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
# 好差评 pf channel codes; a kiosk is 5 (大厅其他终端/自助终端).
CHANNELS = {"pc": "1", "mobile": "2", "qr_code": "3", "hall_tablet": "4", "self_service_terminal": "5"}


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


class HeartbeatAck(BaseModel):
    kiosk_id: str
    received_at: dt.datetime
    commands: list[RemoteCommand] = Field(default_factory=list,
                                          description="staff's commands for this kiosk, until it answers them")


class QueryRequest(PersonId):
    """POST /api/v1/queries/{query} body: whose record, and the answers the citizen gave on the kiosk."""

    form: dict[str, Any] = Field(default_factory=dict, description="the answers the citizen gave")

    @field_validator("form")
    @classmethod
    def _form_size(cls, value: dict[str, Any]) -> dict[str, Any]:
        return check_form_size(value)


class QueryResult(BaseModel):
    """What a kiosk shows on screen and prints for a record query; personal values already masked."""

    title: str
    fields: dict[str, str] = Field(description="label -> value, in display order")
    lines: list[str]
    footer: str
    as_of: dt.datetime = Field(description="when the data was current")
