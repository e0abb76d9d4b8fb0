"""Tables of staff as people: accounts with a role, wrong passwords per source, and the audit trail."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models import Base


class StaffAccount(Base):
    """One person at the staff pages, with one role; the password is kept as a scrypt hash."""

    __tablename__ = "staff_accounts"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    # bumped by disable, reset and log-out: every cookie signed with an older epoch stops working
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime]
    disabled_at: Mapped[dt.datetime | None]
    last_login_at: Mapped[dt.datetime | None]


class StaffLoginFailure(Base):
    """A wrong staff password from one source (a keyed hash of the address): throttling by source and user."""

    __tablename__ = "staff_login_failures"
    __table_args__ = (Index("ix_staff_login_failures_user_source_at", "username", "source", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(index=True)


class AuditEvent(Base):
    """Who (a staff account, or the command line) viewed or changed what, when, from where.

    Append-only: no route or command deletes or changes a row, and a trigger in the database refuses
    UPDATE and DELETE. ``target`` names the thing (a case number, a rating id, an account), never a
    person's name or ID number; ``case_no`` repeats the case for searching by case.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_actor_at", "actor", "at"),
        Index("ix_audit_events_case_at", "case_no", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(String(120))
    case_no: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(80))
    detail: Mapped[str | None] = mapped_column(String(300))
