"""The hub's tables: sites, kiosks, cases, ratings, keyed replies, queue tickets, appointments, reference records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: DateTime(timezone=True), dict[str, Any]: JSON}


class Site(Base):
    """A place kiosks stand: a 政务服务大厅, a bank branch, a post office."""

    __tablename__ = "sites"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="hall")
    region_code: Mapped[str | None] = mapped_column(String(12))
    name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime]
    # JSON {"elderly": 2, ...}: this site's priority weights over the hub's (kioskhub queue set-weights)
    queue_weights: Mapped[str | None] = mapped_column(Text)


class Kiosk(Base):
    """A registered terminal; only the SHA-256 of its token is kept."""

    __tablename__ = "kiosks"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    last_seen_at: Mapped[dt.datetime | None]
    last_status: Mapped[dict[str, Any] | None]
    software_version: Mapped[str | None] = mapped_column(String(64))

    site: Mapped[Site] = relationship(lazy="joined")


class CaseCounter(Base):
    """Last sequence number handed out per scope (item code) and day; bumped in the case's transaction."""

    __tablename__ = "case_counters"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class Case(Base):
    """One 办件 received from a kiosk."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("kiosk_id", "idempotency_key", name="uq_cases_kiosk_key"),
        Index("ix_cases_kiosk_provisional", "kiosk_id", "provisional_no"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_no: Mapped[str] = mapped_column(String(64), unique=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"))
    idempotency_key: Mapped[str] = mapped_column(String(128))
    request_sha256: Mapped[str] = mapped_column(String(64))
    provisional_no: Mapped[str | None] = mapped_column(String(64))
    item_code: Mapped[str] = mapped_column(String(40))
    item_name: Mapped[str | None] = mapped_column(String(200))
    applicant_id_type: Mapped[str] = mapped_column(String(3))
    applicant_index: Mapped[str] = mapped_column(String(64), index=True)
    applicant_id_masked: Mapped[str] = mapped_column(String(40))
    applicant_name_masked: Mapped[str] = mapped_column(String(100))
    applicant_enc: Mapped[str] = mapped_column(Text)
    form_enc: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    kiosk_submitted_at: Mapped[dt.datetime | None]
    received_at: Mapped[dt.datetime] = mapped_column(index=True)

    kiosk: Mapped[Kiosk] = relationship(lazy="joined")
    events: Mapped[list[CaseEvent]] = relationship(order_by="CaseEvent.id", lazy="selectin")
    materials: Mapped[list[Material]] = relationship(order_by="Material.id", lazy="selectin")


class CaseEvent(Base):
    """One step of a case's status history."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[dt.datetime]


class Material(Base):
    """A file handed in with a case; the bytes live under the data dir by ``stored_name``."""

    __tablename__ = "materials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    label: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))


class Rating(Base):
    """A 好差评 given at a kiosk; bad ones carry reasons and a follow-up deadline."""

    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("kiosk_id", "idempotency_key", name="uq_ratings_kiosk_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    level: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(2))
    reasons: Mapped[list[str]] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(String(500))
    needs_followup: Mapped[bool] = mapped_column(Boolean, index=True)
    followup_due: Mapped[dt.date | None] = mapped_column(Date)
    followup_done_at: Mapped[dt.datetime | None]
    followup_note: Mapped[str | None] = mapped_column(String(500))
    rated_at: Mapped[dt.datetime]
    received_at: Mapped[dt.datetime]

    case: Mapped[Case] = relationship(lazy="joined")


class KioskReply(Base):
    """The answer to a kiosk request sent with an Idempotency-Key, given again as it was when the key repeats.

    For requests whose effect is not one new row carrying the key (a batch of local tickets, a callback
    number that replaces an earlier one); cases, ratings and tickets keep their key on their own row.
    """

    __tablename__ = "kiosk_replies"
    __table_args__ = (UniqueConstraint("kiosk_id", "kind", "idempotency_key", name="uq_kiosk_replies_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"))
    kind: Mapped[str] = mapped_column(String(32))
    idempotency_key: Mapped[str] = mapped_column(String(128))
    request_mac: Mapped[str] = mapped_column(String(64))  # keyed hash: the request may hold a phone number
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)  # the JSON answer, replayed byte for byte
    created_at: Mapped[dt.datetime]


class QueueService(Base):
    """A service a site queues for, with its ticket letter and how long one person takes."""

    __tablename__ = "queue_services"
    __table_args__ = (UniqueConstraint("site_id", "prefix", name="uq_queue_services_prefix"),)

    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(1))
    name: Mapped[str] = mapped_column(String(100))
    minutes_per_person: Mapped[float]
    windows: Mapped[int] = mapped_column(Integer)
    opens: Mapped[str | None] = mapped_column(String(5))
    closes: Mapped[str | None] = mapped_column(String(5))
    daily_limit: Mapped[int | None] = mapped_column(Integer)
    start_number: Mapped[int] = mapped_column(Integer, server_default="1")
    end_number: Mapped[int | None] = mapped_column(Integer)


class QueueCounter(Base):
    """Last ticket number per site, letter and day; bumped in the ticket's own transaction."""

    __tablename__ = "queue_counters"

    site_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(1), primary_key=True)
    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class QueueTicket(Base):
    """A 取号 ticket: waiting, then called to a window, then done, no-show or back to waiting (transferred)."""

    __tablename__ = "queue_tickets"
    __table_args__ = (
        UniqueConstraint("site_id", "prefix", "day", "seq", name="uq_queue_tickets_number"),
        UniqueConstraint("kiosk_id", "idempotency_key", name="uq_queue_tickets_kiosk_key"),
        UniqueConstraint("kiosk_id", "day", "local_no", name="uq_queue_tickets_local_no"),
        Index("ix_queue_tickets_waiting", "site_id", "service_code", "day", "status"),
        Index("ix_queue_tickets_done", "site_id", "service_code", "status", "done_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(String(64))
    service_code: Mapped[str] = mapped_column(String(32))
    prefix: Mapped[str] = mapped_column(String(1))
    day: Mapped[str] = mapped_column(String(8))
    seq: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(12))
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    issued_at: Mapped[dt.datetime]
    called_at: Mapped[dt.datetime | None]
    source: Mapped[str] = mapped_column(String(12), server_default="kiosk")
    local_no: Mapped[str | None] = mapped_column(String(16))
    priority_category: Mapped[str | None] = mapped_column(String(16))
    priority_weight: Mapped[int] = mapped_column(Integer, server_default="0")
    name_masked: Mapped[str | None] = mapped_column(String(100))
    window_no: Mapped[int | None] = mapped_column(Integer)
    call_no: Mapped[int | None] = mapped_column(Integer)
    announced_at: Mapped[dt.datetime | None]
    recalls: Mapped[int] = mapped_column(Integer, server_default="0")
    done_at: Mapped[dt.datetime | None]
    transferred_from: Mapped[str | None] = mapped_column(String(32))


class Appointment(Base):
    """A booked visit (预约): checked in at a kiosk by ID card or QR code within its window, else a no-show."""

    __tablename__ = "appointments"
    __table_args__ = (Index("ix_appointments_person", "site_id", "day", "person_index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    appointment_no: Mapped[str] = mapped_column(String(32), unique=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    service_code: Mapped[str] = mapped_column(String(32))
    day: Mapped[str] = mapped_column(String(8))
    starts_at: Mapped[dt.datetime]
    id_type: Mapped[str] = mapped_column(String(3))
    person_index: Mapped[str] = mapped_column(String(64))
    id_masked: Mapped[str] = mapped_column(String(40))
    name_masked: Mapped[str] = mapped_column(String(100))
    personal_enc: Mapped[str] = mapped_column(Text)
    qr_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("queue_tickets.id"))
    booked_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    checked_in_at: Mapped[dt.datetime | None]


class ReferenceRecord(Base):
    """A person's record at another centre (公积金, 社保), imported by an operator; the data is encrypted."""

    __tablename__ = "reference_records"
    __table_args__ = (UniqueConstraint("kind", "person_index", name="uq_reference_records_person"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(24))
    person_index: Mapped[str] = mapped_column(String(64))
    id_type: Mapped[str] = mapped_column(String(3))
    data_enc: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[dt.datetime]
