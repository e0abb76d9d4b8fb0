"""A certificate request repeated with its Idempotency-Key gets the certificate first issued, never a second code.

The kiosk repeats a request when the answer was lost (the hub or kioskd restarted, the connection
broke). The first answer, signed PDF included, is kept under the key for ``KEEP`` only: long enough
for such a retry, and the PDF is not kept longer than that (the answer is then cut to its code). A
repeat after that is told the code it already has and that the PDF is gone, so nothing is issued twice.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.db.models import KioskReply
from hub.intake import utc
from hub.replies import KeyReused

KIND = "certificate"
KEEP = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class Kept:
    body: str  # the JSON answer, or the code only once the PDF is gone
    whole: bool


def find(db: Session, kiosk_id: str, key: str, mac: str, now: dt.datetime) -> Kept | None:
    """The answer kept for this kiosk's key (KeyReused when the key came with another request)."""
    row = db.scalar(select(KioskReply).where(
        KioskReply.kiosk_id == kiosk_id, KioskReply.kind == KIND, KioskReply.idempotency_key == key))
    if row is None:
        return None
    if row.request_mac != mac:
        raise KeyReused(key)
    whole = utc(row.created_at) > now - KEEP and "pdf_base64" in row.body
    return Kept(row.body if whole else json.dumps({"code": json.loads(row.body)["code"]}), whole)


def keep(db: Session, kiosk_id: str, key: str, mac: str, body: str, now: dt.datetime) -> bool:
    """Keep the first answer under the key; False when a racing copy of the request kept one first."""
    try:
        with db.begin_nested():
            db.add(KioskReply(kiosk_id=kiosk_id, kind=KIND, idempotency_key=key, request_mac=mac,
                              status_code=200, body=body, created_at=now))
    except IntegrityError:
        return False
    return True


def forget_pdfs(db: Session, now: dt.datetime) -> None:
    """Cut kept answers past ``KEEP`` to their code: the hub keeps no certificate's PDF beyond a retry's reach."""
    kept = db.scalars(select(KioskReply).where(KioskReply.kind == KIND, KioskReply.body.contains("pdf_base64")))
    for row in list(kept):
        if utc(row.created_at) <= now - KEEP:
            row.body = json.dumps({"code": json.loads(row.body)["code"]})
