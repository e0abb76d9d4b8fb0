"""Tables of 帮办代办: the ledger row of an assisted case, and the documents a citizen signed on a kiosk's screen."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models import Base


class AssistedCase(Base):
    """台账: one row per case filled in with a helper; who (account id), how, what they entered (names only)."""

    __tablename__ = "assisted_cases"
    __table_args__ = (Index("ix_assisted_cases_site_at", "site_id", "received_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    site_id: Mapped[str] = mapped_column(String(64))
    helper_id: Mapped[str] = mapped_column(String(64), index=True)
    mode: Mapped[str] = mapped_column(String(16))
    entered: Mapped[list[str]] = mapped_column(JSON)
    authorisation_file: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[dt.datetime]


class CaseSignature(Base):
    """A document signed on the kiosk's screen: the text as shown, its digest, when; the image is a material."""

    __tablename__ = "case_signatures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    document: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[dt.datetime]
    file: Mapped[str] = mapped_column(String(200))
    image_sha256: Mapped[str] = mapped_column(String(64))
