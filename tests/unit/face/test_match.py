"""Detect, align, embed, compare: the same person across two photos is matched, a stranger is not."""

from __future__ import annotations

import numpy as np
import pytest

from drivers.face.compare import DEFAULT_THRESHOLD, decide, score
from drivers.face.detect import find_faces, the_face, working_image
from drivers.face.errors import NoFace, NotPresent, SeveralFaces, UnreadableImage
from drivers.face.image import decode, wipe
from drivers.face.matcher import FaceMatcher, face_embedding


def test_the_card_holder_matches_their_card_and_a_stranger_does_not(card_photo, holder_live, stranger_live):
    matcher = FaceMatcher()
    same = matcher.match(card_photo, holder_live)
    other = matcher.match(card_photo, stranger_live)
    assert same.match and same.score >= DEFAULT_THRESHOLD
    assert not other.match and other.score < DEFAULT_THRESHOLD
    assert same.score - other.score > 0.3  # far apart, not a coin toss at the threshold
    assert set(same.to_dict()) == {"match", "score", "threshold", "ms"}


def test_the_small_card_photo_is_enlarged_so_its_face_is_found(card_photo):
    rgb = working_image(card_photo)
    assert max(rgb.shape[:2]) >= 400
    face = the_face(find_faces(rgb))
    assert face.landmarks.shape == (5, 2)


def test_an_empty_picture_has_no_face_and_says_what_to_do():
    with pytest.raises(NoFace, match="no face found; look at the camera") as caught:
        face_embedding(np.full((480, 640, 3), 128, np.uint8))
    assert isinstance(caught.value, NotPresent)  # one family with the other devices' "nothing there"


def test_two_people_side_by_side_are_refused_as_ambiguous(holder_live, stranger_live):
    both = np.hstack([holder_live, stranger_live])
    with pytest.raises(SeveralFaces, match="2 faces"):
        face_embedding(both)


def test_a_small_face_far_behind_the_citizen_does_not_count(holder_live, stranger_live):
    import cv2

    frame = holder_live.copy()
    small = cv2.resize(stranger_live, (160, 120))  # someone passing far behind
    frame[:120, :160] = small
    assert face_embedding(frame).shape == (128,)


def test_bytes_that_are_not_an_image_are_unreadable():
    with pytest.raises(UnreadableImage, match="not an image"):
        decode(b"not a jpeg at all")
    with pytest.raises(UnreadableImage):
        decode(b"")


def test_the_score_is_one_minus_the_distance_and_the_decision_holds_it_against_the_threshold():
    a, b = np.zeros(128, np.float32), np.zeros(128, np.float32)
    b[0] = 0.45
    assert score(a, a) == pytest.approx(1.0)
    assert decide(a, b, 0.5).match and not decide(a, b, 0.6).match
    with pytest.raises(ValueError, match="different sizes"):
        score(a, np.zeros(64))


def test_wiping_overwrites_the_frame(holder_live):
    frame = holder_live.copy()
    wipe(frame, None)
    assert not frame.any()
