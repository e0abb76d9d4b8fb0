"""GB 11643-1999 numbers: check character, embedded birth date, agreement with the card; messages never quote."""

from __future__ import annotations

import pytest

from common.idnumber import (
    BAD_BIRTH,
    BAD_CHECK,
    NOT_18,
    birth_date,
    check_char,
    is_valid,
    permit_2017_problems,
    problems,
    sex_code,
)

VALID = "11010519491231002X"  # the worked example of GB 11643-1999


@pytest.mark.parametrize(("first17", "check"), [("11010519491231002", "X"), ("11010119900307123", "3")])
def test_check_character_of_worked_examples(first17, check):
    assert check_char(first17) == check


@pytest.mark.parametrize("bad", ["", "1101051949123100", "110105194912310021", "1101051949123100A",
                                 "１１０１０５１９４９１２３１００２"])
def test_check_character_needs_exactly_17_ascii_digits(bad):
    with pytest.raises(ValueError):
        check_char(bad)


@pytest.mark.parametrize(
    ("number", "found"),
    [
        (VALID, []),
        (VALID.lower(), []),  # x and X are the same number
        (f" {VALID} ", []),
        ("110105194912310021", [BAD_CHECK]),
        ("11010519491331002" + check_char("11010519491331002"), [BAD_BIRTH]),  # month 13
        ("11010519490229002" + check_char("11010519490229002"), [BAD_BIRTH]),  # 1949 had no 29 February
        ("1101051949123100", [NOT_18]),
        ("11010519491231002Y", [NOT_18]),
        ("1101051949123100２X", [NOT_18]),  # a full-width digit
        ("", [NOT_18]),
    ],
)
def test_problems(number, found):
    assert problems(number) == found
    assert is_valid(number) is (not found)


def test_the_number_must_agree_with_the_cards_birth_date_and_sex():
    assert problems(VALID, birth="1949-12-31", sex="2") == []
    assert problems(VALID, birth="1950-01-01") == ["embedded birth date differs from the card's birth date"]
    assert problems(VALID, sex="1") == ["sequence parity does not match the card's sex"]


def test_messages_never_quote_the_number():
    for number in ("110105194912310021", "11010519491331002" + check_char("11010519491331002"), "1101051949"):
        assert all(number[:6] not in message for message in problems(number, birth="2000-01-01", sex="1"))


def test_birth_date_and_sex_read_from_the_number():
    assert (birth_date(VALID), sex_code(VALID)) == ("1949-12-31", "2")
    assert sex_code("11010119900307123" + "3") == "1"


def test_permanent_resident_numbers_of_2017():
    assert permit_2017_problems("CAN110090010101", birth="1990-01-01", nationality="CAN") == []
    assert permit_2017_problems("CAN110090010101", nationality="USA") == [
        "nationality prefix differs from the card's nationality"]
    assert permit_2017_problems("CAN110090010101", birth="1991-01-01") == [
        "embedded birth date differs from the card's birth date"]
    assert permit_2017_problems("C4N110090010101") == ["not 3 letters followed by 12 digits"]
