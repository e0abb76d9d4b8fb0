"""办件编号 format and the per-day counter."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import create_engine

from hub.casenumbers import format_case_no, next_sequence, parse_case_no
from hub.db.models import Base

DAY = dt.date(2026, 11, 21)


def test_format_is_item_code_date_and_four_digit_sequence():
    assert format_case_no("11640100MB1D", DAY, 7) == "11640100MB1D202611210007"
    assert format_case_no("X", DAY, 12345) == "X2026112112345"
    with pytest.raises(ValueError):
        format_case_no("X", DAY, 0)


def test_parse_round_trips_and_rejects_other_shapes():
    assert parse_case_no("11640100MB1D202611210007") == ("11640100MB1D", DAY, 7)
    assert parse_case_no("ABC20261340" + "0001") is None
    assert parse_case_no("../etc/passwd") is None


def test_counter_is_per_scope_and_day():
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        seqs = [next_sequence(conn, "A", DAY) for _ in range(3)]
        other_item = next_sequence(conn, "B", DAY)
        next_day = next_sequence(conn, "A", DAY + dt.timedelta(days=1))
    assert (seqs, other_item, next_day) == ([1, 2, 3], 1, 1)
