"""Face detection and the five landmarks, on a BGR image of any size.

The image is first brought to a working size: camera frames are shrunk (speed), card photos
(102 x 126 px from the WLT decoder) are enlarged, since the HOG detector finds faces from about 80 px.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from drivers.face.errors import NoFace, SeveralFaces, UnreadableImage
from drivers.face.models import Models, load

WORK_LONG_SIDE = (400, 800)  # below: enlarge, above: shrink
RIVAL_AREA = 0.5  # a second face at least half the size of the largest makes the picture ambiguous


@dataclass(frozen=True)
class Face:
    """One face in working-image pixels: box (left, top, right, bottom), 5 landmarks and the detector's score.

    Landmarks: 0, 1 the outer and inner corner of the face's left eye (image right), 2, 3 the outer and
    inner corner of its right eye (image left), 4 the base of the nose.
    """

    box: tuple[int, int, int, int]
    landmarks: np.ndarray
    score: float

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]

    @property
    def area(self) -> int:
        return self.width * (self.box[3] - self.box[1])


def working_image(image: np.ndarray) -> np.ndarray:
    """RGB, long side within WORK_LONG_SIDE; grey images get three channels."""
    if image is None or image.size == 0 or image.ndim not in (2, 3):
        raise UnreadableImage("empty image; check the camera or the file")
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    elif image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    h, w = image.shape[:2]
    low, high = WORK_LONG_SIDE
    long_side = max(h, w)
    if long_side < low:
        f = low / long_side
        image = cv2.resize(image, (round(w * f), round(h * f)), interpolation=cv2.INTER_CUBIC)
    elif long_side > high:
        f = high / long_side
        image = cv2.resize(image, (round(w * f), round(h * f)), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def find_faces(rgb: np.ndarray, models: Models | None = None, *, fast: bool = False) -> list[Face]:
    """Every face in a working image (see :func:`working_image`), largest first.

    ``fast`` (liveness frames): the detector runs on a half-size copy first, a quarter of the work, and
    on the full image only when that finds nothing (a face too small for half size, under 160 px).
    Landmarks are always taken at full size.
    """
    import dlib

    m = models or load()
    rects, scores = [], []
    if fast and max(rgb.shape[:2]) >= 2 * WORK_LONG_SIDE[0]:
        half = cv2.resize(rgb, (rgb.shape[1] // 2, rgb.shape[0] // 2), interpolation=cv2.INTER_AREA)
        found, scores, _ = m.detector.run(half, 0, 0.0)
        rects = [dlib.rectangle(r.left() * 2, r.top() * 2, r.right() * 2, r.bottom() * 2) for r in found]
    if not rects:
        rects, scores, _ = m.detector.run(rgb, 0, 0.0)
    faces = []
    for rect, score in zip(rects, scores, strict=True):
        shape = m.landmarks(rgb, rect)
        points = np.array([[p.x, p.y] for p in shape.parts()], dtype=np.float32)
        faces.append(Face((rect.left(), rect.top(), rect.right(), rect.bottom()), points, float(score)))
    return sorted(faces, key=lambda f: f.area, reverse=True)


def the_face(faces: list[Face]) -> Face:
    """The one face to check: NoFace when there is none, SeveralFaces when two are of similar size."""
    if not faces:
        raise NoFace("no face found; look at the camera, in good light, without a mask or hat")
    if len(faces) > 1 and faces[1].area >= RIVAL_AREA * faces[0].area:
        raise SeveralFaces(f"{len(faces)} faces in the picture; only the person being checked may be in view")
    return faces[0]
