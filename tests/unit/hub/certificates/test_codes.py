"""Verification codes: long enough not to be guessed, easy to type, and a typo is caught before any lookup."""

from __future__ import annotations

import itertools

from hub.certificates.codes import ALPHABET, LENGTH, display, new_code, normalise


def test_a_code_is_16_unambiguous_characters_shown_in_groups_of_four():
    code = new_code()
    assert len(code) == LENGTH == 16
    assert set(code) <= set(ALPHABET)
    assert not set("ILOU") & set(ALPHABET)
    shown = display(code)
    assert len(shown) == 19 and shown.count("-") == 3
    assert all(len(group) == 4 for group in shown.split("-"))
    assert normalise(shown) == code


def test_codes_do_not_repeat():
    assert len({new_code() for _ in range(5000)}) == 5000


def test_typing_is_forgiving_about_case_spaces_hyphens_and_look_alike_letters():
    code = new_code()
    shown = display(code)
    assert normalise(shown.lower()) == code
    assert normalise(f"  {code[:4]} {code[4:8]}　{code[8:]} ") == code
    if "0" in code:
        assert normalise(code.replace("0", "O")) == code
    if "1" in code:
        assert normalise(code.replace("1", "l")) == code


def test_any_one_wrong_character_is_caught_by_the_check_character():
    code = new_code()
    for i, other in itertools.product(range(LENGTH), ALPHABET):
        if other != code[i]:
            assert normalise(code[:i] + other + code[i + 1 :]) is None


def test_most_swaps_of_neighbours_are_caught():
    caught = total = 0
    for _ in range(200):
        code = new_code()
        for i in range(LENGTH - 1):
            if code[i] != code[i + 1]:
                total += 1
                caught += normalise(code[:i] + code[i + 1] + code[i] + code[i + 2 :]) is None
    assert caught / total > 0.9


def test_what_cannot_be_a_code_is_refused():
    for text in ("", "ABCD", "ABCD-EFGH-JKMN-PQRSX", "ABCD-EFGH-JKMN-PQR!", "ÄBCD-EFGH-JKMN-PQRS"):
        assert normalise(text) is None
