"""Tables of kiosk enrolment: one-time pairing codes, and failed code attempts per source (for throttling)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models import Base


class KioskPairing(Base):
    """A pairing code a kiosk exchanges once for its token; only a keyed hash of the code is kept.

    A newer code for the same kiosk replaces an unused older one (the row is deleted), so at most one
    code per kiosk is live at any time.
    """

    __tablename__ = "kiosk_pairings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]


class EnrolFailure(Base):
    """One wrong, expired or used code sent to POST /api/v1/enrol, by source address.

    Kept in the database, not in a node's memory, so the limit holds across several hub nodes.
    """

    __tablename__ = "enrol_failures"
    __table_args__ = (Index("ix_enrol_failures_source_at", "source", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(index=True)
