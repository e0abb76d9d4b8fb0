"""Ticket and receipt templates: masked personal data, required fields, defined errors."""

from __future__ import annotations

import pytest

from drivers.printer.document import InvalidDocument, QrCode
from drivers.printer.templates import acceptance_receipt, queue_ticket


def test_ticket_carries_the_qr_and_never_the_full_name():
    doc = queue_ticket(number="A012", service="社保业务", waiting=0, issued_at="2026-11-21 09:30",
                       qr="https://x.example/q?t=A012", name="张三丰")
    dumped = repr(doc)
    assert "张三丰" not in dumped and "张*丰" in dumped
    assert [b.data for b in doc.blocks if isinstance(b, QrCode)] == ["https://x.example/q?t=A012"]


def test_ticket_refuses_nonsense():
    with pytest.raises(InvalidDocument, match="negative"):
        queue_ticket(number="A1", service="x", waiting=-1, issued_at="t")
    with pytest.raises(InvalidDocument, match="number"):
        queue_ticket(number=" ", service="x", waiting=1, issued_at="t")


def test_receipt_needs_exactly_one_number():
    common = dict(item="x", applicant="张三", materials=[], promised_date="2026-11-28", progress="p",
                  submitted_at="2026-11-21 09:00")
    with pytest.raises(InvalidDocument, match="exactly one"):
        acceptance_receipt(**common)
    with pytest.raises(InvalidDocument, match="exactly one"):
        acceptance_receipt(**common, case_number="1", provisional_number="2")
    assert "申报回执" in repr(acceptance_receipt(**common, provisional_number="T-1"))
