"""The record of what was issued: stored when a certificate is signed, read by the check page, revoked by staff."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db.certificate_models import IssuedCertificate
from hub.intake import utc


class UnknownCode(LookupError):
    """No certificate carries this code."""


@dataclass(frozen=True)
class Revoked:
    code: str
    already: bool
    at: dt.datetime


def find(db: Session, code: str) -> IssuedCertificate | None:
    return db.scalar(select(IssuedCertificate).where(IssuedCertificate.code == code))


def revoke(db: Session, code: str, reason: str, now: dt.datetime) -> Revoked:
    """Mark a certificate revoked (the first revocation's date and reason stand)."""
    row = find(db, code)
    if row is None:
        raise UnknownCode(code)
    if row.revoked_at is not None:
        return Revoked(code, True, utc(row.revoked_at))
    row.revoked_at, row.revoke_reason = now, reason
    return Revoked(code, False, now)


def recent(db: Session, limit: int = 50) -> list[IssuedCertificate]:
    return list(db.scalars(select(IssuedCertificate).order_by(IssuedCertificate.id.desc()).limit(limit)))
