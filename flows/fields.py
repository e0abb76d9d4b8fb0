"""Form values: pure validation with messages a citizen can act on, and how a value shows on screen."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from common import idnumber
from common.masking import mask_address, mask_id, mask_name
from flows.model import Field

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
_DATE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})$")


def parse_date(value: str) -> date | None:
    """``YYYY-MM-DD`` or ``YYYYMMDD`` to a date, None when it is not a real date."""
    match = _DATE.match(value.strip())
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def age_on(birth: str, today: date) -> int | None:
    """Whole years between a birth date string and ``today``."""
    born = parse_date(birth)
    if born is None:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def check_field(field: Field, raw: object) -> tuple[str, str]:
    """Return (normalised value, error message); the message is empty when the value is fine."""
    value = "" if raw is None else str(raw).strip()
    if not value:
        return "", (f"请填写{field.label}" if field.required else "")
    if len(value) > field.max_length:
        return value, f"{field.label}不能超过{field.max_length}个字"
    match field.type:
        case "phone":
            compact = value.replace(" ", "")
            if not (_MOBILE.match(compact) or _LANDLINE.match(compact)):
                return value, f"{field.label}应为11位手机号码或带区号的固定电话"
            return compact, ""
        case "date":
            parsed = parse_date(value)
            if parsed is None:
                return value, f"{field.label}应为有效日期，例如 2024-05-01"
            return parsed.isoformat(), ""
        case "id_number":
            upper = value.upper()
            if not idnumber.is_valid(upper):
                return value, f"{field.label}应为18位有效身份证号码，请核对"
            return upper, ""
        case "number":
            try:
                number = float(value)
            except ValueError:
                return value, f"{field.label}应为数字"
            if field.min is not None and number < field.min:
                return value, f"{field.label}不能小于{field.min:g}"
            if field.max is not None and number > field.max:
                return value, f"{field.label}不能大于{field.max:g}"
            return value, ""
        case "choice":
            if value not in field.choices:
                return value, f"请从列出的选项中选择{field.label}"
            return value, ""
        case "address":
            if len(value) < 5:
                return value, f"{field.label}请填写到街道门牌号"
            return value, ""
        case _:
            return value, ""


_SCREEN_MASKS = {"name": mask_name, "id_number": mask_id, "address": mask_address}


def on_screen(field: Field, value: str, card: dict[str, Any] | None) -> tuple[str, bool]:
    """A form value as the screen shows it: what came from the ID card (name, number, address) is masked,
    as on paper, so a bystander reads nothing off the screen; what the citizen typed is shown to check.
    Returns (shown, masked)."""
    kind = field.prefill if field.prefill in _SCREEN_MASKS else ("id_number" if field.type == "id_number" else None)
    if kind and value and card and value == str(card.get(kind) or ""):
        return _SCREEN_MASKS[kind](value), True
    return value, False
