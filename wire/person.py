"""A person's document as it travels: its GA/T 2000.156 type and number, the 居民身份证 number checked."""

from __future__ import annotations

import json
from typing import Any

from pydantic import Field, ValidationInfo, field_validator

from common import idnumber
from wire.base import Strict

RESIDENT_ID = "111"  # GA/T 2000.156 document type of the 居民身份证, the one number checked offline
FORM_MAX_BYTES = 64 * 1024


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


def check_form_size(value: dict[str, Any]) -> dict[str, Any]:
    """The citizen's answers, refused when larger than ``FORM_MAX_BYTES`` of JSON."""
    if len(json.dumps(value, ensure_ascii=False).encode()) > FORM_MAX_BYTES:
        raise ValueError(f"form data may be at most {FORM_MAX_BYTES} bytes of JSON")
    return value
