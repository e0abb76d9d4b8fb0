"""Line-breaking rules for wrapped labels: Chinese 禁则, Tibetan syllables, whole Uyghur words.

Kivy wraps a run of hanzi wherever the width ends, so a sentence could leave "。" or "”" alone at
the start of the next line. Here the label's own layout is checked and, where a line would start
with such a mark, the character before it is pushed down with it (GB/T 15834 practice), by a hard
line break inserted into the text that is drawn. Pure: the widget measures, this decides.

Kivy breaks a word that has no space in it at any character, which is wrong for the minority
scripts: Tibetan may break only after a tsheg (་) or shad (།), never inside a syllable's stack,
and an Uyghur word cut in two changes its letters' joined shapes. Such a break moves back to the
last place the script allows on that line; a single word wider than the line is left to the
widget (see ``widest_word`` in widgets.text).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from .scripts import ARABIC, TIBETAN, has_han, script_of

# Marks that must not begin a line, and marks that must not end one.
NO_LINE_START = frozenset("，。、；：！？）》」』】〕〉”’…—%‰,.;:!?)]}")
NO_LINE_END = frozenset("（《「『【〔〈“‘([{")
# Tibetan: tsheg, non-breaking tsheg and the shad family end a syllable; a line may break after them.
TIBETAN_BREAK_AFTER = frozenset("\u0f0b\u0f0d\u0f0e\u0f0f\u0f10\u0f11\u0f12\u0f14")
TIBETAN_NO_LINE_START = TIBETAN_BREAK_AFTER | {"\u0f0c"}
WHITESPACE = frozenset(" \n\t")


def _tibetan(ch: str) -> bool:
    return script_of(ch) is TIBETAN


def _arabic(ch: str) -> bool:
    return script_of(ch) is ARABIC


def _inside_word(text: str, s: int) -> bool:
    """A break before ``text[s]`` that cuts a Tibetan syllable or an Uyghur word."""
    before, after = text[s - 1], text[s]
    if _tibetan(before) and _tibetan(after):
        return before not in TIBETAN_BREAK_AFTER or after in TIBETAN_NO_LINE_START
    return _arabic(before) and _arabic(after)


def _may_break_before(text: str, i: int) -> bool:
    if text[i - 1] in WHITESPACE:
        return True
    if _tibetan(text[i - 1]) or _tibetan(text[i]) or _arabic(text[i - 1]) or _arabic(text[i]):
        return not _inside_word(text, i)
    return False


def line_starts(text: str, lines: Sequence[Sequence[str]]) -> list[int]:
    """Offset in ``text`` where each laid-out line begins (lines given as their words' texts)."""
    starts, cursor = [], 0
    for words in lines:
        first = next((w for w in words if w), None)
        if first is None:  # an empty line (two newlines in a row)
            starts.append(cursor)
            continue
        at = text.find(first, cursor)
        if at < 0:  # layout text differs from ours (shortened, stripped): give up quietly
            return []
        starts.append(at)
        for word in words:
            found = text.find(word, cursor)
            if found >= 0:
                cursor = found + len(word)
    return starts


def first_bad_break(text: str, starts: Sequence[int]) -> int | None:
    """Where to insert a line break so the first bad soft break is fixed, or None if all are fine.

    A break at offset ``s`` is bad when ``text[s]`` may not start a line or ``text[s-1]`` may not
    end one. Only breaks inside a run (no whitespace or newline before ``s``) are moved; the fix
    puts the break earlier, so the last character of the line above goes down with the marks.
    """
    for line_start, s in pairwise(starts):
        if s <= 1 or s >= len(text) or text[s - 1] in WHITESPACE:
            continue
        if _inside_word(text, s):
            cut = s - 1
            while cut > line_start and not _may_break_before(text, cut):
                cut -= 1
            if cut > line_start:  # else one word is wider than the line: the widget must fit it
                return cut
            continue
        if text[s] in NO_LINE_START or text[s - 1] in NO_LINE_END:
            cut = s - 1
            while cut > 0 and text[cut] in NO_LINE_START:  # "入”|。": 入”。 go down together
                cut -= 1
            while cut > 0 and text[cut - 1] in NO_LINE_END:  # keep an opening mark with its text
                cut -= 1
            if cut <= 0 or text[cut - 1] == "\n":  # the line above would be emptied: leave it
                continue
            return cut
    return None


def unbreakable_runs(text: str) -> list[str]:
    """The pieces of ``text`` no line may be broken inside: Uyghur or Latin words, Tibetan
    syllables (with their tsheg), single hanzi. The widest one sets how narrow a label may be."""
    runs = []
    for token in text.split():
        start = 0
        for i in range(1, len(token)):
            before, after = token[i - 1], token[i]
            cjk_break = (has_han(before) or before in NO_LINE_START) and (has_han(after) or after in NO_LINE_END)
            if _may_break_before(token, i) or cjk_break:
                runs.append(token[start:i])
                start = i
        runs.append(token[start:])
    return runs
