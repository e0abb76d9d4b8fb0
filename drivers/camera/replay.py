"""``images:///dir``: image files replayed as a camera, for tests and demos."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from drivers.camera.source import shrink
from drivers.errors import DeviceNotFound, InvalidDeviceUri
from drivers.uri import DeviceUri

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}


def load_image(path: str | Path) -> np.ndarray:
    """Read an image as BGR with its EXIF orientation applied; ValueError saying why when it cannot."""
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"{p}: no such file")
    data = np.fromfile(str(p), dtype=np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise ValueError(f"{p}: not an image OpenCV can read (JPEG, PNG, BMP, TIFF, WebP)")
    return image


class ImageFolderSource:
    """Each image is shown for ``repeat`` preview reads (a still page), then the next; loops at the end."""

    def __init__(self, folder: str | Path, *, repeat: int = 15) -> None:
        self.folder = Path(folder)
        self.repeat = max(1, repeat)
        self._files: list[Path] = []
        self._reads = 0
        self._cache: tuple[Path, np.ndarray] | None = None

    @classmethod
    def from_uri(cls, uri: DeviceUri) -> ImageFolderSource:
        if not uri.path:
            raise InvalidDeviceUri(f"camera URI {uri.raw!r} needs a folder, like 'images:///srv/demo-pages'")
        return cls(uri.path, repeat=uri.option_int("repeat", 15))

    def open(self) -> None:
        if not self.folder.is_dir():
            raise DeviceNotFound(f"image folder {self.folder} does not exist", device=f"images://{self.folder}")
        self._files = sorted(p for p in self.folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not self._files:
            raise DeviceNotFound(f"no images in {self.folder}; add JPEG or PNG files",
                                 device=f"images://{self.folder}")
        self._reads = 0

    def close(self) -> None:
        self._cache = None

    @property
    def current(self) -> Path:
        return self._files[(max(self._reads - 1, 0) // self.repeat) % len(self._files)]

    def _image(self, path: Path) -> np.ndarray:
        if self._cache is None or self._cache[0] != path:
            try:
                self._cache = (path, load_image(path))
            except ValueError as exc:
                raise DeviceNotFound(str(exc), device=f"images://{self.folder}") from None
        return self._cache[1]

    def read_preview(self) -> np.ndarray:
        self._reads += 1
        return shrink(self._image(self.current))

    def read_still(self) -> np.ndarray:
        return self._image(self.current).copy()
