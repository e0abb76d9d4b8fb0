"""kioskd settings: ``KIOSK_*`` environment variables, or a TOML file named by ``KIOSK_CONFIG``.

Environment variables win over the file. Device addresses are URIs (ARCHITECTURE.md);
``KIOSK_DEVICES=sim`` makes every device its simulator unless that device is set explicitly.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

DEVICE_KINDS = ("id_reader", "printer", "camera", "voice")


class ConfigError(Exception):
    """A setting is malformed; the message names the setting and what is allowed."""


class _TomlFile(PydanticBaseSettingsSource):
    """Reads the TOML file named by KIOSK_CONFIG (a flat table, keys as the field names)."""

    def __init__(self, settings_cls: type[BaseSettings], path: str | None) -> None:
        super().__init__(settings_cls)
        self.path = path

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:  # pragma: no cover
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        if not self.path:
            return {}
        path = Path(self.path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"KIOSK_CONFIG: file {path} does not exist; point it at a TOML file") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"KIOSK_CONFIG: {path} is not valid TOML ({exc}); fix the file") from None
        except UnicodeDecodeError:
            raise ConfigError(f"KIOSK_CONFIG: {path} is not UTF-8 text") from None
        # Allow a [kiosk] table or a flat file; [devices] maps kind -> URI.
        flat = dict(data.get("kiosk", {})) if isinstance(data.get("kiosk"), dict) else {}
        flat.update({k: v for k, v in data.items() if not isinstance(v, dict)})
        devices = data.get("devices")
        if isinstance(devices, dict):
            for kind, uri in devices.items():
                flat[kind] = uri
        unknown = sorted(set(flat) - set(self.settings_cls.model_fields))
        if unknown:
            allowed = ", ".join(sorted(self.settings_cls.model_fields))
            raise ConfigError(f"{path}: unknown setting {unknown[0]!r}; allowed settings: {allowed}")
        return flat


class Settings(BaseSettings):
    """Everything kioskd can be told at start."""

    model_config = SettingsConfigDict(env_prefix="KIOSK_", extra="ignore", frozen=True)

    config: str | None = Field(default=None, description="path of a TOML settings file")
    data_dir: Path = Path("var")
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8765, ge=1, le=65535)
    kiosk_id: str = Field(default="dev-kiosk", min_length=1, max_length=64)
    hall_name: str = "政务服务中心 24小时自助服务区"
    timezone: str = Field(default="Asia/Shanghai", description="for times on paper and screen")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    devices: Literal["sim", "real"] = Field(
        default="real", description="'sim' makes every device not set explicitly its simulator"
    )
    id_reader: str | None = None
    printer: str | None = None
    camera: str | None = None
    voice: str | None = None
    # remote video help: the citizen's face camera, microphone and speaker (sim: under KIOSK_DEVICES=sim)
    face_camera: str | None = Field(default=None, description="v4l2:///dev/videoN or sim:")
    microphone: str | None = Field(default=None, description="alsa:default (any ALSA PCM name) or sim:")
    speaker: str | None = Field(default=None, description="alsa:default (any ALSA PCM name) or sim:")
    device_poll_s: float = Field(default=0.3, gt=0, le=10)
    device_probe_s: float = Field(default=15.0, gt=0, le=3600)
    # a card placed at the home screen waits this long (while it lies on the reader) for a service to be tapped
    card_hold_s: float = Field(default=90.0, gt=0, le=600)

    hub_url: str | None = None
    hub_token: str | None = None
    # store-and-forward: the first retry after a failed send, doubling up to the cap; what the hub has
    # acknowledged is kept this long (to look up a case number by the provisional one), then purged
    outbox_retry_s: float = Field(default=2.0, gt=0, le=600)
    outbox_retry_max_s: float = Field(default=300.0, gt=0, le=86_400)
    outbox_retention_days: float = Field(default=7.0, ge=1, le=365, description="at least 1: a citizen looks "
                                         "their case up by the receipt's provisional number for days")
    # After a restart, a session killed between storing a case and the citizen seeing its number is
    # resumed if it is this recent; a repeat application by the same person for the same item within
    # the second window is pointed out before it is filed again.
    outcome_recovery_s: float = Field(default=300.0, ge=0, le=3600)
    duplicate_window_s: float = Field(default=1800.0, ge=0, le=86_400)

    session_idle_s: float = Field(default=120.0, gt=0)
    technician_pin: str = Field(default="", description="PIN for the maintenance screen; empty disables it")
    print_job_max_age_s: float = Field(default=900.0, gt=0)
    # The letter of numbers this kiosk hands out while the hub is away; give each kiosk of a hall its
    # own (and none of the hall's service letters) so offline numbers never collide.
    queue_local_prefix: str = Field(default="Z", pattern=r"^[A-Z]$",
                                    description="one capital letter, not used by any of the hall's services")

    # Which services this kiosk offers: a bank branch's kiosk may offer a few, a hall's all of them.
    flows_dir: Path | None = Field(default=None, description="a folder of the hall's own definitions; a file "
                                   "with the code of a shipped one replaces it")
    items: Annotated[tuple[str, ...] | None, NoDecode] = Field(
        default=None, description="item codes this kiosk offers, comma-separated; every item when unset")

    @field_validator("items", mode="before")
    @classmethod
    def _items(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [code.strip() for code in value.split(",")]
        if isinstance(value, list | tuple):
            codes = tuple(code for code in value if code)
            if not codes:
                raise ValueError("names no item; leave it unset to offer every item")
            return codes
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone such as Asia/Shanghai") from None
        return value

    @field_validator("face_camera")
    @classmethod
    def _face_camera(cls, value: str | None) -> str | None:
        if value and value not in ("sim:", "none:") and not value.startswith("v4l2:///dev/"):
            raise ValueError("must be v4l2:///dev/videoN, sim: or none:")
        return value

    @field_validator("microphone", "speaker")
    @classmethod
    def _audio(cls, value: str | None) -> str | None:
        if value and value not in ("sim:", "none:") and not (value.startswith("alsa:") and len(value) > len("alsa:")):
            raise ValueError("must be alsa:PCM (e.g. alsa:default), sim: or none:")
        return value

    @field_validator("api_host")
    @classmethod
    def _host(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must be an address such as 127.0.0.1")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        path = os.environ.get("KIOSK_CONFIG")
        if init_settings.init_kwargs.get("config"):  # type: ignore[attr-defined]
            path = init_settings.init_kwargs["config"]  # type: ignore[attr-defined]
        return (init_settings, env_settings, _TomlFile(settings_cls, path))

    # -- derived -------------------------------------------------------------------------------
    def device_uri(self, kind: str) -> str | None:
        """The URI configured for a device kind; ``None`` means the kiosk has no such device."""
        explicit = getattr(self, kind)
        if explicit:
            return explicit
        if self.devices == "sim":
            return _SIM_DEFAULTS[kind](self)
        return None

    def av_uri(self, name: str) -> str | None:
        """URI of ``face_camera``, ``microphone`` or ``speaker``; sim: under KIOSK_DEVICES=sim, else ALSA's default."""
        explicit = getattr(self, name)
        if explicit:
            return explicit
        if self.devices == "sim":
            return "sim:"
        return None if name == "face_camera" else "alsa:default"

    @property
    def token_path(self) -> Path:
        return self.data_dir / "api-token"

    @property
    def database_path(self) -> Path:
        return self.data_dir / "kioskd.sqlite3"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "spool"


_SIM_DEFAULTS = {
    "id_reader": lambda s: "sim:",
    "printer": lambda s: (s.data_dir / "printed").resolve().as_uri().replace("file:", "sim:", 1),
    "camera": lambda s: "sim:",
    "voice": lambda s: (s.data_dir / "voice").resolve().as_uri().replace("file:", "sim:", 1),
}


def load_settings(**overrides: Any) -> Settings:
    """Build settings, turning validation failures into one ConfigError line per problem."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = ".".join(str(p) for p in err["loc"]) or "settings"
        env = f"KIOSK_{name.upper()}"
        value = err.get("input")
        shown = "" if isinstance(value, dict) else f" (got {value!r})"
        raise ConfigError(f"{env}: {err['msg']}{shown}") from None
