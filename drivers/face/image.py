"""Images in, BGR numpy arrays out: files, encoded bytes and the card's decoded BMP alike."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from drivers.face.errors import UnreadableImage


def decode(data: bytes) -> np.ndarray:
    """Encoded image bytes (JPEG, PNG, BMP...) as a BGR array; UnreadableImage when they are not one."""
    buf = np.frombuffer(data, dtype=np.uint8)
    image = cv2.imdecode(buf, cv2.IMREAD_COLOR) if buf.size else None
    if image is None or image.size == 0:
        raise UnreadableImage("not an image OpenCV can read; give a JPEG, PNG or BMP")
    return image


def read(path: str | Path) -> np.ndarray:
    """An image file as BGR; UnreadableImage saying why (the message names no file: paths can carry names)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise UnreadableImage(f"cannot read the image file ({exc.strerror}); check the path") from None
    return decode(data)


def wipe(*frames: np.ndarray | None) -> None:
    """Overwrite frames in place once they are no longer needed (face images are personal data)."""
    for frame in frames:
        if frame is not None and frame.flags.writeable:
            frame.fill(0)
