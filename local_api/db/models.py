"""Typed SQLAlchemy 2 models of kioskd's database. Personal data is never stored in clear here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, LargeBinary, String, Text, UniqueConstraint
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


class OutboxEntry(Base):
    """A submission stored before the citizen is told it was received, until the hub acknowledges it.

    ``payload`` is the encrypted JSON of the submission (personal data); it and the files are
    deleted once the hub has acknowledged the entry. ``provisional_no`` is what the citizen's
    receipt shows while the hub is unreachable; the real ``case_no`` can be looked up by it later.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # case | rating | notice
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    provisional_no: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    depends_on: Mapped[str | None] = mapped_column(String(64), nullable=True)  # a rating's case provisional_no
    item_code: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), index=True)  # pending | acked | failed
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    case_no: Mapped[str | None] = mapped_column(String(64), nullable=True)
    acked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    payload: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    files_dir: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # Whose case it is, as a keyed hash of the ID (never the number): finds a repeat application and the
    # citizen's own pending cases by their card.
    subject_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    # Did the citizen learn the outcome? "" stored, "shown" number on screen, "receipted" receipt printed
    # or the session went on past it, "missed" the citizen left without it (the hub is told).
    outcome: Mapped[str] = mapped_column(String(16), default="")
    # The sealed session as it stood at the submit, kept only until the citizen learns the outcome, so a
    # kioskd killed in between can show the number and print the receipt after its restart.
    resume: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class Counter(Base):
    """A durable counter (provisional numbers): never reused, whatever the retention purges."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class LocalTicket(Base):
    """A queue number the kiosk issued from its own block while the hub was away, until the hub has it.

    No personal data: number, service, time and priority category only.
    """

    __tablename__ = "local_tickets"
    __table_args__ = (UniqueConstraint("hall_day", "number", name="uq_local_tickets_day_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(16))
    hall_day: Mapped[str] = mapped_column(String(8))  # YYYYMMDD in the hall's time zone
    service: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[str] = mapped_column(String(40))  # ISO 8601 with the hall's offset, as reported
    priority_category: Mapped[str | None] = mapped_column(String(16), nullable=True)
    state: Mapped[str] = mapped_column(String(16), index=True)  # pending | reported | rejected
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    reported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
