"""Masks for personal data shown on screen or paper (GB/T 35273 §7.2): ``张*``, ``6401**********123X``."""

from __future__ import annotations

from typing import Any


def mask_name(name: str | None) -> str:
    """Keep the first character (the family name in most Chinese names)."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_id(number: str | None) -> str:
    """Keep the first four and last four characters."""
    number = (number or "").strip()
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_address(address: str | None) -> str:
    """Keep the place down to the district or county (北京市东城区****); the street and number go."""
    address = (address or "").strip()
    if not address:
        return ""
    # the first 区/县/旗 after the city (自治区 names a province, 小区 comes after the district)
    city = address.find("市") + 1
    ends = [i + 1 for i in (address.find(mark, city) for mark in "区县旗") if i >= 0]
    keep = min(ends) if ends else min(6, len(address) // 2)
    return address[:keep] + "*" * 4


_SCREEN_MASKS = {"name": mask_name, "id_number": mask_id, "address": mask_address}


def on_screen(field: Any, value: str, card: dict[str, Any] | None) -> tuple[str, bool]:
    """A form value as the screen shows it: what came from the ID card (name, number, address) is masked,
    as on paper, so a bystander reads nothing off the screen; what the citizen typed is shown to check.
    ``field`` has ``prefill`` and ``type``. Returns (shown, masked)."""
    kind = field.prefill if field.prefill in _SCREEN_MASKS else ("id_number" if field.type == "id_number" else None)
    if kind and value and card and value == str(card.get(kind) or ""):
        return _SCREEN_MASKS[kind](value), True
    return value, False


def mask_phone(phone: str | None) -> str:
    """Keep the first three and last four digits of a mobile number."""
    phone = (phone or "").strip()
    if len(phone) < 8:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
