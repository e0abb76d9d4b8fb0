"""Settings of kioskd: ``KIOSK_*`` environment variables, or a TOML file named by ``KIOSK_CONFIG``.

Environment variables win over the file. Device addresses are URIs (docs/architecture.md);
``KIOSK_DEVICES=sim`` makes every device its simulator unless that device is set explicitly.
The settings the UI reads too are declared with the types of ``config.kiosk``, as the UI's own model
(``kiosk.settings``) declares them, so both processes accept and refuse the same values.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from config.kiosk import DEVICE_KINDS, LANGUAGES, PIN_DIGITS, SECRET, KioskShared
from config.load import ConfigError, load

__all__ = ["DEVICE_KINDS", "LANGUAGES", "PIN_DIGITS", "ConfigError", "Settings", "check_hub_url", "load_settings"]


# KIOSK_* variables that are no settings but are read elsewhere under the prefix; the check for
# unknown names lets them through.
NOT_SETTINGS = frozenset({
    "KIOSK_DEMO_ITEMS",  # kiosk/demo.py: the items the scripted demo walks through
    "KIOSK_UPDATE_SNAPSHOTS",  # tests/ui: accept new screenshots
    "KIOSK_CALL_SHOTS",  # tests/ui: keep the video call's screenshots
    "KIOSK_DEB_MAINTAINER",  # packaging/build.py: the Maintainer field of the built packages
})
NOT_SETTINGS_PREFIXES = ("KIOSK_TEST_",)  # tests against real hardware, e.g. KIOSK_TEST_IDCARD_URI


class Settings(KioskShared):
    """Everything kioskd can be told at start: the settings the UI reads too (``KioskShared``), and these."""

    api_allowed_hosts: str | None = Field(
        default=None, description="comma-separated names kioskd also answers to besides loopback (Host header)"
    )
    api_max_body_bytes: int = Field(default=1024 * 1024, ge=4096, le=64 * 1024 * 1024,
                                    description="largest request body (shared-screen frames have their own limit)")
    kiosk_id: str = Field(default="dev-kiosk", min_length=1, max_length=64)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    devices: Literal["sim", "real"] = Field(
        default="real", description="'sim' makes every device not set explicitly its simulator"
    )
    id_reader: str | None = None
    printer: str | None = None
    camera: str | None = None
    voice: str | None = None
    a4_printer: str | None = Field(default=None, description="A4 printer: ipp://HOST/ipp/print, ipps://…, "
                                   "cups://QUEUE or sim:///dir")
    # the citizen's face camera (video help, and the face check's device when set), microphone and speaker
    # (sim: under KIOSK_DEVICES=sim for video help); every face_camera URI the driver takes
    face_camera: str | None = Field(default=None, description="uvc://N, v4l2:///dev/videoN, images:///dir, sim: "
                                    "(?who=holder|stranger|nobody, ?play=1) or none:")
    microphone: str | None = Field(default=None, description="alsa:default (any ALSA PCM name) or sim:")
    speaker: str | None = Field(default=None, description="alsa:default (any ALSA PCM name) or sim:")
    # the vendor's WLT photo decoder for the ID card's photo: its library's path (a function with the
    # libwlt2bmp signature, named by the symbol), or sim: for the simulator's cards; unset: no face check
    wlt_decoder: str | None = Field(default=None, description="path of the vendor's libwlt2bmp.so, or sim:")
    wlt_decoder_symbol: str = Field(default="unpack", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    device_poll_s: float = Field(default=0.3, gt=0, le=10)
    device_probe_s: float = Field(default=15.0, gt=0, le=3600)
    # a card placed at the home screen waits this long (while it lies on the reader) for a service to be tapped
    card_hold_s: float = Field(default=90.0, gt=0, le=600)

    # Set here, these win over an enrolment (kioskctl enroll, stored in the data dir's hub-enrolment.json).
    hub_url: str | None = None
    hub_token: str | None = None
    # The hub probe's interval (the state in /v1/health follows reality within it), and how long the hub
    # may be out of reach, refusing or wrong before kioskd's health says degraded.
    hub_probe_s: float = Field(default=30.0, gt=0, le=60, description="at most 60: health follows the hub "
                               "within a minute")
    hub_degraded_after_s: float = Field(default=600.0, gt=0, le=86_400)
    # The heartbeat to the hub; staff's remote commands come back with its answer, so this is also how
    # long a command may wait before the kiosk sees it.
    heartbeat_s: float = Field(default=60.0, ge=1, le=600, description="seconds between heartbeats to the hub")
    # Signed catalogue updates (local_api.catalogue_updates): the hub's public key, printed by
    # 'kioskhub catalogue key'; without it the kiosk keeps its shipped items and KIOSK_FLOWS_DIR.
    catalogue_key: str | None = Field(default=None, description="base64 Ed25519 public key of the hub")
    catalogue_poll_s: float = Field(default=300.0, ge=1, le=86_400, description="how often to ask for a new version")
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
    print_job_max_age_s: float = Field(default=900.0, gt=0)
    # The letter of numbers this kiosk hands out while the hub is away; give each kiosk of a hall its
    # own (and none of the hall's service letters) so offline numbers never collide.
    queue_local_prefix: str = Field(default="Z", pattern=r"^[A-Z]$",
                                    description="one capital letter, not used by any of the hall's services")

    # Which services this kiosk offers: a bank branch's kiosk may offer a few, a hall's all of them.
    # Recorded prompts for languages espeak cannot speak: one sub-folder per language (bo_CN/, ug_CN/,
    # mn_CN/) of <item>.<step>.wav files; checked at start, unusable files are left out (kioskctl voice pack).
    voice_packs: Path | None = Field(default=None, description="a folder with one sub-folder of recorded "
                                     "prompts per language")
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

    @field_validator("hub_url")
    @classmethod
    def _hub_url(cls, value: str | None) -> str | None:
        return _hub_address(value)

    @field_validator("face_camera")
    @classmethod
    def _face_camera(cls, value: str | None) -> str | None:
        # the face_camera driver's schemes (drivers/face), checked here by shape: the UI reads these settings
        # too and may not import the drivers; kioskd checks the options when it builds the device
        if value and not _FACE_CAMERA.fullmatch(value):
            raise ValueError("must be uvc://N, v4l2:///dev/videoN, images:///dir, sim: (e.g. sim:?who=holder) "
                             "or none:")
        return value

    @field_validator("microphone", "speaker")
    @classmethod
    def _audio(cls, value: str | None) -> str | None:
        if value and value not in ("sim:", "none:") and not (value.startswith("alsa:") and len(value) > len("alsa:")):
            raise ValueError("must be alsa:PCM (e.g. alsa:default), sim: or none:")
        return value

    # -- derived -------------------------------------------------------------------------------
    def device_uri(self, kind: str) -> str | None:
        """The URI configured for a device kind; ``None`` means the kiosk has no such device."""
        explicit = getattr(self, kind)
        if explicit == "none:" and kind == "face_camera":  # video help's word for "no camera"
            return None
        if explicit:
            return explicit
        default = _SIM_DEFAULTS.get(kind)  # the face check's camera is simulated only when set to sim:
        if self.devices == "sim" and default is not None:
            return default(self)
        return None

    def wlt_decoder_ref(self) -> str | None:
        """The WLT decoder: as set, else sim: under KIOSK_DEVICES=sim, else none (the face check is unavailable)."""
        return self.wlt_decoder or ("sim:" if self.devices == "sim" else None)

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


_FACE_CAMERA = re.compile(r"uvc://\d+(\?\S*)?|v4l2:///dev/video\d+(\?\S*)?|images:///\S+|sim:(\?\S*)?|none:")

_SIM_DEFAULTS = {
    "id_reader": lambda s: "sim:",
    "printer": lambda s: (s.data_dir / "printed").resolve().as_uri().replace("file:", "sim:", 1),
    "camera": lambda s: "sim:",
    "voice": lambda s: (s.data_dir / "voice").resolve().as_uri().replace("file:", "sim:", 1),
    "a4_printer": lambda s: (s.data_dir / "a4").resolve().as_uri().replace("file:", "sim:", 1),
}


def known_variables() -> set[str]:
    """Every ``KIOSK_*`` name that is a setting."""
    return {f"KIOSK_{name.upper()}" for name in Settings.model_fields}


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """The one settings loader of kioskd and kioskctl; a wrong setting is one ConfigError line.

    ``environ`` defaults to the process environment; ``overrides`` win over everything (tests).
    """
    return load(Settings, environ, secret=SECRET, extras=NOT_SETTINGS, extra_prefixes=NOT_SETTINGS_PREFIXES,
                **overrides)


def check_hub_url(value: str) -> str:
    """A hub address as KIOSK_HUB_URL takes it (``kioskctl enroll --hub``); ValueError says what to write."""
    base = _hub_address(value)
    if base is None:
        raise ValueError("give the hub's address, e.g. https://intake.example.gov.cn")
    return base


def _hub_address(value: str | None) -> str | None:
    """``KIOSK_HUB_URL``: scheme and host (and port) only; kioskd adds ``/api/v1`` itself."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    example = "e.g. https://intake.example.gov.cn"
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        host = urlsplit("https://" + text.split("://", 1)[-1]).netloc
        raise ValueError(f"must start with https:// and name the hub: write https://{host}" if host
                         else f"must be the hub's address, {example}")
    try:
        parts.port  # noqa: B018 -- raises on a port that is not a number
    except ValueError:
        raise ValueError(f"has a port that is not a number; {example}:8780") from None
    if parts.username or parts.password:
        raise ValueError("must not carry a user or password; the kiosk's token goes in KIOSK_HUB_TOKEN")
    path = parts.path.rstrip("/")
    secure = parts.scheme == "https" or _loopback(parts.hostname or "")
    base = f"{parts.scheme if secure else 'https'}://{parts.netloc}"  # the address to suggest
    if path == "/api/v1":
        raise ValueError(f"drop /api/v1 from the end (kioskd adds it): write {base}")
    if path or parts.query or parts.fragment:
        raise ValueError(f"must be the hub's address without a path or query: write {base}")
    if not secure:
        raise ValueError(f"plain http is for a hub on this machine only; use {base}")
    return base


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
