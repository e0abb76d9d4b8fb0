"""The face models, from the ``face_recognition_models`` package (CC0), run by dlib; loaded once, never downloaded.

* detector: dlib's HOG + linear SVM frontal face detector (built into dlib, no file);
* landmarks: ``shape_predictor_5_face_landmarks.dat``: both corners of each eye and the base of the nose,
  trained on dlib's own 5-point set (the 68-point model is not used: its training set forbids commercial use);
* embedding: ``dlib_face_recognition_resnet_model_v1.dat``: a ResNet giving 128 numbers per face, 99.38 % on
  LFW by its author's measure. See docs/face.md for the comparison that chose it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from drivers.face.errors import ModelsMissing

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
                import face_recognition_models as files
            except ImportError as exc:
                raise ModelsMissing(
                    f"face models are not installed ({exc.name}); install the kiosk's dependencies "
                    "(dlib-bin and face-recognition-models)") from None
            _loaded = Models(
                detector=dlib.get_frontal_face_detector(),
                landmarks=dlib.shape_predictor(files.pose_predictor_five_point_model_location()),
                embedder=dlib.face_recognition_model_v1(files.face_recognition_model_location()),
            )
        return _loaded
