"""The queue's pure rules: calling order with weights and the anti-starvation streak, age, hours, ranges, estimates."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.appointments import Windows, verdict
from hub.queue.rules import (
    InLine,
    QueuePolicy,
    age_on,
    calling_order,
    calls_before,
    estimate_minutes,
    is_open,
    minutes_per_person,
    priority_for,
    range_full,
    ticket_number,
    trailing_streak,
)

T0 = dt.datetime(2026, 11, 21, 1, 0, tzinfo=dt.UTC)


def line(*weights: int) -> list[InLine]:
    return [InLine(i, w, T0 + dt.timedelta(minutes=i)) for i, w in enumerate(weights)]


def test_heavier_priority_first_then_issue_order():
    assert calling_order(line(0, 2, 0, 3, 2), streak=0, max_streak=3) == [3, 1, 4, 0, 2]


def test_after_max_streak_priority_calls_a_normal_ticket_goes():
    assert calling_order(line(0, 1, 1, 1, 1, 0), streak=0, max_streak=2) == [1, 2, 0, 3, 4, 5]
    # two priority calls were just made: the normal ticket is next
    assert calling_order(line(0, 1), streak=2, max_streak=2) == [0, 1]


def test_priority_calls_continue_when_nobody_normal_waits():
    assert calling_order(line(1, 1, 1, 1), streak=5, max_streak=2) == [0, 1, 2, 3]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 3), max_size=30), st.integers(0, 5), st.integers(1, 5))
def test_order_is_a_permutation_and_never_starves(weights, streak, max_streak):
    tickets = line(*weights)
    order = calling_order(tickets, streak, max_streak)
    assert sorted(order) == list(range(len(weights)))
    by_id = {t.id: t for t in tickets}
    run = streak
    normal_left = sum(1 for w in weights if w == 0)
    for tid in order:
        if by_id[tid].weight > 0:
            run += 1
            assert normal_left == 0 or run <= max(max_streak, streak)
        else:
            run, normal_left = 0, normal_left - 1
    normals = [t for t in order if by_id[t].weight == 0]
    assert normals == sorted(normals)  # normal tickets keep their issue order


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 3), max_size=30), st.integers(0, 5), st.integers(1, 5))
def test_counted_position_matches_the_calling_order(weights, streak, max_streak):
    tickets = line(*weights)
    order = calling_order(tickets, streak, max_streak)
    for t in tickets:
        mine = [o for o in tickets if (o.weight > 0) == (t.weight > 0)]
        if t.weight > 0:
            rank = sum(1 for o in mine if (-o.weight, o.issued_at, o.id) < (-t.weight, t.issued_at, t.id))
        else:
            rank = sum(1 for o in mine if (o.issued_at, o.id) < (t.issued_at, t.id))
        others = len(tickets) - len(mine)
        assert calls_before(t.weight > 0, rank, others, streak, max_streak) == order.index(t.id)


def test_trailing_streak_counts_the_latest_priority_calls():
    assert trailing_streak([2, 3, 0, 1]) == 2
    assert trailing_streak([0, 3]) == 0
    assert trailing_streak([]) == 0


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (dt.date(1966, 11, 21), dt.date(2026, 11, 21), 60),
        (dt.date(1966, 11, 22), dt.date(2026, 11, 21), 59),
        (dt.date(1964, 2, 29), dt.date(2024, 2, 29), 60),
        (dt.date(1965, 2, 28), dt.date(2025, 2, 28), 60),
        (dt.date(1964, 2, 29), dt.date(2023, 2, 28), 58),
        (dt.date(1964, 2, 29), dt.date(2023, 3, 1), 59),
    ],
)
def test_age_on_a_day(birth, day, age):
    assert age_on(birth, day) == age


def test_priority_takes_the_heaviest_category():
    policy = QueuePolicy()
    day = dt.date(2026, 11, 21)
    assert priority_for(None, dt.date(1950, 1, 1), day, policy) == ("elderly", 2)
    assert priority_for("pregnant", None, day, policy) == ("pregnant", 3)
    assert priority_for("disability", dt.date(1950, 1, 1), day, policy) == ("disability", 3)
    assert priority_for(None, dt.date(1990, 1, 1), day, policy) == (None, 0)
    no_elderly = QueuePolicy(weights={"elderly": 0, "pregnant": 3, "disability": 3, "appointment": 1})
    assert priority_for(None, dt.date(1950, 1, 1), day, no_elderly) == (None, 0)


def test_hours_and_ranges():
    assert is_open(None, None, dt.time(3, 0))
    assert not is_open("08:30", "17:30", dt.time(8, 29))
    assert is_open("08:30", "17:30", dt.time(8, 30)) and is_open("08:30", "17:30", dt.time(17, 29, 59))
    assert not is_open("08:30", "17:30", dt.time(17, 30))
    assert not range_full(999, 1, None, None) and ticket_number("A", 1000) == "A1000"
    assert range_full(1000, 1, 999, None)
    assert range_full(301, 1, None, 300) and not range_full(300, 1, None, 300)
    assert range_full(110, 11, None, 99) and not range_full(109, 11, None, 99)


def test_estimate_uses_the_median_once_there_are_enough_samples():
    assert minutes_per_person([4, 5], samples=3, configured=10) == 10
    assert minutes_per_person([4, 30, 5], samples=3, configured=10) == 5  # one long case does not skew it
    assert estimate_minutes(5, 5, 2) == 13 and estimate_minutes(0, 5, 1) == 0


def test_appointment_windows():
    w = Windows(dt.timedelta(minutes=30), dt.timedelta(minutes=15))
    start = T0
    assert verdict("booked", start, start - dt.timedelta(minutes=31), w) == "too_early"
    assert verdict("booked", start, start - dt.timedelta(minutes=30), w) == "ok"
    assert verdict("booked", start, start + dt.timedelta(minutes=15), w) == "ok"
    assert verdict("booked", start, start + dt.timedelta(minutes=15, seconds=1), w) == "too_late"
    assert verdict("no_show", start, start, w) == "too_late"
    assert verdict("checked_in", start, start + dt.timedelta(hours=3), w) == "already_checked_in"
