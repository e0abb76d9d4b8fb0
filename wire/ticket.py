"""A queue number asked for at the kiosk (``POST /api/v1/queue/tickets``)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from wire.base import Strict


class TicketRequest(Strict):
    service: str = Field(min_length=1, max_length=32, description="service code, from GET /api/v1/queue/services")
    priority: Literal["pregnant", "disability"] | None = Field(default=None, description="declared at the kiosk")
    birth_date: dt.date | None = Field(default=None, description="from the ID card; 60+ on the hall date is elderly")
