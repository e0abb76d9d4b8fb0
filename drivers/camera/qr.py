"""Find and decode a QR code in a camera frame (an appointment slip or a phone screen on the plate).

Pure: a frame in, the code's text (or None) out. OpenCV's classic detector first, then its ArUco-based
detector (better under blur and perspective), on the whole frame; then both on enlarged crops of the
square, high-contrast patches that could be a code too small in the frame for the finders.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import cv2
import numpy as np

MAX_SIDE_PX = 2000  # larger stills are reduced first: detection time grows with the area
CROP_SIDE_PX = 480  # a candidate patch is enlarged to about this size before decoding
MAX_CANDIDATES = 6


def decode_qr(frame: np.ndarray) -> str | None:
    """The text of a QR code in a BGR or grey frame, or None when there is no readable code."""
    if frame is None or frame.size == 0:
        return None
    grey = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    grey = _fit(grey)
    for image in (grey, *_candidate_crops(grey)):
        for detect in _DETECTORS:
            text = detect(image)
            if text:
                return text
    return None


def qr_in_jpeg(data: bytes) -> str | None:
    """``decode_qr`` on an encoded image (JPEG or PNG bytes); None when it is not an image."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    return None if image is None else decode_qr(image)


def _fit(grey: np.ndarray) -> np.ndarray:
    h, w = grey.shape[:2]
    scale = MAX_SIDE_PX / max(h, w)
    if scale >= 1:
        return grey
    return cv2.resize(grey, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)


def _candidate_crops(grey: np.ndarray) -> Iterator[np.ndarray]:
    """Enlarged crops of dense, square-ish patches of edges, biggest first."""
    edges = cv2.morphologyEx(grey, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    _, mask = cv2.threshold(edges, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    shown = 0
    for contour in sorted(contours, key=cv2.contourArea, reverse=True):
        (_, _), (w, h), _ = cv2.minAreaRect(contour)
        if min(w, h) < 16 or max(w, h) > 1.4 * min(w, h) or cv2.contourArea(contour) < 0.6 * w * h:
            continue
        x, y, bw, bh = cv2.boundingRect(contour)
        margin = int(0.3 * max(bw, bh))  # the quiet zone, and room for a turned code's corners
        crop = grey[max(0, y - margin):y + bh + margin, max(0, x - margin):x + bw + margin]
        scale = CROP_SIDE_PX / max(crop.shape[:2])
        if scale > 1:
            crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        yield crop
        shown += 1
        if shown == MAX_CANDIDATES:
            return


def _classic(image: np.ndarray) -> str | None:
    try:
        text, _points, _ = cv2.QRCodeDetector().detectAndDecode(image)
    except cv2.error:  # rare internal asserts on degenerate candidates: treat as "not found"
        return None
    return text or None


def _aruco(image: np.ndarray) -> str | None:
    try:
        text, _points, _ = cv2.QRCodeDetectorAruco().detectAndDecode(image)
    except cv2.error:
        return None
    return text or None


_DETECTORS: tuple[Callable[[np.ndarray], str | None], ...] = (
    (_classic, _aruco) if hasattr(cv2, "QRCodeDetectorAruco") else (_classic,)
)
