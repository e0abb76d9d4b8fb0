"""Chinese line-breaking rules (禁则) for wrapped labels: no line starts with a closing mark.

Kivy wraps a run of hanzi wherever the width ends, so a sentence could leave "。" or "”" alone at
the start of the next line. Here the label's own layout is checked and, where a line would start
with such a mark, the character before it is pushed down with it (GB/T 15834 practice), by a hard
line break inserted into the text that is drawn. Pure: the widget measures, this decides.
"""

from __future__ import annotations

from collections.abc import Sequence

# Marks that must not begin a line, and marks that must not end one.
NO_LINE_START = frozenset("，。、；：！？）》」』】〕〉”’…—%‰,.;:!?)]}")
NO_LINE_END = frozenset("（《「『【〔〈“‘([{")


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
    for s in starts[1:]:
        if s <= 1 or s >= len(text) or text[s - 1] in " \n\t":
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
