"""Broken definitions are refused at load with ``FILE:LINE: message`` lines a writer can act on."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.loader import check_file, check_text, load_item
from flows.validate import DefinitionError
from kioskctl.main import app

DATA = Path(__file__).resolve().parents[2] / "data" / "flows"

CASES = [
    ("unknown_kind", [(13, "step 'capture': unknown step kind 'scan'; use one of guide, consent, identify")]),
    ("missing_target", [(12, "step 'identify' goes to 'form', which is not a step of this item")]),
    ("unreachable", [(13, "step 'capture' is unreachable from the first step 'identify'")]),
    ("no_way_out", [(24, "step 'minor' has no way out: it is the last step, not a 'done' step")]),
    ("stuck_loop", [(14, "step 'form' has no way out: no path from it reaches a 'done' step"),
                    (21, "step 'review' has no way out: no path from it reaches a 'done' step")]),
    ("undefined_material", [(17, "step 'capture' captures material 'photo', which is not defined")]),
    ("unused_material", [(6, "material 'id_card' is defined but no capture step asks for it")]),
    ("missing_prompt", [(12, "step 'capture' has no prompt")]),
    ("unknown_key", [(11, "step 'identify': unknown key 'promt' (check the spelling)")]),
    ("unknown_variable", [(13, "step 'identify': condition uses unknown variable 'income'")]),
    ("bad_field_type", [(14, "step 'contact' fields[1].type: Input should be 'text', 'phone'")]),
    ("duplicate_key", [(11, "key 'title' appears twice in the same mapping")]),
    ("bad_yaml", [(11, "not valid YAML: ")]),
]


@pytest.mark.parametrize(("name", "expected"), CASES, ids=[c[0] for c in CASES])
def test_broken_definition_names_file_line_and_problem(name, expected):
    path = DATA / f"{name}.yaml"
    item, problems = check_file(path)
    assert item is None
    assert [(p.file, p.line) for p in problems] == [(str(path), line) for line, _ in expected]
    for problem, (_, message) in zip(problems, expected, strict=True):
        assert problem.message.startswith(message), problem.message
        assert str(problem).startswith(f"{path}:{problem.line}: ")


def test_load_item_raises_with_every_problem():
    with pytest.raises(DefinitionError) as caught:
        load_item(DATA / "stuck_loop.yaml")
    assert len(caught.value.problems) == 2
    assert str(caught.value).count("stuck_loop.yaml:") == 2


def test_code_must_match_file_name(tmp_path):
    text = (DATA / "unreachable.yaml").read_text(encoding="utf-8").replace("    next: done\n", "")
    path = tmp_path / "other_name.yaml"
    path.write_text(text, encoding="utf-8")
    _, problems = check_file(path)
    assert [(p.line, p.message) for p in problems] == [
        (1, "code 'unreachable' does not match the file name 'other_name.yaml'")]


def test_bad_condition_is_explained():
    text = (DATA / "unknown_variable.yaml").read_text(encoding="utf-8").replace(
        "{var: income, gte: 5000}", "{var: age, gte: 60, lt: 70}")
    _, problems = check_text(text, "x.yaml")
    assert [p.line for p in problems] == [13]
    assert "invalid condition" in problems[0].message


def test_missing_file_is_a_problem_not_a_traceback(tmp_path):
    _, problems = check_file(tmp_path / "nope.yaml")
    assert [str(p) for p in problems] == [f"{tmp_path / 'nope.yaml'}:1: no such file"]


def test_cli_validate_prints_problems_and_exits_1():
    result = CliRunner().invoke(app, ["flows", "validate", str(DATA / "missing_prompt.yaml"),
                                      str(DATA / "unreachable.yaml")])
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert lines == [
        f"{DATA / 'missing_prompt.yaml'}:12: step 'capture' has no prompt (the text the voice says when the "
        "step starts)",
        f"{DATA / 'unreachable.yaml'}:13: step 'capture' is unreachable from the first step 'identify'",
    ]


def test_cli_validate_shipped_definitions_exits_0():
    result = CliRunner().invoke(app, ["flows", "validate"])
    assert result.exit_code == 0, result.stdout
    assert "valid" in result.stdout


def test_cli_validate_json():
    result = CliRunner().invoke(app, ["flows", "validate", "--json", str(DATA / "unknown_kind.yaml")])
    assert result.exit_code == 1
    assert '"line": 13' in result.stdout
