"""Device URIs (ARCHITECTURE.md, contract): one string per device, e.g. ``serial:///dev/ttyUSB0?baud=115200``."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from drivers.errors import InvalidDeviceUri


@dataclass(frozen=True)
class DeviceUri:
    """A parsed device URI: scheme, host/port or path, and query options."""

    raw: str
    scheme: str
    host: str = ""
    port: int | None = None
    path: str = ""
    query: dict[str, str] = field(default_factory=dict)

    def option_int(self, name: str, default: int) -> int:
        """An integer query option such as ``baud``, with a clear error when it is not a number."""
        value = self.query.get(name)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            raise InvalidDeviceUri(
                f"option {name}={value!r} in {self.raw!r} must be a whole number"
            ) from None

    def option_seconds(self, name: str, default: float, top: float) -> float:
        """A duration query option such as ``timeout``: seconds above 0 and at most ``top``."""
        value = self.query.get(name)
        if value is None:
            return default
        try:
            result = float(value)
        except ValueError:
            result = -1.0
        if not 0 < result <= top:
            raise InvalidDeviceUri(f"option {name}={value!r} in {self.raw!r} must be seconds between 0 and {top:g}")
        return result

    def __str__(self) -> str:
        return self.raw


def parse_uri(raw: str) -> DeviceUri:
    """Parse a device URI; ``sim:``, ``none:`` and ``espeak:`` have no path."""
    text = raw.strip()
    if ":" not in text:
        raise InvalidDeviceUri(
            f"device URI {raw!r} has no scheme; write it like 'serial:///dev/ttyUSB0' or 'sim:'"
        )
    parts = urlsplit(text)
    if not parts.scheme:
        raise InvalidDeviceUri(f"device URI {raw!r} has no scheme")
    try:
        port = parts.port
    except ValueError:
        if parts.scheme.lower() != "usb":  # usb://VID:PID carries hex ids, not a port
            raise InvalidDeviceUri(f"device URI {raw!r} has a port that is not a number") from None
        port = None
    return DeviceUri(
        raw=text,
        scheme=parts.scheme.lower(),
        host=parts.hostname or "",
        port=port,
        path=parts.path,
        query=dict(parse_qsl(parts.query)),
    )
