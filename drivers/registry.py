"""Device kind + URI → driver instance.

Each kind's package (``drivers/<kind>/__init__.py``) exposes ``SCHEMES``: a mapping of URI scheme to
a factory taking the parsed :class:`DeviceUri`, and may expose ``CHECKS``: per scheme, the factory's
reading of the URI (host, path, ids, options) without building or opening anything. The package is
imported only when a device of that kind is checked or built, so a kiosk without a camera never
imports OpenCV.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping

from drivers.base import Device
from drivers.errors import InvalidDeviceUri
from drivers.uri import DeviceUri, parse_uri

# kind → package that owns it
KINDS: Mapping[str, str] = {
    "id_reader": "drivers.id_card",
    "printer": "drivers.printer",
    "camera": "drivers.camera",
    "voice": "drivers.voice",
    "a4_printer": "drivers.a4_printer",
    "face_camera": "drivers.face",
}

Factory = Callable[[DeviceUri], Device]


def schemes_for(kind: str) -> Mapping[str, Factory]:
    """The URI schemes a kind supports, from its package."""
    if kind not in KINDS:
        raise InvalidDeviceUri(f"unknown device kind {kind!r}; known kinds: {', '.join(KINDS)}")
    module = importlib.import_module(KINDS[kind])
    return getattr(module, "SCHEMES", {})


def check_uri(kind: str, raw: str) -> DeviceUri:
    """Parse ``raw`` as ``kind``'s driver would (scheme, address, options), without opening anything."""
    uri = parse_uri(raw)
    schemes = schemes_for(kind)
    if uri.scheme not in schemes:
        allowed = ", ".join(f"{s}:" for s in sorted(schemes))
        raise InvalidDeviceUri(
            f"{kind} does not support {uri.scheme}: URIs ({raw!r}); use one of {allowed}"
        )
    check = getattr(importlib.import_module(KINDS[kind]), "CHECKS", {}).get(uri.scheme)
    if check is not None:
        check(uri)
    return uri


def create(kind: str, raw: str) -> Device:
    """Build (but do not open) the driver for a device."""
    uri = check_uri(kind, raw)
    return schemes_for(kind)[uri.scheme](uri)
