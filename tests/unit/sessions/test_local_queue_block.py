"""The kiosk's own queue-number block (used while the hub is away) never repeats a number."""

from __future__ import annotations

from local_api.queries import next_local_number


def test_numbers_continue_across_restarts_and_start_again_each_day(tmp_path):
    state = tmp_path / "queue-block.json"
    assert [next_local_number(state, "20261122") for _ in range(3)] == ["Z001", "Z002", "Z003"]
    # a restart reads the same file
    assert next_local_number(state, "20261122") == "Z004"
    assert next_local_number(state, "20261123") == "Z001"


def test_a_damaged_counter_file_starts_the_day_again_instead_of_crashing(tmp_path):
    state = tmp_path / "queue-block.json"
    state.write_text("{not json", encoding="utf-8")
    assert next_local_number(state, "20261122") == "Z001"


def test_each_kiosk_of_a_hall_hands_out_its_own_letter(tmp_path):
    first, second = tmp_path / "k1.json", tmp_path / "k2.json"
    assert next_local_number(first, "20261122") == "Z001"
    assert next_local_number(second, "20261122", "Y") == "Y001"


def test_the_offline_letter_must_be_one_capital_letter():
    import pytest
    from pydantic import ValidationError

    from local_api.settings import Settings

    assert Settings(queue_local_prefix="Y").queue_local_prefix == "Y"
    for bad in ("z", "ZZ", "1", ""):
        with pytest.raises(ValidationError, match="queue_local_prefix"):
            Settings(queue_local_prefix=bad)
