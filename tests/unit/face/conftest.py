"""Real face photos (public domain, assets/faces/README.md) and their variants."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

FACES = Path(__file__).resolve().parents[3] / "assets" / "faces"


def load(name: str) -> np.ndarray:
    image = cv2.imread(str(FACES / name))
    assert image is not None, name
    return image


@pytest.fixture(scope="session")
def card_photo() -> np.ndarray:
    """The sample card holder's photo at the size the WLT decoder gives (102 x 126)."""
    return cv2.resize(load("holder-card.jpg"), (102, 126), interpolation=cv2.INTER_AREA)


@pytest.fixture(scope="session")
def holder_live() -> np.ndarray:
    """Another photo of the same person, as a 640 x 480 camera frame."""
    return cv2.resize(load("holder-live.jpg"), (640, 480), interpolation=cv2.INTER_AREA)


@pytest.fixture(scope="session")
def stranger_live() -> np.ndarray:
    return cv2.resize(load("stranger-live.jpg"), (640, 480), interpolation=cv2.INTER_AREA)
