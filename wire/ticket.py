"""Queue numbers: one asked for at the kiosk (``POST /api/v1/queue/tickets``), and the numbers a kiosk
handed out from its own block while the hub was away (``POST /api/v1/queue/local-tickets``)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import AwareDatetime, Field

from wire.base import Strict


class TicketRequest(Strict):
    service: str = Field(min_length=1, max_length=32, description="service code, from GET /api/v1/queue/services")
    priority: Literal["pregnant", "disability"] | None = Field(default=None, description="declared at the kiosk")
    birth_date: dt.date | None = Field(default=None, description="from the ID card; 60+ on the hall date is elderly")


PriorityCategory = Literal["elderly", "pregnant", "disability", "appointment"]


class LocalTicket(Strict):
    """One number of the kiosk's own block, as the kiosk records it before printing."""

    number: str = Field(pattern=r"^[A-Z][0-9]{3,6}$", description="the kiosk block's number, e.g. Z001")
    service: str = Field(min_length=1, max_length=32)
    issued_at: AwareDatetime
    priority_category: PriorityCategory | None = None


class LocalTicketBatch(Strict):
    tickets: list[LocalTicket] = Field(max_length=500)
