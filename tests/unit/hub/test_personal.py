"""The keyed index of ID numbers and encryption at rest."""

from __future__ import annotations

import stat

from hub.personal import Keys

VALID = "11010519491231002X"  # the GB 11643 standard's worked example


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
