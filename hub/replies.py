"""Kiosk requests sent with an Idempotency-Key whose answer is kept, so that a repeat gets the first answer.

Cases, ratings and queue tickets carry their key on their own row. A batch of local tickets or a
callback request has no such row (a batch makes many or none; a callback may replace an earlier
number), so its answer is kept here, written in the transaction that does the work: either both
are there or neither. A repeat of the key, however late and whatever happened since, gets that
answer again and does nothing; the same key with a different request is refused.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse, Response

from hub.db.models import KioskReply
from hub.personal import Keys

LOCAL_TICKETS = "local_tickets"
CALLBACK = "callback"
REPLAYED = "Idempotent-Replayed"  # header on a repeat's answer, for people reading logs and traces

Writer = Callable[[], AbstractContextManager[Session]]
Work = Callable[[Session], tuple[int, Any]]


class KeyReused(Exception):
    """An Idempotency-Key this kiosk already used for a different request of the same kind."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: str  # JSON text
    replayed: bool

    def response(self) -> Response:
        headers = {REPLAYED: "true"} if self.replayed else None
        return Response(self.body, status_code=self.status, media_type="application/json", headers=headers)


def key_reused() -> JSONResponse:
    """The 409 for a key sent again with a different request."""
    detail = "this Idempotency-Key was already used for a different request; use a new key for a new request"
    return JSONResponse({"detail": detail, "code": "key_reused"}, status_code=409)


def request_mac(keys: Keys, kind: str, request: Any) -> str:
    """What makes two requests "the same", keyed so that a phone number in one cannot be guessed back."""
    return keys.request_mac(json.dumps([kind, request], sort_keys=True, ensure_ascii=False, separators=(",", ":")))


def once(
    write: Writer, kiosk_id: str, kind: str, key: str | None, mac: str, now: dt.datetime, work: Work
) -> Reply:
    """Run ``work`` (status, JSON-able body) and keep its answer under the key, or give the kept answer again.

    Without a key the work just runs. A racing copy of the request that commits first makes ours
    fail on a unique constraint; the next pass then finds its answer (or, unkeyed, redoes the work).
    """
    for attempt in (1, 2, 3):
        try:
            with write() as db, db.begin():
                if key is not None and (kept := _kept(db, kiosk_id, kind, key)) is not None:
                    if kept.request_mac != mac:
                        raise KeyReused(key)
                    return Reply(kept.status_code, kept.body, replayed=True)
                status, body = work(db)
                text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
                if key is not None:
                    db.add(KioskReply(kiosk_id=kiosk_id, kind=kind, idempotency_key=key, request_mac=mac,
                                      status_code=status, body=text, created_at=now))  # fmt: skip
                    db.flush()
                return Reply(status, text, replayed=False)
        except IntegrityError:
            if attempt == 3:
                raise
    raise AssertionError("unreachable")


def _kept(db: Session, kiosk_id: str, kind: str, key: str) -> KioskReply | None:
    return db.scalar(
        select(KioskReply).where(
            KioskReply.kiosk_id == kiosk_id, KioskReply.kind == kind, KioskReply.idempotency_key == key
        )
    )
