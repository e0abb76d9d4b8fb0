"""Tables of fleet operations: alerts raised from the kiosks' heartbeats and their webhook delivery."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models import Base


class FleetAlert(Base):
    """One problem of one kiosk, from first seen to cleared; no personal data, only devices' words.

    ``raised_at`` stays empty while a problem has not yet lasted its rule's delay (a device offline for a
    minute); ``absent_since`` is when the problem was last seen gone, and the alert clears once it has been
    gone ``KIOSKHUB_ALERT_CLEAR_SECONDS``, so a problem that comes and goes raises one alert, not a storm.
    Delivery to the webhook: ``raise_delivery`` and ``clear_delivery`` are ``due``, ``sent`` or ``failed``
    (empty: nothing to send).
    """

    __tablename__ = "fleet_alerts"
    __table_args__ = (
        Index("ix_fleet_alerts_kiosk_open", "kiosk_id", "cleared_at"),
        Index("ix_fleet_alerts_delivery", "raise_delivery", "clear_delivery"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    site_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(String(300), default="")
    since: Mapped[dt.datetime]
    raised_at: Mapped[dt.datetime | None]
    absent_since: Mapped[dt.datetime | None]
    cleared_at: Mapped[dt.datetime | None]
    raise_delivery: Mapped[str | None] = mapped_column(String(8))
    clear_delivery: Mapped[str | None] = mapped_column(String(8))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(300))


class KioskCommand(Base):
    """A command staff queued for one kiosk: who asked what and when, and how the kiosk answered.

    ``state``: ``queued`` (not yet handed out), ``sent`` (in a heartbeat's answer, handed out again until
    answered), ``done``, ``failed`` (the kiosk said so; not sent again) or ``expired`` (no answer in time).
    A command for a site is one row per kiosk of the site, with the same ``batch``.
    """

    __tablename__ = "kiosk_commands"
    __table_args__ = (Index("ix_kiosk_commands_kiosk_state", "kiosk_id", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch: Mapped[str] = mapped_column(String(32))
    kiosk_id: Mapped[str] = mapped_column(String(64))
    site_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    hours: Mapped[int | None] = mapped_column(Integer)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[dt.datetime]
    state: Mapped[str] = mapped_column(String(8))
    sent_at: Mapped[dt.datetime | None]
    answered_at: Mapped[dt.datetime | None]
    detail: Mapped[str | None] = mapped_column(String(500))
    logs_file: Mapped[str | None] = mapped_column(String(200))
