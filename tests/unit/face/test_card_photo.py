"""The card's photo: the sim: decoder gives the simulated card's real face; without a decoder the
check is unavailable, not failed."""

from __future__ import annotations

import pytest

from drivers.errors import DriverError
from drivers.face.card import Outcome, card_photo, check_against_card
from drivers.face.errors import DecoderUnavailable
from drivers.face.matcher import FaceMatcher
from drivers.id_card.photo import PHOTO_SIZE, SimWltDecoder, decoder_from_setting, sim_wlt
from drivers.id_card.sim import SAMPLE_RECORDS, card_from_json


def test_the_simulated_resident_card_carries_the_holders_face_as_a_102_by_126_photo():
    photo = card_photo(SAMPLE_RECORDS["resident"].photo_wlt, SimWltDecoder())
    assert photo.shape == (126, 102, 3)
    assert len(SAMPLE_RECORDS["resident"].photo_wlt) == PHOTO_SIZE


def test_the_holder_in_front_of_the_camera_passes_and_a_stranger_fails(holder_live, stranger_live):
    matcher = FaceMatcher()
    wlt = SAMPLE_RECORDS["resident"].photo_wlt
    passed = check_against_card(wlt, holder_live, SimWltDecoder(), matcher)
    failed = check_against_card(wlt, stranger_live, SimWltDecoder(), matcher)
    assert passed.outcome is Outcome.PASSED and passed.score is not None and passed.score >= matcher.threshold
    assert failed.outcome is Outcome.FAILED and failed.reason == "not_the_holder"


def test_without_a_decoder_the_check_is_unavailable_not_failed(holder_live):
    result = check_against_card(SAMPLE_RECORDS["resident"].photo_wlt, holder_live, None, FaceMatcher())
    assert (result.outcome, result.reason, result.score) == (Outcome.UNAVAILABLE, "no_decoder", None)
    with pytest.raises(DecoderUnavailable, match="KIOSK_WLT_DECODER"):
        card_photo(bytes(PHOTO_SIZE), None)


def test_a_card_whose_photo_the_decoder_refuses_is_unavailable(holder_live):
    zero = bytes(PHOTO_SIZE)  # a real card's block read by the simulator's decoder
    result = check_against_card(zero, holder_live, SimWltDecoder(), FaceMatcher())
    assert (result.outcome, result.reason) == (Outcome.UNAVAILABLE, "card_photo_unreadable")
    with pytest.raises(DriverError, match="not a simulated one"):
        SimWltDecoder().decode(zero)
    with pytest.raises(DriverError, match="not in assets/faces"):
        SimWltDecoder().decode(sim_wlt("nobody_here"))


def test_the_setting_names_the_decoder():
    assert decoder_from_setting(None) is None and decoder_from_setting("") is None
    assert isinstance(decoder_from_setting("sim:"), SimWltDecoder)
    with pytest.raises(DriverError, match="cannot load WLT photo decoder"):
        decoder_from_setting("./no-such-libwlt.so")


def test_a_cards_file_entry_keeps_the_sample_face_or_names_another():
    assert card_from_json({"sample": "resident", "name": "王五"}).photo == sim_wlt("holder")
    assert card_from_json({"sample": "resident", "photo": "stranger"}).photo == sim_wlt("stranger")
