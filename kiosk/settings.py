"""Where kioskd is and how the UI behaves: the same ``KIOSK_*`` settings kioskd reads.

The UI may not import kioskd's settings module (import contract), so the few settings it needs
are read here the same way: environment first, then the TOML file named by ``KIOSK_CONFIG``
(flat, or a ``[kiosk]`` table).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class SettingsError(Exception):
    """A setting is malformed; the message says which one and what is allowed."""


def _toml(path: str | None) -> dict:
    if not path:
        return {}
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"KIOSK_CONFIG: file {path} does not exist; point it at a TOML file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"KIOSK_CONFIG: {path} is not valid UTF-8 TOML ({exc}); fix the file") from None
    flat = dict(data["kiosk"]) if isinstance(data.get("kiosk"), dict) else {}
    flat.update({k: v for k, v in data.items() if not isinstance(v, dict)})
    return flat


@dataclass(frozen=True)
class UiSettings:
    """The settings the UI reads."""

    data_dir: Path = Path("var")
    api_host: str = "127.0.0.1"
    api_port: int = 8765
    hall_name: str = "政务服务中心 24小时自助服务区"
    technician_pin: str = ""
    language: str = "zh_CN"
    # Languages offered on the language switch (KIOSK_LANGUAGES=zh_CN,bo_CN); one means no switch.
    languages: tuple[str, ...] = ("zh_CN",)
    window_number: str = "3"
    timezone: str = "Asia/Shanghai"  # the clock on screen is the hall's, whatever the machine's zone

    @property
    def base_url(self) -> str:
        return f"http://{self.api_host}:{self.api_port}"

    @property
    def token_path(self) -> Path:
        return self.data_dir / "api-token"

    def read_token(self) -> str:
        """The bearer token kioskd wrote at its first start ('' when it is not there yet)."""
        try:
            return self.token_path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return ""
        except PermissionError:
            raise SettingsError(
                f"cannot read {self.token_path}; run the UI as the user kioskd runs as"
            ) from None

    @classmethod
    def load(cls, env: dict[str, str] | None = None) -> UiSettings:
        env = dict(os.environ if env is None else env)
        file = _toml(env.get("KIOSK_CONFIG"))

        def get(name: str, default: object) -> object:
            return env.get(f"KIOSK_{name.upper()}", file.get(name, default))

        port_raw = get("api_port", 8765)
        try:
            port = int(port_raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise SettingsError(f"KIOSK_API_PORT={port_raw!r} is not a number; use e.g. 8765") from None
        if not 1 <= port <= 65535:
            raise SettingsError(f"KIOSK_API_PORT={port} is out of range; use 1-65535")
        pin = str(get("technician_pin", ""))
        if pin and not pin.isdigit():
            raise SettingsError("KIOSK_TECHNICIAN_PIN must be digits only (it is typed on a keypad)")
        from .i18n import CatalogueError, parse_languages

        try:
            offered = parse_languages(env.get("KIOSK_LANGUAGES", "zh_CN"))
        except CatalogueError as exc:
            raise SettingsError(str(exc)) from None
        timezone = str(get("timezone", cls.timezone))
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(f"KIOSK_TIMEZONE={timezone!r} is not a time zone; use e.g. Asia/Shanghai") from None
        language = env.get("KIOSK_UI_LANGUAGE", "zh_CN")
        if language not in offered:
            raise SettingsError(f"KIOSK_UI_LANGUAGE={language} is not among KIOSK_LANGUAGES ({','.join(offered)})")
        return cls(
            data_dir=Path(str(get("data_dir", "var"))),
            api_host=str(get("api_host", "127.0.0.1")),
            api_port=port,
            hall_name=str(get("hall_name", cls.hall_name)),
            technician_pin=pin,
            # UI-only settings come from the environment: kioskd rejects unknown keys in the file.
            language=language,
            languages=offered,
            window_number=env.get("KIOSK_HELP_WINDOW", "3"),
            timezone=timezone,
        )
