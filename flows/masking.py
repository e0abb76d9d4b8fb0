"""Masks for personal data shown on screen or paper (GB/T 35273 §7.2): ``张*``, ``6401**********123X``."""

from __future__ import annotations


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


def mask_phone(phone: str | None) -> str:
    """Keep the first three and last four digits of a mobile number."""
    phone = (phone or "").strip()
    if len(phone) < 8:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
