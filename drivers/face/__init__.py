"""Face matching for 人证核验: detection, alignment, embedding and comparison (dlib and its CC0 models),
liveness, and the face camera: ``uvc://INDEX`` or ``v4l2:///dev/videoN``, ``images:///dir``
(``?repeat=N``), ``sim:`` (``?who=holder|stranger|nobody``).
"""

from __future__ import annotations

from collections.abc import Callable

from drivers.base import Device
from drivers.uri import DeviceUri


def _uvc_source(uri: DeviceUri):
    from drivers.face.sources import UvcFaceSource

    return UvcFaceSource.from_uri(uri)


def _images_source(uri: DeviceUri):
    from drivers.face.sources import ImageFaceSource

    return ImageFaceSource.from_uri(uri)


def _sim_source(uri: DeviceUri):
    from drivers.face.sim import SimFaceSource

    return SimFaceSource.from_uri(uri)


def _device(source_for: Callable[[DeviceUri], object]) -> Callable[[DeviceUri], Device]:
    def build(uri: DeviceUri) -> Device:
        from drivers.face.camera import FaceCamera

        return FaceCamera(uri.raw, source_for(uri))  # type: ignore[arg-type]

    return build


SOURCES: dict[str, Callable[[DeviceUri], object]] = {
    "uvc": _uvc_source, "v4l2": _uvc_source, "images": _images_source, "sim": _sim_source,
}
SCHEMES: dict[str, Callable[[DeviceUri], Device]] = {scheme: _device(f) for scheme, f in SOURCES.items()}
# What each factory reads from the URI, without building or opening anything (registry.check_uri).
CHECKS: dict[str, Callable[[DeviceUri], object]] = dict(SOURCES)
