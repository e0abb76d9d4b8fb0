"""A 好差评 rating (``POST /api/v1/ratings``): the five levels by name, reasons for a bad one."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Literal

from pydantic import Field, field_validator, model_validator

from wire.base import Strict


class Level(StrEnum):
    """好差评 five levels, stored by name (sources disagree on numeric order)."""

    very_satisfied = "very_satisfied"
    satisfied = "satisfied"
    basically_satisfied = "basically_satisfied"
    dissatisfied = "dissatisfied"
    very_dissatisfied = "very_dissatisfied"


BAD_LEVELS = {Level.dissatisfied, Level.very_dissatisfied}
Channel = Literal["pc", "mobile", "qr_code", "hall_tablet", "self_service_terminal"]


class Rating(Strict):
    """A rating as the kiosk stores it, before its case has the hub's number."""

    level: Level
    channel: Channel = "self_service_terminal"
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
    def _bad_needs_reason(self) -> Rating:
        if self.level in BAD_LEVELS and not self.reasons:
            raise ValueError("a dissatisfied rating needs at least one reason in 'reasons'")
        if self.rated_at is not None and self.rated_at.tzinfo is None:
            raise ValueError("rated_at must carry a UTC offset")
        return self


class RatingIn(Rating):
    """POST /api/v1/ratings body: the rating and the hub's case number it is about."""

    case_no: str = Field(min_length=1, max_length=64)
