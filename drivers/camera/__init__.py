"""The document camera (高拍仪): UVC capture, page detection, auto-capture, page correction and PDF."""

from __future__ import annotations

from collections.abc import Callable

from drivers.base import Device
from drivers.uri import DeviceUri


def _options(uri: DeviceUri) -> dict[str, float]:
    # still_ms: how long a page must lie still before auto-capture; fov_mm: plate width the still covers
    return {"still_seconds": uri.option_int("still_ms", 1000) / 1000, "fov_mm": uri.option_int("fov_mm", 420)}


def _uvc(uri: DeviceUri) -> Device:
    from drivers.camera.capture import UvcSource
    from drivers.camera.device import DocumentCamera

    return DocumentCamera(uri.raw, UvcSource.from_uri(uri), **_options(uri))


def _images(uri: DeviceUri) -> Device:
    from drivers.camera.device import DocumentCamera
    from drivers.camera.replay import ImageFolderSource

    return DocumentCamera(uri.raw, ImageFolderSource.from_uri(uri), **_options(uri))


def _sim(uri: DeviceUri) -> Device:
    from drivers.camera.device import DocumentCamera
    from drivers.camera.sim import SimSource

    return DocumentCamera(uri.raw, SimSource.from_uri(uri), **_options(uri))


SCHEMES: dict[str, Callable[[DeviceUri], Device]] = {"uvc": _uvc, "images": _images, "sim": _sim}
