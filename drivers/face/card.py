"""The card's side of 人证核验: its WLT photo through the configured decoder, and one checked attempt.

Which decoder is configured is the setting's business (``KIOSK_WLT_DECODER``); here it is any object
with ``decode(wlt) -> image bytes`` (``drivers.id_card.photo``), or None when there is none. Without a
decoder, or when the card's photo cannot be decoded or shows no usable face, the check is
``unavailable``: the citizen is not to blame, and the item offers its alternative.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from drivers.errors import DriverError
from drivers.face.errors import DecoderUnavailable, FaceError, NoFace, SeveralFaces
from drivers.face.image import decode, wipe
from drivers.face.matcher import FaceMatcher, face_embedding


class PhotoDecoder(Protocol):
    def decode(self, wlt: bytes) -> bytes: ...


class Outcome(enum.StrEnum):
    """What one attempt of the face check came to."""

    PASSED = "passed"  # the live face is the card's holder
    FAILED = "failed"  # a face was seen and it is not the holder's (or the attempt gave no usable face)
    UNAVAILABLE = "unavailable"  # the check cannot be made on this kiosk or with this card


@dataclass(frozen=True)
class CardCheck:
    """One attempt's outcome with the score and why; it carries no image."""

    outcome: Outcome
    reason: str = ""
    score: float | None = None
    threshold: float | None = None


def card_photo(wlt: bytes, decoder: PhotoDecoder | None) -> np.ndarray:
    """The card's photo as a BGR image; DecoderUnavailable when no decoder is configured."""
    if decoder is None:
        raise DecoderUnavailable("no WLT photo decoder is configured (KIOSK_WLT_DECODER); the face check "
                                 "is unavailable on this kiosk")
    return decode(decoder.decode(wlt))


def check_against_card(wlt: bytes, live: np.ndarray, decoder: PhotoDecoder | None,
                       matcher: FaceMatcher) -> CardCheck:
    """Compare the live picture with the card's photo; the card photo is decoded, used and wiped here."""
    try:
        photo = card_photo(wlt, decoder)
    except DecoderUnavailable:
        return CardCheck(Outcome.UNAVAILABLE, "no_decoder")
    except (DriverError, FaceError):
        return CardCheck(Outcome.UNAVAILABLE, "card_photo_unreadable")
    try:
        card = face_embedding(photo)
    except FaceError:
        return CardCheck(Outcome.UNAVAILABLE, "card_photo_has_no_face")
    finally:
        wipe(photo)
    try:
        mine = face_embedding(live)
    except NoFace:
        return CardCheck(Outcome.FAILED, "no_face")
    except SeveralFaces:
        return CardCheck(Outcome.FAILED, "several_faces")
    from drivers.face.compare import decide

    decision = decide(card, mine, matcher.threshold)
    return CardCheck(Outcome.PASSED if decision.match else Outcome.FAILED, "" if decision.match else "not_the_holder",
                     decision.score, decision.threshold)
