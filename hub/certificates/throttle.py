"""Per-source limits on the check page, counted in the database so that every hub node counts the same.

Two counts per source and window: all requests, and lookups of codes that do not exist. Checkers
(a bank's front office behind one address) make many good lookups; someone guessing codes makes
misses, and a handful of misses per window makes guessing a 75-bit code hopeless. The source is kept
as a keyed hash of its address, never the address.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hub.db.certificate_models import VerifyThrottle


@dataclass(frozen=True)
class Limits:
    window_seconds: int
    lookups: int
    misses: int


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window ends


def window_of(now: dt.datetime, seconds: int) -> int:
    epoch = int(now.timestamp())
    return epoch - epoch % seconds


def admit(db: Session, source: str, now: dt.datetime, limits: Limits) -> Verdict:
    """Count one request from ``source``; refused once either count of this window is spent."""
    window = window_of(now, limits.window_seconds)
    retry = window + limits.window_seconds - int(now.timestamp())
    row = _bump(db, source, window, lookups=1, misses=0)
    allowed = row[0] <= limits.lookups and row[1] < limits.misses
    if window % (limits.window_seconds * 16) == 0:  # now and then, forget windows long gone
        db.execute(delete(VerifyThrottle).where(VerifyThrottle.window < window - limits.window_seconds))
    return Verdict(allowed, max(retry, 1))


def missed(db: Session, source: str, now: dt.datetime, limits: Limits) -> None:
    """Count a lookup of a code that does not exist (or cannot be one)."""
    _bump(db, source, window_of(now, limits.window_seconds), lookups=0, misses=1)


def _bump(db: Session, source: str, window: int, lookups: int, misses: int) -> tuple[int, int]:
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(VerifyThrottle).values(source=source, window=window, lookups=lookups, misses=misses)
    stmt = stmt.on_conflict_do_update(
        index_elements=["source", "window"],
        set_={"lookups": VerifyThrottle.lookups + lookups, "misses": VerifyThrottle.misses + misses},
    ).returning(VerifyThrottle.lookups, VerifyThrottle.misses)
    found = db.execute(stmt).one()
    return int(found[0]), int(found[1])
