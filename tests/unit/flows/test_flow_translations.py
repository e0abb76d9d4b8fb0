"""Item texts in Tibetan, Uyghur and traditional Mongolian travel with the definition: checked at load,
shown beside the Chinese, and listed by ``kioskctl flows translations`` while missing or unreviewed."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from flows import events as ev
from flows.catalog import load_catalog, summaries
from flows.engine import start, transition
from flows.loader import DEFINITIONS_DIR, check_text
from flows.translations import LANGUAGES, coverage
from flows.view import session_view
from kiosk.scripts import drawable, has_han
from kioskctl.main import app
from local_api.schemas import ServiceItemSummary, SessionSnapshot

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
CATALOG = load_catalog()
SCRIPT = {"ug_CN": "Arab", "bo_CN": "Tibt", "mn_CN": "Mong"}
QUEUE = (DEFINITIONS_DIR / "queue_ticket.yaml").read_text(encoding="utf-8")
TAX_UG = '          tax: "باج"\n'


def _texts(item):
    for language, words in item.translations.items():
        yield language, "name", words.name
        yield language, "theme", words.theme
        for step_id, text in words.steps.items():
            yield language, f"{step_id}.title", text.title
            yield language, f"{step_id}.prompt", text.prompt
            yield language, f"{step_id}.body", text.body
            for value, label in text.options.items():
                yield language, f"{step_id}.options.{value}", label


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_every_shipped_item_is_in_all_three_languages_as_text_their_fonts_can_draw(code):
    item = CATALOG[code]
    assert set(item.translations) == {"ug_CN", "bo_CN", "mn_CN"}
    for language, where, text in _texts(item):
        text = re.sub(r"\{[^{}]+\}", "", text)  # filled in at run time (a number there shows Chinese only)
        if text:
            # A string the font cannot draw would silently fall back to Chinese on the kiosk.
            assert drawable(text, SCRIPT[language]) and not has_han(text), f"{code} {language} {where}: {text!r}"
    assert all(words.name and words.theme for words in item.translations.values())


def test_items_of_one_theme_agree_on_its_translation():
    seen: dict[tuple[str, str], str] = {}
    for item in CATALOG.values():
        for language, words in item.translations.items():
            first = seen.setdefault((item.theme, language), words.theme)
            assert words.theme == first, f"{item.code}: {item.theme} in {language} is {words.theme!r}, not {first!r}"


def test_summaries_and_sessions_carry_the_translations():
    rows = {row["code"]: ServiceItemSummary.model_validate(row) for row in summaries(CATALOG)}
    assert rows["queue_ticket"].names["ug_CN"] == "ئۆچرەت نومۇرى ئېلىش"
    assert rows["queue_ticket"].themes["bo_CN"] == "ཐང་ཆེན་ཞབས་ཞུ།"
    item = CATALOG["queue_ticket"]
    snap, _ = start(item, session_id="s1", at=T0)
    view = SessionSnapshot.model_validate(session_view(item, snap))
    assert view.item_names == {"ug_CN": "ئۆچرەت نومۇرى ئېلىش", "bo_CN": "ཨང་གྲངས་ལེན་པ།", "mn_CN": "ᠨᠣᠮᠡᠷ ᠠᠪᠬᠤ"}
    ug = view.step.i18n["ug_CN"]
    assert ug.title == "بېجىرىدىغان ئىشنى تاللاڭ" and ug.options["tax"] == "باج"
    assert set(ug.options) == {o.value for o in view.step.options}
    snap, _ = transition(item, snap, ev.OptionChosen(at=T0, option="tax"))
    after = SessionSnapshot.model_validate(session_view(item, snap))
    assert after.step.id == "priority" and after.step.i18n["ug_CN"].prompt.startswith("60 ياشتىن")
    assert after.step.i18n["bo_CN"].body.startswith("ངོ་སྤྲོད་ལག་ཁྱེར་ལས་སྐྱེས་ཚེས")  # the notice under the prompt


def test_a_translation_of_a_missing_step_or_option_is_an_error_with_its_line():
    text = QUEUE.replace('      priority:\n        title: "ئالدىن', '      priorty:\n        title: "ئالدىن', 1)
    item, problems = check_text(text, "queue_ticket.yaml", expected_code="queue_ticket")
    assert item is None
    [problem] = problems
    assert "no step 'priorty' to translate" in problem.message
    assert text.splitlines()[problem.line - 1].strip() == "priorty:"

    text = QUEUE.replace(TAX_UG, TAX_UG.replace("tax:", "taxes:"), 1)
    item, problems = check_text(text, "queue_ticket.yaml", expected_code="queue_ticket")
    assert item is None and "has no option 'taxes'" in problems[0].message
    assert text.splitlines()[problems[0].line - 1].strip() == 'taxes: "باج"'


def test_a_language_tag_must_look_like_ug_CN():
    text = QUEUE.replace("  ug_CN:\n", "  uyghur:\n", 1)
    item, problems = check_text(text, "queue_ticket.yaml", expected_code="queue_ticket")
    assert item is None and problems and "translations" in problems[0].message


def test_a_language_no_kiosk_offers_is_an_error():
    text = QUEUE.replace("  mn_CN:\n", "  kk_CN:\n", 1)
    item, problems = check_text(text, "queue_ticket.yaml", expected_code="queue_ticket")
    assert item is None
    assert "'kk_CN' is not a language a kiosk offers; use bo_CN, ug_CN, mn_CN" in problems[0].message


def test_a_translation_that_drops_a_placeholder_is_an_error_with_its_line():
    """A Tibetan done screen without {case_no} would hide the citizen's number."""
    line = next(x for x in QUEUE.splitlines() if "{case_no}" in x and "ཁྱེད་ཀྱི་ཨང་གྲངས" in x)
    text = QUEUE.replace(line, line.replace("{case_no}", "༡༢"), 1)
    item, problems = check_text(text, "queue_ticket.yaml", expected_code="queue_ticket")
    assert item is None
    [problem] = problems
    assert "must keep the Chinese text's placeholders ({case_no})" in problem.message
    assert text.splitlines()[problem.line - 1] == line.replace("{case_no}", "༡༢")


def test_coverage_counts_missing_texts_and_items_awaiting_review():
    shipped = coverage(CATALOG.values())
    assert set(shipped) == set(LANGUAGES)
    for row in shipped.values():
        # every text is either translated or listed as missing, with the Chinese a translator works from
        assert row["translated"] + len(row["missing"]) == row["texts"] and row["translated"] >= 256
        assert row["complete"] == (not row["missing"]) and all(gap["chinese"] for gap in row["missing"])
        assert row["unreviewed"] == list(CATALOG)  # no native speaker has signed any off yet
    # One text taken out and one language signed off: both show.
    text = QUEUE.replace('  mn_CN:\n    reviewed_by: ""', '  mn_CN:\n    reviewed_by: "民族事务委员会 2026-12"', 1)
    text = text.replace(TAX_UG, "", 1)
    item, problems = check_text(text, "queue_ticket.yaml", expected_code="queue_ticket")
    assert item is not None and not problems
    report = coverage([item])
    assert report["ug_CN"]["missing"] == [{"item": "queue_ticket", "key": "steps.service.options.tax",
                                           "chinese": "税务"}]
    assert report["mn_CN"]["unreviewed"] == [] and report["mn_CN"]["reviewed"]
    assert report["bo_CN"]["unreviewed"] == ["queue_ticket"] and not report["bo_CN"]["reviewed"]


def test_kioskctl_lists_translations_per_language_as_json(tmp_path):
    (tmp_path / "queue_ticket.yaml").write_text(QUEUE.replace(TAX_UG, "", 1), encoding="utf-8")
    result = CliRunner().invoke(app, ["flows", "translations", "--dir", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)["languages"]
    assert list(report) == ["bo_CN", "ug_CN", "mn_CN"]
    assert [gap["key"] for gap in report["ug_CN"]["missing"]] == ["steps.service.options.tax"]
    assert report["bo_CN"]["complete"] and report["bo_CN"]["unreviewed"] == ["queue_ticket"]
    wrong = CliRunner().invoke(app, ["flows", "translations", "--language", "kk_CN"])
    assert wrong.exit_code == 2 and "use some of bo_CN, ug_CN, mn_CN" in wrong.stderr
