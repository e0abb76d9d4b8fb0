"""The document camera (高拍仪): UVC capture, page detection, auto-capture, page correction and PDF."""

from __future__ import annotations

from collections.abc import Callable

from drivers.base import Device
from drivers.uri import DeviceUri


def _options(uri: DeviceUri) -> dict[str, float]:
    # still_ms: how long a page must lie still before auto-capture; fov_mm: plate width the still covers
    return {"still_seconds": uri.option_int("still_ms", 1000) / 1000, "fov_mm": uri.option_int("fov_mm", 420)}


def _uvc_source(uri: DeviceUri):
    from drivers.camera.capture import UvcSource

    return UvcSource.from_uri(uri)  # reads the index and sizes; the camera is opened later


def _images_source(uri: DeviceUri):
    from drivers.camera.replay import ImageFolderSource

    return ImageFolderSource.from_uri(uri)


def _sim_source(uri: DeviceUri):
    from drivers.camera.sim import SimSource

    return SimSource.from_uri(uri)


def _uvc(uri: DeviceUri) -> Device:
    from drivers.camera.device import DocumentCamera

    return DocumentCamera(uri.raw, _uvc_source(uri), **_options(uri))


def _images(uri: DeviceUri) -> Device:
    from drivers.camera.device import DocumentCamera

    return DocumentCamera(uri.raw, _images_source(uri), **_options(uri))


def _sim(uri: DeviceUri) -> Device:
    from drivers.camera.device import DocumentCamera

    return DocumentCamera(uri.raw, _sim_source(uri), **_options(uri))


SCHEMES: dict[str, Callable[[DeviceUri], Device]] = {"uvc": _uvc, "images": _images, "sim": _sim}
# What each factory reads from the URI, without building or opening anything (registry.check_uri).
CHECKS: dict[str, Callable[[DeviceUri], object]] = {
    "uvc": lambda uri: (_uvc_source(uri), _options(uri)),
    "images": lambda uri: (_images_source(uri), _options(uri)),
    "sim": lambda uri: (_sim_source(uri), _options(uri)),
}
