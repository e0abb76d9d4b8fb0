"""Frame sources of the face camera: ``uvc://INDEX`` (also ``v4l2:///dev/videoN``) and ``images:///dir``."""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np

from drivers.camera.capture import UvcSource
from drivers.camera.replay import ImageFolderSource
from drivers.errors import InvalidDeviceUri
from drivers.uri import DeviceUri

FACE_SIZE = (640, 480)  # faces need no more: the embedding works on a 150 px chip


class UvcFaceSource:
    """A UVC camera at 640 x 480 through OpenCV, opened only while frames are wanted."""

    def __init__(self, index: int, node: str | None = None) -> None:
        self.index = index
        self.node = Path(node) if node else Path(f"/dev/video{index}")
        opener = (lambda _i: cv2.VideoCapture(str(self.node), cv2.CAP_V4L2)) if node else (
            lambda i: cv2.VideoCapture(i, cv2.CAP_ANY))
        self._camera = UvcSource(index, width=FACE_SIZE[0], height=FACE_SIZE[1], preview_width=FACE_SIZE[0],
                                 preview_height=FACE_SIZE[1], settle_frames=0, opener=opener)

    @classmethod
    def from_uri(cls, uri: DeviceUri) -> UvcFaceSource:
        if uri.scheme == "v4l2":
            m = re.fullmatch(r"/dev/video(\d+)", uri.path)
            if not m:
                raise InvalidDeviceUri(f"face camera URI {uri.raw!r} must name a video node, like v4l2:///dev/video1")
            return cls(int(m[1]), uri.path)
        text = uri.host or uri.path.strip("/")
        if not text.isdigit():
            raise InvalidDeviceUri(f"face camera URI {uri.raw!r} needs a device index, like 'uvc://1'")
        return cls(int(text))

    def present(self) -> bool:
        return self.node.exists()

    def open(self) -> None:
        self._camera.open()

    def close(self) -> None:
        self._camera.close()

    def read_preview(self) -> np.ndarray:
        return self._camera.read_preview()


class ImageFaceSource:
    """Image files shown in turn, one per frame by default (``?repeat=N`` holds each for N frames); loops."""

    def __init__(self, folder: str, repeat: int = 1) -> None:
        self._images = ImageFolderSource(folder, repeat=repeat)

    @classmethod
    def from_uri(cls, uri: DeviceUri) -> ImageFaceSource:
        if not uri.path:
            raise InvalidDeviceUri(f"face camera URI {uri.raw!r} needs a folder, like 'images:///srv/faces'")
        return cls(uri.path, uri.option_int("repeat", 1))

    def present(self) -> bool:
        return self._images.folder.is_dir()

    def open(self) -> None:
        self._images.open()

    def close(self) -> None:
        self._images.close()

    def read_preview(self) -> np.ndarray:
        return self._images.read_preview().copy()

