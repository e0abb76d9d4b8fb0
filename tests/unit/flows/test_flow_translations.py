"""Item texts in Tibetan and Uyghur travel with the definition: checked at load, shown beside the Chinese."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flows import events as ev
from flows.catalog import load_catalog, summaries
from flows.engine import start, transition
from flows.loader import DEFINITIONS_DIR, check_text
from flows.view import session_view
from kiosk.scripts import drawable, has_han
from local_api.schemas import ServiceItemSummary, SessionSnapshot

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
CATALOG = load_catalog()
SCRIPT = {"ug_CN": "Arab", "bo_CN": "Tibt"}
QUEUE = (DEFINITIONS_DIR / "queue_ticket.yaml").read_text(encoding="utf-8")


def _texts(item):
    for language, words in item.translations.items():
        yield language, "name", words.name
        yield language, "theme", words.theme
        for step_id, text in words.steps.items():
            yield language, f"{step_id}.title", text.title
            yield language, f"{step_id}.prompt", text.prompt
            for value, label in text.options.items():
                yield language, f"{step_id}.options.{value}", label


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_every_shipped_item_has_a_name_in_tibetan_and_uyghur_that_their_fonts_can_draw(code):
    item = CATALOG[code]
    assert set(item.translations) == {"ug_CN", "bo_CN"}
    for language, where, text in _texts(item):
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
    assert view.item_names == {"ug_CN": "ئۆچرەت نومۇرى ئېلىش", "bo_CN": "ཨང་གྲངས་ལེན་པ།"}
    ug = view.step.i18n["ug_CN"]
    assert ug.title == "بېجىرىدىغان ئىشنى تاللاڭ" and ug.options["tax"] == "باج"
    assert set(ug.options) == {o.value for o in view.step.options}
    snap, _ = transition(item, snap, ev.OptionChosen(at=T0, option="tax"))
    after = SessionSnapshot.model_validate(session_view(item, snap))
    assert after.step.id == "priority" and after.step.i18n["ug_CN"].prompt == ""  # not translated: Chinese only


def test_a_translation_of_a_missing_step_or_option_is_an_error_with_its_line():
    text = QUEUE.replace("      priority:\n        title: ئالدىن", "      priorty:\n        title: ئالدىن", 1)
    item, problems = check_text(text, "queue_ticket.yaml", expected_code="queue_ticket")
    assert item is None
    [problem] = problems
    assert "no step 'priorty' to translate" in problem.message
    assert text.splitlines()[problem.line - 1].strip() == "priorty:"

    text = QUEUE.replace("          tax: باج", "          taxes: باج", 1)
    item, problems = check_text(text, "queue_ticket.yaml", expected_code="queue_ticket")
    assert item is None and "has no option 'taxes'" in problems[0].message
    assert text.splitlines()[problems[0].line - 1].strip() == "taxes: باج"


def test_a_language_tag_must_look_like_ug_CN():
    text = QUEUE.replace("  ug_CN:\n", "  uyghur:\n", 1)
    item, problems = check_text(text, "queue_ticket.yaml", expected_code="queue_ticket")
    assert item is None and problems and "translations" in problems[0].message
