"""The ``KIOSK_*`` settings kioskd and the UI both read, declared once, so both processes accept and refuse
the same values in the same words.

``KioskShared`` is the UI's whole model; kioskd's (``local_api.settings.Settings``) adds its own settings.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from config.fields import Host, Port, Zone
from config.load import FileSettings

DEVICE_KINDS = ("id_reader", "printer", "camera", "voice", "a4_printer", "face_camera")
# Languages the UI has a catalogue for (kiosk/locale/*.yaml; a UI test keeps the two in step).
LANGUAGES = ("zh_CN", "bo_CN", "ug_CN", "mn_CN")
BASE_LANGUAGE = "zh_CN"
# The technician PIN is typed on the maintenance screen's keypad, which takes up to 12 digits.
PIN_DIGITS = (4, 12)
HALL_NAME = "政务服务中心 24小时自助服务区"
SECRET = frozenset({"hub_token", "technician_pin"})  # never echoed in an error line


def _languages(value: Any) -> Any:
    if isinstance(value, str):
        value = [part.strip() for part in value.replace(";", ",").split(",")]
    if isinstance(value, list | tuple):
        wanted = [str(code) for code in value if code]
        unknown = [code for code in wanted if code not in LANGUAGES]
        if unknown:
            raise ValueError(f"names {', '.join(unknown)}, which the UI has no words for; "
                             f"use some of {', '.join(LANGUAGES)}, comma-separated")
        return tuple(dict.fromkeys([BASE_LANGUAGE, *wanted]))  # Chinese always, and first
    return value


def check_ui_language(value: str, offered: tuple[str, ...] | None) -> str:
    """``KIOSK_UI_LANGUAGE``: one the UI has words for and ``KIOSK_LANGUAGES`` offers."""
    if value not in LANGUAGES:
        raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
    if offered is not None and value not in offered:
        raise ValueError(f"{value} is not offered; add it to KIOSK_LANGUAGES (now {','.join(offered)}) "
                         f"or use one of those")
    return value


def _pin(value: str) -> str:
    low, high = PIN_DIGITS
    if value and not re.fullmatch(rf"[0-9]{{{low},{high}}}", value):
        raise ValueError(f"must be {low} to {high} digits only (it is typed on the maintenance keypad); "
                         "leave it empty to lock the maintenance screen")
    return value


TimeZone = Annotated[Zone, Field(description="for times on paper and screen")]
TechnicianPin = Annotated[str, AfterValidator(_pin),
                          Field(description="PIN for the maintenance screen; empty disables it")]
Languages = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_languages),
                      Field(description="comma-separated, e.g. zh_CN,bo_CN; Chinese is always offered")]
UiLanguage = Annotated[str, Field(description="one of the languages offered")]
HelpWindow = Annotated[str, Field(min_length=1, max_length=8,
                                  description="the service window the help screen sends citizens to")]


class KioskShared(FileSettings):
    """The settings of the kiosk's machine that the UI reads too: where kioskd is, the hall, the languages."""

    model_config = SettingsConfigDict(env_prefix="KIOSK_", extra="ignore", frozen=True)
    config_tables = ("kiosk", "devices")  # [kiosk] holds the settings, [devices] maps a device kind to its URI

    config: str | None = Field(default=None, description="path of a TOML settings file")
    data_dir: Path = Path("var")
    api_host: Host = "127.0.0.1"
    api_port: Port = 8765
    hall_name: str = HALL_NAME
    timezone: TimeZone = "Asia/Shanghai"
    technician_pin: TechnicianPin = ""
    # The UI's own: languages on the switch beside Chinese, the one it starts in, the help window's number.
    languages: Languages = (BASE_LANGUAGE,)
    ui_language: UiLanguage = BASE_LANGUAGE
    help_window: HelpWindow = "3"

    @field_validator("ui_language")
    @classmethod
    def _ui_language(cls, value: str, info: ValidationInfo) -> str:
        return check_ui_language(value, info.data.get("languages"))
