"""Text blocks of the four card kinds, code tables, the GB 11643 check and personal-data hygiene."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import logging
from pathlib import Path

import pytest

from drivers.errors import ProtocolError
from drivers.id_card.codes import NATIONS, nation_name, sex_name
from drivers.id_card.protocol import parse_base_info, parse_response
from drivers.id_card.records import CardType, decode_appended_address, decode_text, encode_text, ucs2
from drivers.id_card.sim import SAMPLE_RECORDS

DATA = Path(__file__).parents[2] / "data" / "id_card"
READ_OK = bytes.fromhex((DATA / "read_base_resident.hex").read_text().replace("\n", ""))
VECTOR_TEXT = parse_base_info(parse_response(READ_OK).data).text


def test_published_vector_decodes_to_the_made_up_person() -> None:
    rec = decode_text(VECTOR_TEXT)
    assert rec.to_dict() == {
        "card_type": "resident",
        "name": "张三",
        "sex": "男",
        "sex_code": "1",
        "birth_date": "1990-03-07",
        "id_number": "110101199003071233",
        "valid_from": "2020-01-01",
        "valid_to": "2040-01-01",
        "authority": "北京市公安局东城分局",
        "photo_wlt": base64.b64encode(bytes(1024)).decode(),
        "nation": "汉",
        "nation_code": "01",
        "address": "北京市东城区示例路1号",
        "id_number_valid": True,
    }


def test_a_wrong_check_character_is_reported_not_accepted() -> None:
    text = VECTOR_TEXT[:122] + ucs2("110101199003071234", 36) + VECTOR_TEXT[158:]
    rec = decode_text(text)
    assert rec.id_number_valid is False
    assert rec.to_dict()["id_number_valid"] is False
    assert any("check character" in p for p in rec.id_number_problems)
    assert all("1101" not in p for p in rec.id_number_problems)  # problems never quote the number


def test_number_that_disagrees_with_birth_date_and_sex_is_flagged() -> None:
    rec = SAMPLE_RECORDS["resident"]
    assert rec.id_number_valid
    late = decode_text(encode_text(dataclasses.replace(rec, birth_date="1990-03-08")))
    assert late.id_number_problems == ("embedded birth date differs from the card's birth date",)
    female = decode_text(encode_text(dataclasses.replace(rec, sex_code="2")))
    assert female.id_number_problems == ("sequence parity does not match the card's sex",)


@pytest.mark.parametrize("kind", list(CardType))
def test_every_card_kind_round_trips_through_its_text_layout(kind: CardType) -> None:
    rec = SAMPLE_RECORDS[kind.value]
    text = encode_text(rec)
    assert len(text) == 256
    assert text[248:250] == {"resident": b" \x00", "hkmt_residence": b"J\x00",
                             "foreign_permanent_2017": b"I\x00", "foreign_permanent_2023": b"Y\x00"}[kind]
    back = decode_text(text, rec.photo_wlt)  # the photo travels beside the text block
    assert back.card_type is kind
    assert back.to_dict() == rec.to_dict()
    assert back.id_number_valid, back.id_number_problems


def test_each_kind_carries_its_own_json_fields() -> None:
    keys = {k: set(SAMPLE_RECORDS[k].to_dict()) for k in SAMPLE_RECORDS}
    common = {"card_type", "name", "sex", "sex_code", "birth_date", "id_number", "valid_from", "valid_to",
              "authority", "photo_wlt", "id_number_valid"}
    assert keys["resident"] == common | {"nation", "nation_code", "address"}
    assert keys["hkmt_residence"] == common | {"address", "pass_number", "issue_count"}
    assert keys["foreign_permanent_2017"] == common | {"name_en", "nationality"}
    assert keys["foreign_permanent_2023"] == common | {"name_en", "nationality"}


def test_hkmt_permit_fields_sit_after_the_resident_layout() -> None:
    rec = decode_text(encode_text(SAMPLE_RECORDS["hkmt_residence"]))
    assert (rec.pass_number, rec.issue_count, rec.nation_code) == ("H00000000", 1, None)


def test_2023_english_name_continues_at_offset_220() -> None:
    long_name = "VERYLONGFAMILYNAME, FIRSTNAME SECONDNAME THIRD"  # 46 characters, the maximum
    rec = dataclasses.replace(SAMPLE_RECORDS["foreign_permanent_2023"], name_en=long_name)
    text = encode_text(rec)
    assert text[220:242].decode("utf-16-le") == long_name[35:]
    assert decode_text(text).name_en == long_name


def test_2017_card_puts_english_name_first_and_checks_the_15_char_number_structurally() -> None:
    rec = decode_text(encode_text(SAMPLE_RECORDS["foreign_permanent_2017"]))
    assert rec.name == "测试" and rec.name_en == "SAMPLE, TEST PERSON"
    assert rec.id_number == "CAN110090010101" and rec.id_number_valid
    wrong = dataclasses.replace(SAMPLE_RECORDS["foreign_permanent_2017"], birth_date="1991-01-01")
    assert not decode_text(encode_text(wrong)).id_number_valid


def test_validity_without_end_is_kept_as_changqi() -> None:
    rec = dataclasses.replace(SAMPLE_RECORDS["resident"], valid_to="长期")
    assert decode_text(encode_text(rec)).to_dict()["valid_to"] == "长期"


def test_unknown_type_mark_decodes_as_resident_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    text = VECTOR_TEXT[:248] + "Q".encode("utf-16-le") + VECTOR_TEXT[250:]
    with caplog.at_level(logging.WARNING):
        assert decode_text(text).card_type is CardType.RESIDENT
    assert "unknown card type" in caplog.text
    assert "张" not in caplog.text


@pytest.mark.parametrize(
    ("offset", "patch", "says"),
    [
        (0, b"\x00\xd8\x41\x00", "name .* not valid UTF-16"),  # lone high surrogate
        (36, "1990-3-7".encode("utf-16-le"), "birth_date .* not a YYYYMMDD date"),
        (188, "20201301".encode("utf-16-le"), "valid_from .* not a YYYYMMDD date"),
        (32, "0A".encode("utf-16-le"), "nation .* digits"),
    ],
)
def test_malformed_text_raises_protocol_error_without_its_content(offset: int, patch: bytes, says: str) -> None:
    text = VECTOR_TEXT[:offset] + patch + VECTOR_TEXT[offset + len(patch):]
    with pytest.raises(ProtocolError, match=says) as err:
        decode_text(text)
    assert "张" not in str(err.value) and "1101" not in str(err.value)


def test_text_of_the_wrong_size_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="255 bytes"):
        decode_text(VECTOR_TEXT[:255])


def test_appended_address_decodes_and_rejects_broken_utf16() -> None:
    assert decode_appended_address(ucs2("北京市西城区示例街3号", 70)) == "北京市西城区示例街3号"
    with pytest.raises(ProtocolError):
        decode_appended_address(b"\x00\xdc" + bytes(68))


def test_code_tables() -> None:
    assert len(NATIONS) == 58
    assert (nation_name("01"), nation_name("46"), nation_name("98")) == ("汉", "德昂", "外国血统中国籍人士")
    assert nation_name("99") == "99"  # unknown codes are shown raw
    assert [sex_name(c) for c in "0129"] == ["未知", "男", "女", "未说明"]
    assert sex_name("7") == "未知"


def test_masks_and_repr_never_show_name_or_number() -> None:
    rec = SAMPLE_RECORDS["resident"]
    assert rec.name_masked == "张*"
    assert rec.id_number_masked == "1101**********1233"
    assert dataclasses.replace(rec, name="欧阳小明").name_masked == "欧**明"
    assert dataclasses.replace(rec, id_number="64010119900307123X").id_number_masked == "6401**********123X"
    for text in (repr(rec), str(rec), f"{rec}", repr([rec])):
        assert "张三" not in text and "110101199003071233" not in text and "北京" not in text
    assert rec.masked()["name"] == "张*"


def test_age_on_counts_whole_years() -> None:
    rec = SAMPLE_RECORDS["resident"]  # born 1990-03-07
    assert rec.age_on(dt.date(2026, 3, 6)) == 35
    assert rec.age_on(dt.date(2026, 3, 7)) == 36


def test_record_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        SAMPLE_RECORDS["resident"].name = "x"  # type: ignore[misc]
