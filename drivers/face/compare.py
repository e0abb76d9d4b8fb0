"""Pure comparison of two embeddings: a score in which higher means more alike, and the decision."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Chosen on LFW for a false accept rate of at most 0.1 % (docs/face.md, tests/eval/face.py).
DEFAULT_THRESHOLD = 0.48


def score(a: np.ndarray, b: np.ndarray) -> float:
    """1 minus the Euclidean distance of two embeddings: 1 for identical faces, about 0.2 for strangers."""
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape or a.size == 0:
        raise ValueError(f"embeddings of different sizes ({a.size} and {b.size}) cannot be compared")
    return float(1.0 - np.linalg.norm(a - b))


@dataclass(frozen=True)
class Decision:
    """Whether two faces are the same person, with the score and the threshold it was held against."""

    match: bool
    score: float
    threshold: float


def decide(a: np.ndarray, b: np.ndarray, threshold: float = DEFAULT_THRESHOLD) -> Decision:
    """Same person when the score reaches the threshold."""
    s = score(a, b)
    return Decision(s >= threshold, s, threshold)
