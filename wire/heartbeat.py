"""The kiosk's heartbeat (``POST /api/v1/heartbeat``): its devices, backlog, disk, versions and last self-test.

Closed and bounded models: nothing but the devices' own words and numbers fits, never a citizen's data.
Every field is optional, so a kiosk of an older release (which sends fewer of them) is still accepted;
the hub shows what it was not told as unknown.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from wire.base import Strict


class DeviceReport(Strict):
    health: Literal["online", "offline", "error", "unknown"]
    message: str = Field(default="", max_length=500)
    sensors: dict[str, bool | int | float | str | None] = Field(default_factory=dict)


class SelfTestDevice(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    ok: bool
    detail: str = Field(default="", max_length=300)


class SelfTestReport(BaseModel):
    """The kiosk's last self-test: when it ran, whether every device passed, and each device's verdict."""

    model_config = ConfigDict(extra="forbid")

    at: dt.datetime
    ok: bool
    devices: dict[str, SelfTestDevice] = Field(default_factory=dict, max_length=32)


class Heartbeat(Strict):
    """POST /api/v1/heartbeat body: the kiosk's devices as kioskd sees them."""

    software_version: str | None = Field(default=None, max_length=64)
    devices: dict[str, DeviceReport] = Field(default_factory=dict, max_length=32)
    outbox_pending: int | None = Field(default=None, ge=0)
    outbox_failed: int | None = Field(default=None, ge=0, description="entries the hub refused for good")
    outbox_oldest_pending_s: float | None = Field(default=None, ge=0, description="age of the oldest unsent entry")
    disk_free_bytes: int | None = Field(default=None, ge=0, description="free space where kioskd keeps its data")
    catalog_version: str | None = Field(default=None, max_length=64,
                                        description="the service-item catalogue in use (shipped items: builtin-…)")
    in_session: bool | None = Field(default=None, description="a citizen is being served right now")
    maintenance: bool | None = Field(default=None, description="staff took the kiosk out of service (暂停服务)")
    items_offered: int | None = Field(default=None, ge=0)
    catalog_problems: list[Annotated[str, Field(max_length=300)]] = Field(
        default_factory=list, max_length=20,
        description="service-item definitions the kiosk left out, FILE:LINE: message")
    sent_at: dt.datetime | None = None
    selftest: SelfTestReport | None = Field(default=None, description="the kiosk's last self-test, if any")
