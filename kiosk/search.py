"""Finding a service item from the on-screen keypad: pinyin initials (gjj 公积金), whole pinyin
(gongjijin) or characters picked from the keypad's candidates (公积). Free of Kivy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pypinyin import Style, lazy_pinyin

from local_api.schemas import ServiceItemSummary


@dataclass(frozen=True)
class _Entry:
    item: ServiceItemSummary
    text: str  # name and theme
    initials: str
    spelled: str


def _letters(text: str, style: Style) -> str:
    # pypinyin leaves non-hanzi as they are (digits, Latin, punctuation): keep only letters
    return "".join(ch for ch in "".join(lazy_pinyin(text, style=style, errors="default")).lower() if ch.isalpha())


class ItemSearch:
    """The kiosk's items, indexed once per service list."""

    def __init__(self, items: Sequence[ServiceItemSummary]) -> None:
        self.entries = [
            _Entry(item, f"{item.name} {item.theme}", _letters(item.name, Style.FIRST_LETTER),
                   _letters(item.name, Style.NORMAL))
            for item in items
        ]

    def find(self, query: str) -> list[ServiceItemSummary]:
        """Items matching ``query``, best first: initials from the start, initials anywhere, whole pinyin,
        then characters in the name or theme; the kiosk's own order within each rank."""
        letters = "".join(ch for ch in query.lower() if "a" <= ch <= "z")
        hanzi = "".join(ch for ch in query if not ch.isascii() and not ch.isspace())
        if not letters and not hanzi:
            return []
        ranked = []
        for order, entry in enumerate(self.entries):
            if hanzi and hanzi not in entry.text:
                continue
            if not letters:
                rank = 3
            elif entry.initials.startswith(letters):
                rank = 0
            elif letters in entry.initials:
                rank = 1
            elif letters in entry.spelled:
                rank = 2
            else:
                continue
            ranked.append((rank, order, entry.item))
        return [item for _rank, _order, item in sorted(ranked, key=lambda r: r[:2])]
