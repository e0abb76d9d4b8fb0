"""人证核验's comparison: the card's photo against a live picture, detect + align + embed + compare."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from drivers.face import compare
from drivers.face.detect import find_faces, the_face, working_image
from drivers.face.embed import embedding
from drivers.face.image import wipe
from drivers.face.models import Models, load


@dataclass(frozen=True)
class MatchResult:
    """The outcome of one attempt; it carries no image, only the decision, the score and the time."""

    match: bool
    score: float
    threshold: float
    ms: int

    def to_dict(self) -> dict[str, Any]:
        return {"match": self.match, "score": round(self.score, 4), "threshold": self.threshold, "ms": self.ms}


def face_embedding(image: np.ndarray, models: Models | None = None) -> np.ndarray:
    """The embedding of the one face in a BGR image; NoFace, SeveralFaces or UnreadableImage otherwise."""
    rgb = working_image(image)
    try:
        face = the_face(find_faces(rgb, models))
        return embedding(rgb, face, models)
    finally:
        wipe(rgb)


class FaceMatcher:
    """Compares a card photo with a live picture at a fixed threshold."""

    def __init__(self, threshold: float = compare.DEFAULT_THRESHOLD, models: Models | None = None) -> None:
        self.threshold = threshold
        self._models = models

    def warm_up(self) -> None:
        """Load the models now rather than at the first citizen's attempt."""
        self._models = self._models or load()

    def match(self, card_photo: np.ndarray, live: np.ndarray) -> MatchResult:
        """Detect, embed and compare both; the errors of :func:`face_embedding` pass through."""
        self.warm_up()
        t0 = time.perf_counter()
        a = face_embedding(card_photo, self._models)
        b = face_embedding(live, self._models)
        decision = compare.decide(a, b, self.threshold)
        return MatchResult(decision.match, decision.score, self.threshold, round((time.perf_counter() - t0) * 1000))
