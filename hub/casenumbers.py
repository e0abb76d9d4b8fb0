"""办件编号: item code + yyyyMMdd (hall date) + a per-item, per-day sequence of at least 4 digits.

Example: ``11640100MB1D00000A4410800110020261121`` + ``0001``. GB/T 39046 allows 50 characters;
item codes are limited to 36 so a number fits even past 9,999 cases of one item in a day. The
sequence is bumped with an upsert inside the case's own transaction, so a rolled-back submission
gives its number back and numbers stay gapless and unique under concurrency.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hub.db.models import CaseCounter
from wire.application import ITEM_CODE_MAX

SEQ_DIGITS = 4
_CASE_NO = re.compile(rf"^(?P<item>[0-9A-Za-z-]{{1,{ITEM_CODE_MAX}}})(?P<day>\d{{8}})(?P<seq>\d{{{SEQ_DIGITS},}})$")


def format_case_no(item_code: str, day: dt.date, seq: int) -> str:
    """The case number for the seq-th case of item_code on day."""
    if seq < 1:
        raise ValueError("sequence numbers start at 1")
    return f"{item_code}{day:%Y%m%d}{seq:0{SEQ_DIGITS}d}"


def parse_case_no(case_no: str) -> tuple[str, dt.date, int] | None:
    """(item code, day, seq) when case_no has the hub's shape, else None; ambiguous past 4 digits."""
    m = _CASE_NO.match(case_no)
    if not m:
        return None
    try:
        day = dt.datetime.strptime(m["day"], "%Y%m%d").date()
    except ValueError:
        return None
    return m["item"], day, int(m["seq"])


def next_sequence(db: Session | Connection, scope: str, day: dt.date) -> int:
    """Take the next number for scope on day; the row stays locked until the caller's transaction ends."""
    dialect = db.get_bind().dialect.name if isinstance(db, Session) else db.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(CaseCounter)
        .values(scope=scope, day=f"{day:%Y%m%d}", last=1)
        .on_conflict_do_update(index_elements=[CaseCounter.scope, CaseCounter.day], set_={"last": CaseCounter.last + 1})
        .returning(CaseCounter.last)
    )
    return int(db.execute(stmt).scalar_one())
