"""Tables of issued certificates (证明): what was issued to whom and when, never the PDF; the check page's throttle."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models import Base


class IssuedCertificate(Base):
    """One certificate the hub signed: enough to say on the check page whether a paper or file is genuine.

    The PDF itself is made on request and handed to the kiosk; only its SHA-256 is kept here.
    """

    __tablename__ = "issued_certificates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # 16 characters, without the hyphens shown
    kind: Mapped[str] = mapped_column(String(40))
    holder_id_type: Mapped[str] = mapped_column(String(3))
    holder_index: Mapped[str] = mapped_column(String(64), index=True)  # keyed hash of type and number
    holder_id_masked: Mapped[str] = mapped_column(String(40))
    holder_name_masked: Mapped[str] = mapped_column(String(100))
    period_from: Mapped[str | None] = mapped_column(String(7))
    period_to: Mapped[str | None] = mapped_column(String(7))
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"))
    identity_check: Mapped[str] = mapped_column(String(16))
    identity_score: Mapped[float | None] = mapped_column(Float)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    signer_sha256: Mapped[str] = mapped_column(String(64))  # which signing certificate; survives a key change
    issued_at: Mapped[dt.datetime]
    valid_until: Mapped[dt.date] = mapped_column(Date)
    revoked_at: Mapped[dt.datetime | None]
    revoke_reason: Mapped[str | None] = mapped_column(String(200))


class VerifyThrottle(Base):
    """Check-page requests per source and time window, in the database so every hub node counts the same."""

    __tablename__ = "verify_throttle"

    source: Mapped[str] = mapped_column(String(64), primary_key=True)  # keyed hash of the address, not the address
    window: Mapped[int] = mapped_column(Integer, primary_key=True)  # start of the window, seconds since the epoch
    lookups: Mapped[int] = mapped_column(Integer)
    misses: Mapped[int] = mapped_column(Integer)
