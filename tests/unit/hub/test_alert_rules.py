"""An alert is raised once its problem lasted the rule's delay, and cleared once it has been gone long enough."""

from __future__ import annotations

import datetime as dt

import pytest

from hub.alerts import advance

T0 = dt.datetime(2026, 11, 21, 2, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


@pytest.mark.parametrize(("raised", "absent", "present", "now", "delay", "expected"), [
    (None, None, True, 0, 0, "raise"),          # paper out: at once
    (None, None, True, 299, 300, "keep"),       # a device offline: not yet
    (None, None, True, 300, 300, "raise"),      # ... now it has lasted
    (None, None, False, 100, 300, "drop"),      # back before its delay: never news
    (0, None, True, 500, 0, "keep"),            # still there
    (0, None, False, 500, 0, "absent"),         # gone: the clock for clearing starts
    (0, 400, True, 500, 0, "back"),             # back within the hold: same alert, no new one
    (0, 400, False, 519, 0, "keep"),            # gone 119 s of 120
    (0, 400, False, 520, 0, "clear"),           # gone 120 s: cleared
])
def test_advance(raised, absent, present, now, delay, expected):
    assert advance(since=T0, raised_at=None if raised is None else at(raised),
                   absent_since=None if absent is None else at(absent), present=present, now=at(now),
                   delay_s=delay, clear_s=120) == expected


def test_without_a_hold_a_gone_problem_clears_at_once():
    assert advance(since=T0, raised_at=T0, absent_since=None, present=False, now=at(1), delay_s=0,
                   clear_s=0) == "clear"
