"""The fleet view: what each kiosk's last heartbeat says, the problems it shows, and the filters staff use.

Pure: it reads kept heartbeats (``wire.heartbeat.Heartbeat`` as JSON) and a clock reading, and touches
no database. The same problems feed the alerts (``hub.alerts``), so the page and the webhook never
disagree about what is wrong with a kiosk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field

from hub.registry import KioskInfo
from hub.settings import HubSettings

DeviceState = Literal["online", "paper_near_end", "paper_out", "cover_open", "error", "offline", "unknown"]
ProblemKind = Literal["silent", "paper_out", "paper_near_end", "cover_open", "device_offline", "device_error",
                      "backlog", "backlog_age", "disk_low", "catalog"]
PROBLEM_KINDS: tuple[str, ...] = ProblemKind.__args__  # type: ignore[attr-defined]

# What staff read; the JSON keeps the kinds.
PROBLEM_LABELS = {
    "silent": "终端失联", "paper_out": "缺纸", "paper_near_end": "纸将用尽", "cover_open": "机盖打开",
    "device_offline": "设备离线", "device_error": "设备故障", "backlog": "待上传积压", "backlog_age": "待上传超时",
    "disk_low": "磁盘空间不足", "catalog": "事项目录问题",
}
STATE_LABELS = {
    "online": "正常", "paper_near_end": "纸将用尽", "paper_out": "缺纸", "cover_open": "机盖打开",
    "error": "故障", "offline": "离线", "unknown": "未知",
}


@dataclass(frozen=True)
class Limits:
    """The thresholds of ``KIOSKHUB_ALERT_*``, in seconds and bytes."""

    silent_s: float = 300
    device_offline_s: float = 300
    backlog_entries: int = 20
    backlog_age_s: float = 3600
    disk_free_bytes: int = 1024 * 1024 * 1024

    @classmethod
    def from_settings(cls, s: HubSettings) -> Limits:
        return cls(s.alert_silent_minutes * 60, s.alert_device_offline_minutes * 60, s.alert_backlog_entries,
                   s.alert_backlog_age_minutes * 60, s.alert_disk_free_mb * 1024 * 1024)

    def delay(self, kind: str) -> float:
        """How long a problem must last before it is alerted: a device that is briefly away is not news."""
        return self.device_offline_s if kind in ("device_offline", "device_error") else 0.0


class Problem(BaseModel):
    kind: ProblemKind
    subject: str = Field(default="", description="the device it is about, if any")
    detail: str = ""


class DeviceView(BaseModel):
    state: DeviceState
    health: str
    message: str = ""


class SelfTestSummary(BaseModel):
    at: dt.datetime
    ok: bool


class FleetKiosk(BaseModel):
    """One kiosk as the fleet view shows it; None where its heartbeat did not say (an older kioskd)."""

    id: str
    site_id: str
    site_kind: str
    region_code: str | None
    revoked: bool
    online: bool
    last_seen_at: dt.datetime | None
    software_version: str | None = None
    catalog_version: str | None = None
    items_offered: int | None = None
    devices: dict[str, DeviceView] = Field(default_factory=dict)
    outbox_pending: int | None = None
    outbox_failed: int | None = None
    outbox_oldest_pending_s: float | None = None
    disk_free_bytes: int | None = None
    in_session: bool | None = None
    maintenance: bool | None = None
    selftest: SelfTestSummary | None = None
    problems: list[Problem] = Field(default_factory=list)


class FleetCounts(BaseModel):
    kiosks: int
    online: int
    offline: int
    with_problems: int


class Fleet(BaseModel):
    """``GET /api/v1/fleet`` and ``kioskhub fleet --json``."""

    at: dt.datetime
    counts: FleetCounts
    kiosks: list[FleetKiosk]


def device_state(report: dict[str, Any]) -> DeviceState:
    """One word for a device from its health and its sensors (receipt printer: ``paper``, ``cover_open``;
    A4 printer: ``media``)."""
    sensors = report.get("sensors") or {}
    paper = sensors.get("paper", sensors.get("media"))
    if sensors.get("paper_out") is True or paper in ("out", "empty"):
        return "paper_out"
    if sensors.get("cover_open") is True:
        return "cover_open"
    health = report.get("health")
    if health == "error":
        return "error"
    if health == "offline":
        return "offline"
    if health != "online":
        return "unknown"
    return "paper_near_end" if paper in ("near_end", "low") else "online"


def problems(status: dict[str, Any] | None, last_seen_at: dt.datetime | None, now: dt.datetime,
             limits: Limits) -> list[Problem]:
    """What is wrong with a kiosk now, judged from its last heartbeat and when it came."""
    found: list[Problem] = []
    # A kiosk never heard from is being set up, not lost: it shows offline, but only silence after a
    # heartbeat is a problem.
    if last_seen_at is not None and (now - last_seen_at).total_seconds() >= limits.silent_s:
        minutes = int((now - last_seen_at).total_seconds() // 60)
        found.append(Problem(kind="silent", detail=f"no heartbeat for {minutes} min"))
    status = status or {}
    for name, report in sorted((status.get("devices") or {}).items()):
        state = device_state(report)
        kind = {"paper_out": "paper_out", "cover_open": "cover_open", "paper_near_end": "paper_near_end",
                "error": "device_error", "offline": "device_offline", "unknown": "device_offline"}.get(state)
        if kind is not None:
            found.append(Problem(kind=kind, subject=name, detail=str(report.get("message") or STATE_LABELS[state])))
    pending = status.get("outbox_pending")
    if isinstance(pending, int) and pending >= limits.backlog_entries:
        found.append(Problem(kind="backlog", detail=f"{pending} entries waiting to reach the hub"))
    age = status.get("outbox_oldest_pending_s")
    if isinstance(age, int | float) and age >= limits.backlog_age_s:
        found.append(Problem(kind="backlog_age", detail=f"the oldest entry has waited {int(age // 60)} min"))
    free = status.get("disk_free_bytes")
    if isinstance(free, int) and free < limits.disk_free_bytes:
        found.append(Problem(kind="disk_low", detail=f"{free // (1024 * 1024)} MB free"))
    catalog = status.get("catalog_problems") or []
    if catalog:
        found.append(Problem(kind="catalog", detail=f"{len(catalog)} problem(s); first: {str(catalog[0])[:200]}"))
    return found


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; the hub stores UTC."""
    return value.replace(tzinfo=dt.UTC) if value is not None and value.tzinfo is None else value


def fleet_kiosk(info: KioskInfo, now: dt.datetime, limits: Limits) -> FleetKiosk:
    status = info.last_status or {}
    seen = _utc(info.last_seen_at)
    selftest = status.get("selftest")
    found = [] if info.revoked else problems(info.last_status, seen, now, limits)
    return FleetKiosk(
        id=info.id, site_id=info.site_id, site_kind=info.site_kind, region_code=info.region_code,
        revoked=info.revoked, last_seen_at=seen,
        online=seen is not None and (now - seen).total_seconds() < limits.silent_s,
        software_version=status.get("software_version"), catalog_version=status.get("catalog_version"),
        items_offered=status.get("items_offered"),
        devices={name: DeviceView(state=device_state(d), health=str(d.get("health")), message=d.get("message") or "")
                 for name, d in sorted((status.get("devices") or {}).items())},
        outbox_pending=status.get("outbox_pending"), outbox_failed=status.get("outbox_failed"),
        outbox_oldest_pending_s=status.get("outbox_oldest_pending_s"), disk_free_bytes=status.get("disk_free_bytes"),
        in_session=status.get("in_session"), maintenance=status.get("maintenance"),
        selftest=SelfTestSummary(at=selftest["at"], ok=selftest["ok"]) if isinstance(selftest, dict) else None,
        problems=found,
    )


class FilterError(ValueError):
    """A filter staff gave that cannot match anything; the message says what would."""


def fleet(kiosks: Iterable[KioskInfo], now: dt.datetime, limits: Limits, *, site: str | None = None,
          region: str | None = None, problem: str | None = None) -> Fleet:
    """The fleet, filtered: ``site`` exactly, ``region`` as a 行政区划 prefix (6401 is all of 银川),
    ``problem`` a kind (or ``any``: every kiosk with a problem)."""
    if problem and problem != "any" and problem not in PROBLEM_KINDS:
        raise FilterError(f"problem must be 'any' or one of {', '.join(PROBLEM_KINDS)}")
    if region and not region.isdigit():
        raise FilterError("region must be the digits of a 行政区划 code or its start, e.g. 6401")
    rows = [fleet_kiosk(k, now, limits) for k in kiosks]
    if site:
        rows = [r for r in rows if r.site_id == site]
    if region:
        rows = [r for r in rows if (r.region_code or "").startswith(region)]
    if problem == "any":
        rows = [r for r in rows if r.problems]
    elif problem:
        rows = [r for r in rows if any(p.kind == problem for p in r.problems)]
    active = [r for r in rows if not r.revoked]
    online = sum(r.online for r in active)
    return Fleet(at=now, kiosks=rows, counts=FleetCounts(kiosks=len(active), online=online,
                                                         offline=len(active) - online,
                                                         with_problems=sum(bool(r.problems) for r in active)))
