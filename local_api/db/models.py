"""Typed SQLAlchemy 2 models of kioskd's database. Personal data is never stored in clear here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class DeviceEvent(Base):
    """A device's status change, kept for the technician's history and the fleet view."""

    __tablename__ = "device_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    device: Mapped[str] = mapped_column(String(32), index=True)
    health: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text, default="")
    sensors: Mapped[dict] = mapped_column(JSON, default=dict)


class SessionAudit(Base):
    """What happened in a session, without who: ids, item codes, steps and event types only."""

    __tablename__ = "session_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    session_id: Mapped[str] = mapped_column(String(64), index=True)
    item_code: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(64))
    event: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(32), default="")


class ConsentRecord(Base):
    """A citizen's personal-information consent: which text version, when, for which session.

    The consent is evidence that must outlive the session, so it holds only a keyed hash of the
    ID number, never the number itself.
    """

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    session_id: Mapped[str] = mapped_column(String(64), index=True)
    item_code: Mapped[str] = mapped_column(String(64))
    text_version: Mapped[str] = mapped_column(String(64))
    accepted: Mapped[bool] = mapped_column()
    subject_hash: Mapped[str] = mapped_column(String(64), default="")
