"""Chinese line breaking (禁则): no wrapped line of a label starts with a closing mark."""

from __future__ import annotations

import pytest

from kiosk.linebreak import first_bad_break, line_starts

PROMPT = "请将身份证放在感应区。证件读不出来时，可以点击“手动输入”。"


def test_a_full_stop_at_a_line_start_pulls_the_character_before_it_down():
    text = "可以点击手动输入。"
    starts = line_starts(text, [["可以点击手动输入"], ["。"]])
    assert starts == [0, 8]
    assert first_bad_break(text, starts) == 7  # "入。" go down together


def test_a_closing_quote_and_full_stop_go_down_with_the_last_character():
    text = "点击“手动输入”。"
    assert first_bad_break(text, [0, 8]) == 6  # "入”。", never "”" alone at a line start


def test_an_opening_quote_does_not_end_a_line():
    text = "可以点击“手动输入”"
    assert first_bad_break(text, [0, 5]) == 4  # “ goes down with 手


def test_breaks_at_spaces_and_newlines_are_left_alone():
    assert first_bad_break("第一行\n。第二行", [0, 4]) is None
    assert first_bad_break("Hello world, again", [0, 6]) is None
    assert first_bad_break("好的。", [0]) is None


def test_a_line_that_would_be_emptied_is_left_as_it_is():
    assert first_bad_break("。。。", [0, 1]) is None


def test_unknown_layout_text_gives_no_starts():
    assert line_starts("abc", [["xyz"]]) == []


def _lines_at(width: int, text: str) -> list[str]:
    from kiosk.widgets.text import ScriptCoreLabel

    label = ScriptCoreLabel(text=text, font_size=34, text_size=(width, None))
    label.refresh()
    return ["".join(w.text for w in line.words) for line in label._cached_lines]


@pytest.mark.ui
def test_no_drawn_line_starts_with_a_closing_mark_at_any_width(kiosk):
    pushed = 0
    for width in range(200, 1000, 7):
        lines = _lines_at(width, PROMPT)
        assert "".join(lines) == PROMPT, f"text changed at {width} px: {lines}"
        bad = [line for line in lines[1:] if line[:1] in "，。”"]
        assert not bad, f"at {width} px a line starts with a closing mark: {lines}"
        pushed += any(line[:1] == "入" for line in lines)
    assert pushed, "no width put the break before 。 or ”; the test did not exercise the rule"


# -- Tibetan and Uyghur: break only between syllables / words --------------------------------------

TIBETAN = "སྒྲུབ་དགོས་པའི་ལས་དོན་འདེམས་རོགས།"  # 请选择要办理的业务
UYGHUR = "ياشانغانلار ھالىتى"  # 长辈模式


def test_a_break_inside_a_tibetan_syllable_moves_back_after_the_tsheg():
    text = TIBETAN
    inside = text.index("དགོས") + 2  # between ད and the stacked གོ
    cut = first_bad_break(text, [0, inside])
    assert cut == text.index("དགོས")  # the line above ends with "སྒྲུབ་"
    assert text[cut - 1] == "་"


def test_a_tsheg_may_not_start_a_line():
    text = TIBETAN
    at_tsheg = text.index("་")
    assert first_bad_break(text, [0, at_tsheg]) is None  # nowhere earlier to go: the widget must fit it
    second = text.index("་", at_tsheg + 1)
    assert first_bad_break(text, [0, second]) == at_tsheg + 1  # "དགོས་" goes down whole


def test_a_break_after_a_tsheg_or_shad_is_fine():
    after = TIBETAN.index("་") + 1
    assert first_bad_break(TIBETAN, [0, after]) is None
    assert first_bad_break("ལེན་ཟིན། སྔོན་ལ།", [0, 9]) is None


def test_an_uyghur_word_is_never_cut():
    text = "بۇ يەردە " + UYGHUR
    inside = text.index("ياشانغانلار") + 5
    assert first_bad_break(text, [0, inside]) == text.index("ياشانغانلار")  # the whole word goes down
    assert first_bad_break(UYGHUR, [0, UYGHUR.index(" ") - 1]) is None  # one word wider than the line: left


def test_unbreakable_runs_are_words_syllables_and_single_hanzi():
    from kiosk.linebreak import unbreakable_runs

    assert unbreakable_runs(UYGHUR + "\n长辈模式") == ["ياشانغانلار", "ھالىتى", "长", "辈", "模", "式"]
    assert unbreakable_runs("རྒན་པའི་རྣམ་པ།") == ["རྒན་", "པའི་", "རྣམ་", "པ།"]
    assert unbreakable_runs("点击“手动输入”。") == ["点", "击", "“手", "动", "输", "入”。"]


@pytest.mark.ui
def test_drawn_tibetan_and_uyghur_lines_break_only_between_syllables_and_words(kiosk):
    from kiosk.linebreak import _inside_word
    from kiosk.widgets.text import widest_word

    checked = 0
    for text in (TIBETAN + TIBETAN, "بېجىرىدىغان ئىشنى تاللاڭ، سىستېما سىزگە ئۆچرەت نومۇرى بېسىپ بېرىدۇ."):
        widest = widest_word(text, 34)
        for width in range(120, 700, 9):
            lines = _lines_at(width, text)
            starts = line_starts(text, [[line] for line in lines])
            assert len(starts) == len(lines), f"text changed at {width} px: {lines}"
            cut = [lines[i] for i, s in enumerate(starts) if i and _inside_word(text, s)]
            if width > widest:  # every syllable or word fits a line: none may be cut
                assert not cut, f"at {width} px a line starts inside a word: {lines}"
                checked += len(lines) > 1
    assert checked > 50
