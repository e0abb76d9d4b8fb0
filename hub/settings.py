"""kioskhub settings: ``KIOSKHUB_*`` environment variables, or a TOML file named by ``KIOSKHUB_CONFIG``.

Environment variables win over the file. The hub's state (database, materials, secrets) lives
under ``KIOSKHUB_DATA_DIR``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import SettingsConfigDict

from config.fields import Host, Port, Zone
from config.load import ConfigError, FileSettings, load

__all__ = ["ConfigError", "HubSettings", "load_settings"]

# never echoed in an error line (a webhook URL often holds its key)
SECRET = frozenset({"turn_secret", "turn_password", "alert_webhook"})


class HubSettings(FileSettings):
    """Everything kioskhub can be told at start."""

    model_config = SettingsConfigDict(env_prefix="KIOSKHUB_", extra="ignore", frozen=True)
    config_tables = ("hub",)  # flat keys, or the settings in a [hub] table

    config: str | None = Field(default=None, description="path of a TOML settings file")
    data_dir: Path = Path("var/hub")
    host: Host = "127.0.0.1"
    port: Port = 8780
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; empty means SQLite in the data dir")
    timezone: Zone = Field(default="Asia/Shanghai", description="the hall's zone; case numbers use its date")
    max_file_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, description="largest material file")
    max_files: int = Field(default=20, ge=0, le=200, description="most material files in one case")
    max_request_bytes: int = Field(
        default=64 * 1024 * 1024, ge=4096, description="largest request body where files are uploaded (cases)"
    )
    max_json_bytes: int = Field(
        default=1024 * 1024, ge=4096, le=64 * 1024 * 1024, description="largest body of every other route"
    )
    material_grace_seconds: float = Field(
        default=300, ge=1, le=86400,
        description="a staged material file with no case is deleted once this old (a case still running then gets 503)",
    )  # fmt: skip
    material_sweep_seconds: float = Field(
        default=60, gt=0, le=3600, description="how often staged material files are checked"
    )
    followup_working_days: int = Field(
        default=15, ge=1, le=60, description="days to follow up a bad rating (Sichuan: 15, Dezhou: 5)"
    )
    workers: int = Field(default=1, ge=1, le=64, description="server processes; more than 1 is for PostgreSQL")
    db_pool_size: int = Field(default=10, ge=1, le=200)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    queue_weight_elderly: int = Field(default=2, ge=0, le=100, description="calling weight of people 60+; 0 = none")
    queue_weight_pregnant: int = Field(default=3, ge=0, le=100, description="calling weight of pregnant women")
    queue_weight_disability: int = Field(default=3, ge=0, le=100, description="calling weight of disabled people")
    queue_weight_appointment: int = Field(default=1, ge=0, le=100, description="calling weight of appointments")
    queue_priority_streak: int = Field(
        default=3, ge=1, le=100, description="priority calls in a row before a waiting normal ticket is called"
    )
    queue_elderly_age: int = Field(default=60, ge=1, le=120, description="age (on the hall date) that is elderly")
    queue_estimate_samples: int = Field(
        default=10, ge=1, le=1000, description="recent service times the wait estimate takes the median of"
    )
    queue_window_idle_minutes: int = Field(
        default=30, ge=1, le=1440, description="a window counts as open for a service this long after a call"
    )
    appt_early_minutes: int = Field(default=30, ge=0, le=1440, description="check-in opens this long before start")
    appt_late_minutes: int = Field(default=15, ge=0, le=1440, description="later than this after start is a no-show")
    public_url: str | None = Field(
        default=None, description="the hub's address as citizens' phones reach it, e.g. https://hall.example.gov.cn"
    )
    # remote video help (hub/video)
    call_ring_seconds: float = Field(default=60, gt=0, le=600, description="ring time before a call is missed")
    call_grace_seconds: float = Field(default=15, gt=0, le=300, description="a dropped socket may come back this long")
    call_recording: bool = Field(default=False, description="the site's policy; the kiosk tells the citizen")
    recording_retention_days: float = Field(default=90, gt=0, le=3650,
                                            description="call recordings are deleted after this many days")
    stun_urls: str | None = Field(default=None, description="comma-separated stun: URLs")
    turn_secret: str | None = Field(default=None, description="coturn static-auth-secret (use-auth-secret)")
    turn_user: str | None = Field(default=None, description="static TURN user, when there is no secret")
    turn_password: str | None = Field(default=None, description="static TURN password")
    turn_ttl_seconds: int = Field(default=12 * 3600, ge=60, le=7 * 86400, description="life of TURN REST credentials")
    turn_urls: str | None = Field(default=None, description="comma-separated turn:/turns: URLs")
    # certificates (hub/certificates): 证明打印 with a verification code, a seal and the hub's signature
    certificate_font: Path | None = Field(
        default=None, description="Noto Sans CJK SC (.otf, or the .ttc holding it); empty means search the usual places"
    )
    certificate_valid_days: int = Field(default=90, ge=1, le=3650, description="a certificate is valid this long")
    certificate_issuer_social_insurance: str = Field(
        default="示例市社会保险事业管理中心", min_length=2, max_length=40, description="issuer of 社保 certificates"
    )
    certificate_issuer_housing_fund: str = Field(
        default="示例市住房公积金管理中心", min_length=2, max_length=40, description="issuer of 公积金 certificates"
    )
    records_source: str | None = Field(
        default=None, pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$",
        description="module:factory of a province's records source, e.g. prov.sources:make; empty = imported records",
    )
    verify_window_seconds: int = Field(default=600, ge=10, le=86400, description="the check page's throttle window")
    verify_misses_per_window: int = Field(
        default=10, ge=1, le=10000, description="unknown codes one source may try per window (enumeration)"
    )
    verify_lookups_per_window: int = Field(
        default=120, ge=1, le=100000, description="check-page requests one source may make per window"
    )
    id_lookup_window_seconds: int = Field(
        default=600, ge=10, le=86400, description="window of the per-kiosk limit on lookups by ID number"
    )
    id_lookups_per_window: int = Field(
        default=20, ge=1, le=10000, description="lookups by ID number one kiosk may make per window"
    )
    id_lookup_retention_days: int = Field(
        default=180, ge=1, le=3650, description="audit rows of lookups by ID number are kept this long"
    )
    # the fleet view and its alerts (hub/fleet.py, hub/alerts.py)
    alert_silent_minutes: float = Field(
        default=5, gt=0, le=1440, description="a kiosk with no heartbeat this long is offline (and alerted)"
    )
    alert_device_offline_minutes: float = Field(
        default=5, ge=0, le=1440, description="a device offline or in error this long is alerted"
    )
    alert_backlog_entries: int = Field(default=20, ge=1, le=100000, description="outbox entries waiting that alert")
    alert_backlog_age_minutes: float = Field(
        default=60, gt=0, le=10080, description="an outbox entry waiting this long alerts"
    )
    alert_disk_free_mb: int = Field(default=1024, ge=0, le=10_000_000, description="free disk below this alerts")
    alert_clear_seconds: float = Field(
        default=120, ge=0, le=86400, description="a problem gone this long clears its alert (no flapping)"
    )
    alert_webhook: str | None = Field(default=None, description="http(s) URL raised and cleared alerts are posted to")
    alert_webhook_attempts: int = Field(default=8, ge=1, le=100, description="tries per alert event before giving up")
    alert_webhook_retry_seconds: float = Field(
        default=5, gt=0, le=3600, description="first wait before a failed post is tried again (doubling)"
    )
    alert_sweep_seconds: float = Field(
        default=30, gt=0, le=3600, description="how often silent kiosks and cleared problems are looked for"
    )

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ValueError("must be an http(s) address without query, e.g. https://hall.example.gov.cn")
        return value.strip().rstrip("/")

    @field_validator("alert_webhook")
    @classmethod
    def _webhook(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an http(s) URL such as https://im.example.gov.cn/hooks/kiosk-alerts")
        return value.strip()

    @field_validator("stun_urls")
    @classmethod
    def _stun(cls, value: str | None) -> str | None:
        for url in (value or "").split(","):
            if url.strip() and not url.strip().startswith(("stun:", "stuns:")):
                raise ValueError("must be stun: URLs separated by commas, e.g. stun:10.0.0.5:3478")
        return value

    @field_validator("turn_urls")
    @classmethod
    def _turn(cls, value: str | None, info: ValidationInfo) -> str | None:
        urls = [u.strip() for u in (value or "").split(",") if u.strip()]
        for url in urls:
            if not url.startswith(("turn:", "turns:")):
                raise ValueError("must be turn: or turns: URLs separated by commas, e.g. turn:10.0.0.5:3478")
        has_static = info.data.get("turn_user") and info.data.get("turn_password")
        if urls and not (info.data.get("turn_secret") or has_static):
            raise ValueError("needs KIOSKHUB_TURN_SECRET (coturn use-auth-secret) or KIOSKHUB_TURN_USER and _PASSWORD")
        return value

    @field_validator("database_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        scheme = value.split(":", 1)[0]
        if not (scheme.startswith("sqlite") or scheme.startswith("postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        if scheme in ("postgresql", "postgres"):
            value = "postgresql+psycopg" + value[len(scheme) :]
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'kioskhub.sqlite3').resolve()}"

    @property
    def materials_dir(self) -> Path:
        return self.data_dir / "materials"

    @property
    def recordings_dir(self) -> Path:
        return self.data_dir / "recordings"

    @property
    def secret_path(self) -> Path:
        return self.data_dir / "hub-secret"

    @property
    def certificate_key_dir(self) -> Path:
        return self.data_dir / "certificate-signing"

    @property
    def certificate_cache_dir(self) -> Path:
        return self.data_dir / "cache"


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> HubSettings:
    """The hub's one settings loader; a wrong setting (or a KIOSKHUB_* name that is none) is one ConfigError line.

    ``environ`` defaults to the process environment; ``overrides`` win over everything (tests).
    """
    return load(HubSettings, environ, secret=SECRET, **overrides)
