"""ID number checks, masking and the keyed index."""

from __future__ import annotations

import stat

from hub.personal import Keys, mask_id, mask_name, resident_id_problem

VALID = "11010519491231002X"  # the GB 11643 standard's worked example


def test_gb11643_check_digit():
    assert resident_id_problem(VALID) is None
    assert "check digit" in resident_id_problem("110105194912310021")
    assert "18 characters" in resident_id_problem("1101051949")
    assert VALID not in (resident_id_problem("110105194912310021") or "")


def test_masks_keep_only_what_a_passer_by_may_see():
    assert mask_id("64010419900101123X") == "6401**********123X"
    assert mask_name("张三") == "张*" and mask_name("欧阳娜娜") == "欧***"
    assert mask_id("1234") == "****"


def test_index_is_keyed_case_insensitive_and_never_the_number(tmp_path):
    keys = Keys.load_or_create(tmp_path / "secret")
    assert stat.S_IMODE((tmp_path / "secret").stat().st_mode) == 0o600
    index = keys.id_index("111", VALID)
    assert index == keys.id_index("111", VALID.lower()) and VALID not in index
    assert index != keys.id_index("414", VALID)
    assert Keys.load_or_create(tmp_path / "secret").id_index("111", VALID) == index
    assert Keys.load_or_create(tmp_path / "other").id_index("111", VALID) != index


def test_encryption_round_trips_and_hides_the_text(tmp_path):
    keys = Keys.load_or_create(tmp_path / "secret")
    sealed = keys.encrypt("张三 " + VALID)
    assert VALID not in sealed and keys.decrypt(sealed) == "张三 " + VALID
