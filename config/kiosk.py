"""The ``KIOSK_*`` rules kioskd and the UI both apply, so both processes accept and refuse the same values.

kioskd's model (``local_api.settings``) and the UI's (``kiosk.settings``) each declare the settings
they read with these types and checks; the UI reads only its own part.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_settings import NoDecode

from config.fields import Host, Port, Zone

DEVICE_KINDS = ("id_reader", "printer", "camera", "voice", "a4_printer", "face_camera")
# Languages the UI has a catalogue for (kiosk/locale/*.yaml; a UI test keeps the two in step).
LANGUAGES = ("zh_CN", "bo_CN", "ug_CN")
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


ApiHost = Host
ApiPort = Port
TimeZone = Annotated[Zone, Field(description="for times on paper and screen")]
TechnicianPin = Annotated[str, AfterValidator(_pin),
                          Field(description="PIN for the maintenance screen; empty disables it")]
Languages = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_languages),
                      Field(description="comma-separated, e.g. zh_CN,bo_CN; Chinese is always offered")]
UiLanguage = Annotated[str, Field(description="one of the languages offered")]
HelpWindow = Annotated[str, Field(min_length=1, max_length=8,
                                  description="the service window the help screen sends citizens to")]
