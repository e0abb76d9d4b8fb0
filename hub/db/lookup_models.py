"""Tables of kiosks kept in their lane: one audit row per lookup by ID number, and alerts on the fleet view."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models import Base


class IdLookup(Base):
    """A kiosk asked for someone's records by ID number: who, what, whose (keyed hash only), when, and the outcome.

    Outcomes: ``found``, ``none`` (no record), ``refused`` (over the kiosk's limit), ``asked`` (the answer
    failed before it could be told). Staff search these by kiosk or by the person's number (hashed alike).
    """

    __tablename__ = "id_lookups"
    __table_args__ = (
        Index("ix_id_lookups_kiosk_at", "kiosk_id", "at"),
        Index("ix_id_lookups_person_at", "person_index", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    site_id: Mapped[str] = mapped_column(String(64))
    what: Mapped[str] = mapped_column(String(64))
    id_type: Mapped[str] = mapped_column(String(3))
    person_index: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(12))
    at: Mapped[dt.datetime] = mapped_column(index=True)


class KioskAlert(Base):
    """Something about a kiosk staff must look at (a burst of lookups); no personal data, cleared by staff."""

    __tablename__ = "kiosk_alerts"
    __table_args__ = (Index("ix_kiosk_alerts_kiosk_open", "kiosk_id", "cleared_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(300))
    raised_at: Mapped[dt.datetime]
    cleared_at: Mapped[dt.datetime | None]
    cleared_by: Mapped[str | None] = mapped_column(String(64))
