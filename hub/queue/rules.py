"""The queue's pure rules: ticket numbers, hall days, priority, calling order, opening hours and wait estimates."""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from hub.queue.errors import BadWeights

WAITING = "waiting"
CALLED = "called"
DONE = "done"
NO_SHOW = "no_show"
EXPIRED = "expired"
CODE = re.compile(r"^[a-z0-9_]{1,32}$")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
CATEGORIES = ("elderly", "pregnant", "disability", "appointment")
DECLARED = ("pregnant", "disability")
DEFAULT_WEIGHTS = {"elderly": 2, "pregnant": 3, "disability": 3, "appointment": 1}
MAX_WEIGHT = 9
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueuePolicy:
    """How the line is ordered and estimated; built from the hub's settings."""

    weights: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    max_streak: int = 3
    elderly_age: int = 60
    samples: int = 10
    window_idle_minutes: int = 30


def parse_weights(values: dict[str, object]) -> dict[str, int]:
    """A site's weights as given (category → 0..9); raises BadWeights naming what is wrong."""
    out: dict[str, int] = {}
    for category, value in values.items():
        if category not in CATEGORIES:
            raise BadWeights(f"unknown priority category {category!r}; use {', '.join(CATEGORIES)}")
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_WEIGHT:
            raise BadWeights(f"{category}: a weight is a whole number from 0 (off) to {MAX_WEIGHT}, not {value!r}")
        out[category] = value
    return out


def site_weights(defaults: dict[str, int], stored: str | None) -> dict[str, int]:
    """The hub's weights with a site's own over them (set by ``kioskhub queue set-weights``)."""
    if not stored:
        return dict(defaults)
    try:
        return {**defaults, **parse_weights(json.loads(stored))}
    except (ValueError, TypeError, AttributeError):  # a hand-edited row: the defaults, never a crash at the kiosk
        log.warning("a site's queue weights are unreadable; using the hub's", extra={"stored": stored[:80]})
        return dict(defaults)


@dataclass(frozen=True)
class InLine:
    """What the calling order needs to know about one waiting ticket."""

    id: int
    weight: int
    issued_at: dt.datetime


def ticket_number(prefix: str, seq: int) -> str:
    return f"{prefix}{seq:03d}"


def hall_day(now: dt.datetime, zone: ZoneInfo) -> str:
    return f"{now.astimezone(zone).date():%Y%m%d}"


def estimate_minutes(people_ahead: int, minutes_per_person: float, windows: int) -> int:
    """Whole minutes until this person is served, with `windows` counters working in parallel."""
    return math.ceil(people_ahead * minutes_per_person / max(windows, 1))


def minutes_per_person(durations: Sequence[float], samples: int, configured: float) -> float:
    """Median of the last `samples` service times (minutes), or the configured figure until there are that many."""
    if samples < 1 or len(durations) < samples:
        return configured
    return float(statistics.median(durations[:samples]))


def age_on(birth: dt.date, day: dt.date) -> int:
    """Age in whole years on `day`; someone born on 29 February turns a year older on 1 March."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def priority_for(
    declared: str | None, birth: dt.date | None, day: dt.date, policy: QueuePolicy
) -> tuple[str | None, int]:
    """(category, weight) of a new ticket: the heaviest of what was declared and age 60+ on the hall date."""
    found = [declared] if declared else []
    if birth is not None and age_on(birth, day) >= policy.elderly_age:
        found.append("elderly")
    best = max(found, key=lambda c: policy.weights.get(c, 0), default=None)
    weight = policy.weights.get(best, 0) if best else 0
    return (best, weight) if weight > 0 else (None, 0)


def calling_order(line: Sequence[InLine], streak: int, max_streak: int) -> list[int]:
    """Ticket ids in the order counters will call them, given `streak` priority calls just made in a row."""
    priority = sorted((t for t in line if t.weight > 0), key=lambda t: (-t.weight, t.issued_at, t.id))
    normal = sorted((t for t in line if t.weight <= 0), key=lambda t: (t.issued_at, t.id))
    order: list[int] = []
    i = j = 0
    while i < len(priority) or j < len(normal):
        if i < len(priority) and (j >= len(normal) or streak < max_streak):
            order.append(priority[i].id)
            i, streak = i + 1, streak + 1
        else:
            order.append(normal[j].id)
            j, streak = j + 1, 0
    return order


def calls_before(priority: bool, rank: int, others: int, streak: int, max_streak: int) -> int:
    """How many calls come before a waiting ticket: the same as its index in calling_order, from counts alone.

    rank: tickets of its own kind called before it among themselves; others: waiting tickets of the other kind.
    """
    calls = 0
    if priority:
        normals = others
        while True:
            if normals == 0 or streak < max_streak:
                if rank == 0:
                    return calls
                rank, streak = rank - 1, streak + 1
            else:
                normals, streak = normals - 1, 0
            calls += 1
    priorities = others
    while True:
        if priorities > 0 and streak < max_streak:
            priorities, streak = priorities - 1, streak + 1
        else:
            if rank == 0:
                return calls
            rank, streak = rank - 1, 0
        calls += 1


def trailing_streak(weights_newest_first: Sequence[int]) -> int:
    """How many of the latest calls in a row were priority tickets."""
    n = 0
    for weight in weights_newest_first:
        if weight <= 0:
            break
        n += 1
    return n


def is_open(opens: str | None, closes: str | None, local: dt.time) -> bool:
    """Whether a service with these hours (HH:MM, hall time) takes numbers at `local`; no hours means always."""
    if not opens or not closes:
        return True
    return opens <= f"{local:%H:%M}" < closes


def range_full(seq: int, start: int, end: int | None, daily_limit: int | None) -> bool:
    """Whether the seq-th number lies past the number range or the daily limit."""
    return (end is not None and seq > end) or (daily_limit is not None and seq - start + 1 > daily_limit)
