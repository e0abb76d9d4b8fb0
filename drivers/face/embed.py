"""Alignment and the 128-number embedding of one face."""

from __future__ import annotations

import dlib
import numpy as np

from drivers.face.detect import Face
from drivers.face.models import Models, load

CHIP_SIZE = 150  # the ResNet's input; dlib aligns eyes and nose to fixed places in it
CHIP_PADDING = 0.25


def _shape(face: Face) -> dlib.full_object_detection:
    left, top, right, bottom = face.box
    points = [dlib.point(round(float(x)), round(float(y))) for x, y in face.landmarks]
    return dlib.full_object_detection(dlib.rectangle(left, top, right, bottom), points)


def chip(rgb: np.ndarray, face: Face) -> np.ndarray:
    """The aligned face: eyes level and at fixed places, CHIP_SIZE square, RGB."""
    return np.asarray(dlib.get_face_chip(rgb, _shape(face), size=CHIP_SIZE, padding=CHIP_PADDING))


def embedding(rgb: np.ndarray, face: Face, models: Models | None = None) -> np.ndarray:
    """The face's embedding (128 float32); the same person's faces lie within about 0.5 of each other."""
    m = models or load()
    aligned = chip(rgb, face)
    try:
        return np.asarray(m.embedder.compute_face_descriptor(aligned), dtype=np.float32)
    finally:
        aligned.fill(0)
