"""DLE EOT replies → online / paper / cover / error; silence is unknown, never "paper OK"."""

from __future__ import annotations

import pytest

from drivers.printer.status import PrinterStatus, decode_status, encode_status


@pytest.mark.parametrize(
    ("replies", "expected"),
    [
        ((0x12, 0x12, 0x12, 0x12), PrinterStatus(True, "ok", False, False)),
        ((0x12, 0x12, 0x12, 0x1E), PrinterStatus(True, "near_end", False, False)),
        ((0x1A, 0x32, 0x12, 0x7E), PrinterStatus(False, "out", False, False)),  # emulator: paper out
        ((0x1A, 0x36, 0x12, 0x7E), PrinterStatus(False, "out", True, False)),  # paper out + cover open
        ((0x1A, 0x16, 0x12, 0x12), PrinterStatus(False, "ok", True, False)),  # cover open alone
        ((0x1A, 0x52, 0x1A, 0x12), PrinterStatus(False, "ok", False, True)),  # cutter error
    ],
)
def test_replies_decode_to_the_state_a_technician_sees(replies, expected):
    assert decode_status(dict(zip((1, 2, 3, 4), replies, strict=True))) == expected


def test_no_reply_is_unknown_not_ok():
    status = decode_status({1: None})
    assert status.to_dict() == {"online": None, "paper": "unknown", "cover_open": None, "error": None}
    assert not status.ready and not status.answered


def test_a_byte_that_is_not_a_status_reply_counts_as_no_answer():
    assert decode_status({1: 0x00, 2: 0xFF, 3: 0x12, 4: 0x41}).paper == "unknown"
    assert decode_status({1: 0x00}).online is None


@pytest.mark.parametrize("paper", ["ok", "near_end", "out"])
@pytest.mark.parametrize("cover", [False, True])
def test_encoded_states_decode_back(paper, cover):
    status = decode_status(encode_status(paper=paper, cover_open=cover))
    assert (status.paper, status.cover_open) == (paper, cover)
    assert status.online is (paper != "out" and not cover)
