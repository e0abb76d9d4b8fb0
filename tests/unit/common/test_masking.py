"""The one masking rule: names, ID numbers, phone numbers and addresses as paper, screens and the hub show them."""

from __future__ import annotations

import pytest

from common.masking import mask_address, mask_id, mask_name, mask_phone

NAMES = [
    ("", ""),
    (None, ""),
    ("  ", ""),
    ("王", "*"),  # a one-character name shown whole would not be masked
    ("张三", "张*"),
    ("张三丰", "张*丰"),
    (" 张三丰 ", "张*丰"),
    ("欧阳娜娜", "欧**娜"),  # compound surname: not guessed at
    ("司马光", "司*光"),
    ("诸葛孔明", "诸**明"),
    ("买买提·艾力", "买****力"),  # the separator is starred too
    ("SMITH JOHN", "S********N"),  # foreign permanent resident's Latin name
    ("LI", "L*"),
    ("ZHANG, WEI MING", "Z*************G"),
    ("张*", "张*"),  # already masked
    ("张*丰", "张*丰"),
    ("张**", "张**"),  # masked by an older rule: stays hidden
    ("*", "*"),
]

IDS = [
    ("", ""),
    (None, ""),
    ("64010419900101123X", "6401**********123X"),
    (" 64010419900101123x ", "6401**********123x"),
    ("CAN110090010101", "CAN1*******0101"),  # 2017 permanent resident number, 15 characters
    ("110105491231002", "1101*******1002"),  # old 15-digit number
    ("810000199001011234", "8100**********1234"),  # Hong Kong residents' residence permit
    ("E12345678", "*****5678"),  # too short for both ends: the last four only
    ("12345678", "****5678"),
    ("1234567", "*******"),  # shorter still: all of it
    ("1234", "****"),
    ("6401**********123X", "6401**********123X"),  # already masked
    ("*****5678", "*****5678"),
]

PHONES = [
    ("", ""),
    (None, ""),
    ("13812345678", "138****5678"),
    ("0951-1234567", "095*****4567"),
    ("01012345678", "010****5678"),
    ("0101234567", "******4567"),  # ten characters: first three and last four would hide only three
    ("62345678", "****5678"),
    ("1234567", "*******"),
    ("123", "***"),
    ("138****5678", "138****5678"),  # already masked
]

ADDRESSES = [
    ("", ""),
    ("宁夏回族自治区银川市兴庆区解放东街100号", "宁夏回族自治区银川市兴庆区****"),
    ("北京市东城区示例路1号", "北京市东城区****"),
    ("北京市朝阳区望京街道某小区3号楼", "北京市朝阳区****"),  # 小区 comes after the district
    ("某某县城关镇1号", "某某县****"),
    ("内蒙古自治区呼和浩特市某某旗某镇", "内蒙古自治区呼和浩特市某某旗****"),
    ("某某县城市花园1号", "某某县****"),  # 城市花园 is no city
    ("延边朝鲜族自治州延吉市河南街1号", "延边朝鲜族自治州延吉市****"),  # no district: down to the city
    ("Flat 3, 10 Nathan Road", "****"),  # nothing to keep
    ("北京市东城区****", "北京市东城区****"),  # already masked
    ("****", "****"),
]


@pytest.mark.parametrize(("name", "masked"), NAMES)
def test_names(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(("number", "masked"), IDS)
def test_id_numbers(number, masked):
    assert mask_id(number) == masked


@pytest.mark.parametrize(("phone", "masked"), PHONES)
def test_phone_numbers(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(("address", "masked"), ADDRESSES)
def test_addresses(address, masked):
    assert mask_address(address) == masked


@pytest.mark.parametrize(
    ("mask", "value"),
    [(mask_name, v) for v, _ in NAMES] + [(mask_id, v) for v, _ in IDS] + [(mask_phone, v) for v, _ in PHONES]
    + [(mask_address, v) for v, _ in ADDRESSES],
)
def test_masking_twice_changes_nothing(mask, value):
    assert mask(mask(value)) == mask(value)


@pytest.mark.parametrize(
    ("mask", "value"), [(mask_id, v) for v, _ in IDS if v] + [(mask_phone, v) for v, _ in PHONES if v]
)
def test_numbers_always_hide_at_least_four_characters(mask, value):
    shown = mask(value)
    assert len(shown) == len(value.strip()) and shown.count("*") >= min(4, len(shown))


@pytest.mark.parametrize("name", [v for v, _ in NAMES if v and v.strip() and "*" not in v])
def test_a_name_never_shows_more_than_its_first_and_last_character(name):
    shown = mask_name(name)
    assert len(shown) == len(name.strip()) and len(shown) - shown.count("*") <= min(2, len(shown) - 1)
