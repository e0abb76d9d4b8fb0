"""How many wrong pairing codes one source address may send: 10 in 15 minutes, then it waits.

Ten guesses per quarter hour against 8.5·10^11 codes, each live for half an hour, leave a guesser
no chance, while a technician who mistypes a few times is never in the way. The failures are rows
in the database, so the limit holds across hub nodes behind a load balancer. The source is the
client address uvicorn reports (its ``--forwarded-allow-ips`` decides whether a proxy's
X-Forwarded-For is believed).
"""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hub.db.enrol_models import EnrolFailure

MAX_FAILURES = 10
WINDOW = dt.timedelta(minutes=15)


def retry_after(db: Session, source: str, now: dt.datetime) -> int | None:
    """Seconds ``source`` must wait before its next try, or None when it may try now."""
    since = now - WINDOW
    count, oldest = db.execute(select(func.count(), func.min(EnrolFailure.at))
                               .where(EnrolFailure.source == source[:64], EnrolFailure.at > since)).one()
    if count < MAX_FAILURES or oldest is None:
        return None
    oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=dt.UTC)
    return max(1, math.ceil((oldest + WINDOW - now).total_seconds()))


def record_failure(db: Session, source: str, now: dt.datetime) -> None:
    db.add(EnrolFailure(source=source[:64], at=now))
    db.execute(delete(EnrolFailure).where(EnrolFailure.at <= now - WINDOW))  # nothing older ever counts
