"""The face check's errors: each says what was wrong with the picture and what to do, never whose it is."""

from __future__ import annotations

from drivers.errors import DriverError, NotPresent


class FaceError(DriverError):
    """A picture could not be used for a face check."""


class UnreadableImage(FaceError):
    """The bytes or file are not an image (or an empty one)."""


class NoFace(FaceError, NotPresent):
    """No face was found in the picture."""


class SeveralFaces(FaceError):
    """More than one face of similar size: whose face to check is ambiguous."""


class ModelsMissing(FaceError):
    """The face models' package is not installed."""


class DecoderUnavailable(FaceError):
    """No WLT photo decoder is configured, so the card's photo cannot be compared."""
