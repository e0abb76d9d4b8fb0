"""Where kioskd is and how the UI behaves: the UI's part of the ``KIOSK_*`` settings, with kioskd's rules.

The UI reads its settings with the loader every process uses (``config.load``) as the model kioskd's
extends (``config.kiosk.KioskShared``), so a value the UI would refuse is refused by ``kioskd
--check-config`` too, and the other way round: a kiosk never passes the check and then shows a blank,
restarting screen. The UI passes over kioskd's own settings; kioskd refuses a name that is no
setting, and the UI's unit requires kioskd.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from config.kiosk import SECRET, KioskShared
from config.load import ConfigError, load

# The UI's name for a settings error; the same class as kioskd's.
SettingsError = ConfigError


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
    def load(cls, env: Mapping[str, str] | None = None) -> UiSettings:
        """The UI's part of the kiosk's settings; ``env`` defaults to the process environment."""
        s = load(KioskShared, env, secret=SECRET, strict=False)
        return cls(
            data_dir=s.data_dir,
            api_host=s.api_host,
            api_port=s.api_port,
            hall_name=s.hall_name,
            technician_pin=s.technician_pin,
            language=s.ui_language,
            languages=s.languages,
            window_number=s.help_window,
            timezone=s.timezone,
        )
