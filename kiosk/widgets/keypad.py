"""On-screen keypads (a kiosk has no system IME): digits, ID numbers, pinyin letters; for the technician,
pairing codes and hub addresses."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import ListProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout

from local_api.schemas import PAIRING_ALPHABET

from .base import KButton

DIGIT_ROWS = [["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"]]
LETTER_ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
# A pairing code's 31 characters in reading order, eight to a row; the last place is the delete key.
CODE_ROWS = [PAIRING_ALPHABET[i:i + 8] for i in range(0, len(PAIRING_ALPHABET), 8)]
URL_ROWS = ["1234567890", *LETTER_ROWS]


class Keypad(BoxLayout):
    """Keys for one keypad kind; dispatches ``on_key`` with the key ("DEL", "CLR", "OK" included)."""

    mode = StringProperty("digits")
    candidates = ListProperty([])
    __events__ = ("on_key",)

    def __init__(self, **kwargs) -> None:
        super().__init__(orientation="vertical", size_hint_y=None, **kwargs)
        self._app = App.get_running_app()
        self.bind(mode=lambda *_: self.rebuild(), candidates=lambda *_: self._fill_candidates())
        self._cand_row: BoxLayout | None = None
        self.rebuild()

    def _key(self, label: str, key: str, pair: str = "key") -> KButton:
        button = KButton(text=label, kid=f"key.{key}", pair=pair)
        button.bind(on_release=lambda *_: self.dispatch("on_key", key))
        return button

    def rebuild(self) -> None:
        t, ts = self._app.t, self._app.ts
        self.clear_widgets()
        self.spacing = ts.gap * 0.4
        rows: list[list[KButton]] = []
        if self.mode == "code":
            rows = [[self._key(c, c) for c in row] for row in CODE_ROWS]
            rows[-1].append(self._key(t("form.keypad_delete"), "DEL", "secondary_button"))
        elif self.mode == "url":
            rows = [[self._key(c, c) for c in row] for row in URL_ROWS]
            rows.append([*(self._key(c, c) for c in ".:/-"),
                         self._key(t("form.keypad_clear"), "CLR", "secondary_button"),
                         self._key(t("form.keypad_delete"), "DEL", "secondary_button")])
        elif self.mode in ("digits", "id"):
            rows = [[self._key(k, k) for k in row] for row in DIGIT_ROWS]
            first = self._key("X", "X") if self.mode == "id" else self._key(t("form.keypad_clear"), "CLR",
                                                                             "secondary_button")
            rows.append([first, self._key("0", "0"), self._key(t("form.keypad_delete"), "DEL",
                                                                "secondary_button")])
        else:  # "text": letters with a row of candidate characters; "letters": letters alone (search)
            if self.mode == "text":
                self._cand_row = BoxLayout(spacing=ts.gap * 0.3, size_hint_y=None, height=ts.key)
                self.add_widget(self._cand_row)
            rows = [[self._key(c.upper(), c) for c in row] for row in LETTER_ROWS]
            rows.append([self._key(t("form.keypad_clear"), "CLR", "secondary_button"),
                         self._key(t("form.keypad_delete"), "DEL", "secondary_button")])
        for row in rows:
            grid = GridLayout(cols=len(row), spacing=ts.gap * 0.3, size_hint_y=None, height=ts.key)
            for button in row:
                button.height = ts.key
                button.font_px = ts.heading if self.mode not in ("text", "url", "letters") else ts.body
                if self.mode == "code" and button.kid in ("key.DEL", "key.CLR"):
                    button.font_px = ts.small  # one of eight narrow keys: a word there must not wrap
                grid.add_widget(button)
            self.add_widget(grid)
        self.add_widget(self._key(t("form.keypad_done"), "OK", "good_button"))
        self.height = sum(c.height for c in self.children) + self.spacing * (len(self.children) - 1)
        self._fill_candidates()

    def _fill_candidates(self) -> None:
        if self._cand_row is None or self.mode != "text":
            return
        self._cand_row.clear_widgets()
        for i, char in enumerate(self.candidates[:8]):
            button = KButton(text=char, kid=f"cand.{i}", pair="primary_button", font_px=self._app.ts.heading)
            button.bind(on_release=lambda _b, c=char: self.dispatch("on_key", "CHAR:" + c))
            self._cand_row.add_widget(button)

    def on_key(self, key: str) -> None:
        pass
