"""Tables of remote video help: helper accounts, call history (never media), callback requests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models import Base


class Helper(Base):
    """A member of staff who answers video calls; the password is kept as a scrypt hash."""

    __tablename__ = "helpers"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
    disabled_at: Mapped[dt.datetime | None]
    last_login_at: Mapped[dt.datetime | None]


class HelperLoginFailure(Base):
    """A wrong password for a helper from one source (a keyed hash of the address), for throttling by both.

    Counted per source and user, so a stranger guessing from elsewhere slows down only themselves and
    never locks the helper out; in the database, so every hub node counts alike.
    """

    __tablename__ = "helper_login_failures"
    __table_args__ = (Index("ix_helper_login_failures_user_source_at", "username", "source", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(index=True)


class CallRecord(Base):
    """One call for help from a kiosk: who, where, which item and step, when, and how it ended."""

    __tablename__ = "calls"
    __table_args__ = (Index("ix_calls_kiosk_created", "kiosk_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"))
    site_id: Mapped[str] = mapped_column(String(64))
    item_code: Mapped[str] = mapped_column(String(64))
    item_name: Mapped[str] = mapped_column(String(200))
    step_id: Mapped[str] = mapped_column(String(64))
    step_title: Mapped[str] = mapped_column(String(200))
    elder_mode: Mapped[bool] = mapped_column(Boolean)
    language: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    helper_username: Mapped[str | None] = mapped_column(String(64))
    helper_name: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(index=True)
    accepted_at: Mapped[dt.datetime | None]
    connected_at: Mapped[dt.datetime | None]
    ended_at: Mapped[dt.datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(32))


class CallbackRequest(Base):
    """A citizen's request to be phoned back after an unanswered call; the number is encrypted at rest."""

    __tablename__ = "call_callbacks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), unique=True)
    phone_enc: Mapped[str] = mapped_column(Text)
    phone_masked: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime]
    taken_by: Mapped[str | None] = mapped_column(String(64))
    taken_at: Mapped[dt.datetime | None]
    done_at: Mapped[dt.datetime | None] = mapped_column(index=True)
