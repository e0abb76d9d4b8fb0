"""Remote commands: what the hub hands a kiosk with the answer to its heartbeat, and what the kiosk reports back.

The hub queues a command for a kiosk (or every kiosk of a site) at staff's request; kioskd runs it when
no citizen is being served and answers once, with ``POST /api/v1/commands/{id}/result``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from wire.base import Strict

CommandKind = Literal["restart_kioskd", "restart_ui", "selftest", "upload_logs", "reload_catalogue",
                      "maintenance_on", "maintenance_off"]
COMMAND_KINDS: tuple[str, ...] = CommandKind.__args__  # type: ignore[attr-defined]
LOG_HOURS_MAX = 72


class RemoteCommand(Strict):
    """One command for this kiosk, in ``HeartbeatAck.commands``; sent again until the kiosk answers it."""

    id: int = Field(ge=1)
    kind: CommandKind
    hours: int | None = Field(default=None, ge=1, le=LOG_HOURS_MAX, description="upload_logs: the last N hours")
    requested_at: dt.datetime


class CommandResult(Strict):
    """POST /api/v1/commands/{id}/result body: how the command went, in the kiosk's own words (no personal data)."""

    ok: bool
    detail: str = Field(default="", max_length=500)
