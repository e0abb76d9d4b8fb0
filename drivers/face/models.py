"""The face models, from the ``face_recognition_models`` package (CC0), run by dlib; loaded once, never downloaded.

* detector: dlib's HOG + linear SVM frontal face detector (built into dlib, no file);
* landmarks: ``shape_predictor_5_face_landmarks.dat``: both corners of each eye and the base of the nose,
  trained on dlib's own 5-point set (the 68-point model is not used: its training set forbids commercial use);
* embedding: ``dlib_face_recognition_resnet_model_v1.dat``: a ResNet giving 128 numbers per face, 99.38 % on
  LFW by its author's measure. See docs/face.md for the comparison that chose it.
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drivers.face.errors import ModelsMissing

LANDMARKS = "shape_predictor_5_face_landmarks.dat"
EMBEDDING = "dlib_face_recognition_resnet_model_v1.dat"
_lock = threading.Lock()
_loaded: Models | None = None


@dataclass(frozen=True)
class Models:
    """The three dlib objects. dlib releases the GIL while it computes, and each call is independent."""

    detector: Any
    landmarks: Any
    embedder: Any


def load() -> Models:
    """The models, loaded on first use (about a second; 44 MB of memory): FaceMatcher.warm_up does it early."""
    global _loaded
    with _lock:
        if _loaded is None:
            try:
                import dlib
            except ImportError as exc:
                raise ModelsMissing(
                    f"face models are not installed ({exc.name}); install the kiosk's dependencies "
                    "(dlib-bin and face-recognition-models)") from None
            folder = model_folder()
            _loaded = Models(
                detector=dlib.get_frontal_face_detector(),
                landmarks=dlib.shape_predictor(str(folder / LANDMARKS)),
                embedder=dlib.face_recognition_model_v1(str(folder / EMBEDDING)),
            )
        return _loaded


def model_folder() -> Path:
    """Where ``face_recognition_models`` keeps its files, found without importing it: its ``__init__``
    needs ``pkg_resources`` (setuptools), which the kiosk's packaged venv does not carry."""
    spec = importlib.util.find_spec("face_recognition_models")
    folder = Path(next(iter(spec.submodule_search_locations or ())), "models") if spec else None
    if folder is None or not all((folder / name).is_file() for name in (LANDMARKS, EMBEDDING)):
        raise ModelsMissing("face models are not installed (face_recognition_models); install the kiosk's "
                            "dependencies (dlib-bin and face-recognition-models)")
    return folder
