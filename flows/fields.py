"""Pure validation of form values and ID numbers (GB 11643-1999), with messages a citizen can act on."""

from __future__ import annotations

import re
from datetime import date

from flows.model import Field

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
_DATE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})$")


def id_number_valid(value: str) -> bool:
    """True when ``value`` is an 18-character 公民身份号码 with a correct check digit and birth date."""
    value = value.strip().upper()
    if len(value) != 18 or not value[:17].isdigit() or value[17] not in "0123456789X":
        return False
    total = sum(int(ch) * w for ch, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17] and parse_date(value[6:14]) is not None


def id_check_digit(first17: str) -> str:
    """The check digit for the first 17 digits of an ID number."""
    return _ID_CHECK[sum(int(ch) * w for ch, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


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
            if not id_number_valid(upper):
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
