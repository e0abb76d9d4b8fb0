"""A kiosk's catalogue: the shipped items, the hall's own over them, KIOSK_ITEMS, and bad files left out alone."""

from __future__ import annotations

import shutil

from flows.catalog import assemble, load_catalog
from flows.loader import DEFINITIONS_DIR

SHIPPED = load_catalog()


def _hall_dir(tmp_path, **files):
    folder = tmp_path / "hall-flows"
    folder.mkdir()
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return folder


def _renamed(code: str, new_name: str) -> str:
    text = (DEFINITIONS_DIR / f"{code}.yaml").read_text(encoding="utf-8")
    old = SHIPPED[code].name
    assert f"name: {old}" in text
    return text.replace(f"name: {old}", f"name: {new_name}", 1)


def test_the_shipped_items_alone_have_no_problems():
    catalog = assemble([DEFINITIONS_DIR])
    assert catalog.problems == [] and catalog.left_out == []
    assert list(catalog.items) == list(SHIPPED)


def test_one_broken_file_of_the_hall_leaves_only_that_item_out(tmp_path):
    broken = "code: parking_permit\nname: 停车证\nsteps: [\n"
    hall = _hall_dir(tmp_path, parking_permit=broken)
    catalog = assemble([DEFINITIONS_DIR, hall])
    assert set(catalog.items) == set(SHIPPED)  # every shipped service is still offered
    assert catalog.left_out == ["parking_permit"]
    [problem] = catalog.problems
    assert problem.file.endswith("parking_permit.yaml") and "not valid YAML" in problem.message


def test_the_halls_file_replaces_the_shipped_item_of_the_same_code(tmp_path):
    hall = _hall_dir(tmp_path, housing_fund_query=_renamed("housing_fund_query", "本市住房公积金查询"))
    catalog = assemble([DEFINITIONS_DIR, hall])
    assert catalog.problems == []
    assert catalog.items["housing_fund_query"].name == "本市住房公积金查询"


def test_a_broken_replacement_does_not_fall_back_to_the_shipped_rules(tmp_path):
    # The hall replaced an item with its own rules; offering the generic ones instead would mislead.
    text = _renamed("housing_fund_query", "本市住房公积金查询").replace("kind: done", "kind: finished", 1)
    hall = _hall_dir(tmp_path, housing_fund_query=text)
    catalog = assemble([DEFINITIONS_DIR, hall])
    assert "housing_fund_query" not in catalog.items
    assert catalog.left_out == ["housing_fund_query"]
    assert any("finished" in p.message for p in catalog.problems)
    assert set(catalog.items) == set(SHIPPED) - {"housing_fund_query"}


def test_kiosk_items_keeps_only_the_named_codes_and_reports_unknown_ones():
    catalog = assemble([DEFINITIONS_DIR], ["queue_ticket", "housing_fund_query", "parking_permt"])
    assert set(catalog.items) == {"queue_ticket", "housing_fund_query"}
    [problem] = catalog.problems
    assert problem.file == "KIOSK_ITEMS" and "'parking_permt'" in problem.message
    assert "queue_ticket" in problem.message  # the known codes are listed, to spot the typo


def test_a_named_code_whose_file_is_broken_is_reported_once(tmp_path):
    hall = _hall_dir(tmp_path, parking_permit="code: parking_permit\n")
    catalog = assemble([DEFINITIONS_DIR, hall], ["parking_permit", "queue_ticket"])
    assert list(catalog.items) == ["queue_ticket"]
    assert catalog.left_out == ["parking_permit"]
    assert all(p.file != "KIOSK_ITEMS" for p in catalog.problems)


def test_a_missing_folder_is_reported_and_the_shipped_items_stay(tmp_path):
    catalog = assemble([DEFINITIONS_DIR, tmp_path / "nowhere"])
    assert set(catalog.items) == set(SHIPPED)
    [problem] = catalog.problems
    assert "KIOSK_FLOWS_DIR" in problem.message


def test_a_copy_of_the_shipped_folder_changes_nothing(tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(DEFINITIONS_DIR, copy)
    catalog = assemble([DEFINITIONS_DIR, copy])
    assert catalog.problems == [] and list(catalog.items) == list(SHIPPED)
