"""The common frame of every screen: title, prompt, a scrolling body and a row of actions."""

from __future__ import annotations

from collections.abc import Callable

from kivy.app import App
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.screenmanager import Screen

from local_api.schemas import SessionSnapshot

from ..theme import rgba
from ..widgets.base import KButton, KLabel, KScrollView
from ..widgets.mongol import MongolianText


class KScreen(Screen):
    """A screen of the kiosk. ``show`` fills it from a snapshot, ``clear`` forgets everything."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.app = App.get_running_app()
        ts = self.app.ts
        self.frame = BoxLayout(orientation="vertical", padding=[ts.gap * 1.5, ts.gap], spacing=ts.gap)
        self.title = KLabel(font_px=ts.title, bold=True, kid=f"{self.name}.title")
        self.prompt = KLabel(kid=f"{self.name}.prompt")
        self.notice = KLabel(kid=f"{self.name}.notice", pair="notice_error", bold=True)
        self.scroll = KScrollView(do_scroll_x=False, bar_width=max(6, ts.gap * 0.4))
        self.body = BoxLayout(orientation="vertical", size_hint_y=None, spacing=ts.gap)
        self.body.bind(minimum_height=self.body.setter("height"))
        self.scroll.add_widget(self.body)
        self.actions = GridLayout(cols=1, size_hint_y=None, spacing=ts.gap)
        self.extra: list = []  # widgets between the body and the actions (a keypad)
        # Traditional Mongolian: a vertical column of the title and prompt left of the Chinese ones.
        self.vertical = MongolianText(font_px=ts.body, color=rgba("ink"))
        self.vertical_texts = BoxLayout(orientation="vertical", size_hint_y=None, spacing=ts.gap * 0.5,
                                        pos_hint={"top": 1})
        self.vertical_texts.bind(minimum_height=self.vertical_texts.setter("height"))
        self.vertical_row = BoxLayout(orientation="horizontal", size_hint_y=None, spacing=ts.gap)
        self.vertical_row.add_widget(self.vertical)
        self.vertical_row.add_widget(self.vertical_texts)
        self.vertical_texts.bind(height=self._fit_vertical)
        self._fit_vertical()
        self.add_widget(self.frame)
        self.vertical.bind(text=self._relayout)
        self.title.bind(text=self._relayout)
        self.prompt.bind(text=self._relayout)
        self.notice.bind(text=self._relayout)
        self._relayout()
        ts.bind(title=self.title.setter("font_px"))

    def _fit_vertical(self, *_a) -> None:
        self.vertical_row.height = max(self.app.ts.body * 9, self.vertical_texts.height)

    def _relayout(self, *_a) -> None:
        """Stack the frame, leaving out empty texts (an empty label would still take a gap)."""
        heading = [w for w in (self.title, self.prompt) if w.text]
        if self.vertical.text:  # the Chinese title and prompt go beside the Mongolian column
            if list(reversed(self.vertical_texts.children)) != heading:
                for widget in heading:
                    if widget.parent is not None:
                        widget.parent.remove_widget(widget)
                self.vertical_texts.clear_widgets()
                for widget in heading:
                    self.vertical_texts.add_widget(widget)
            heading = [self.vertical_row]
        elif self.title.parent is self.vertical_texts or self.prompt.parent is self.vertical_texts:
            self.vertical_texts.clear_widgets()
        wanted = [*heading, self.notice, self.scroll, *self.extra, self.actions]
        wanted = [w for w in wanted if w is not self.notice or w.text]
        if list(reversed(self.frame.children)) != wanted:
            self.frame.clear_widgets()
            for widget in wanted:
                self.frame.add_widget(widget)

    # -- helpers -----------------------------------------------------------------------------
    def set_actions(self, buttons: list[tuple[str, str, str, Callable[[], None]]]) -> None:
        """Replace the action row: (text, kid, theme pair, callback) per button."""
        self.actions.clear_widgets()
        # Up to three side by side; more go two to a row, so none is squeezed to one word a line.
        self.actions.cols = max(1, len(buttons) if len(buttons) <= 3 else 2)
        for text, kid, pair, callback in buttons:
            button = KButton(text=text, kid=kid, pair=pair)
            button.bind(on_release=lambda _b, cb=callback: cb())
            self.actions.add_widget(button)
        self._fit_actions()

    def _fit_actions(self, *_a) -> None:
        children = list(reversed(self.actions.children))
        cols = self.actions.cols or 1
        rows = [children[i : i + cols] for i in range(0, len(children), cols)]
        heights = [max(c.height for c in row) for row in rows]
        self.actions.height = sum(heights) + self.actions.spacing[1] * max(0, len(rows) - 1)
        for child in self.actions.children:
            child.unbind(height=self._fit_actions)
            child.bind(height=self._fit_actions)

    def event_button(self, text: str, event: str, pair: str = "primary_button", data: dict | None = None):
        return (text, f"{self.name}.{event}", pair, lambda: self.app.send(event, data or {}))

    def option_buttons(self, snapshot: SessionSnapshot) -> list:
        """One action per option kioskd offers (e.g. 重新打印 / 不打印，继续), sent as ``choose``."""
        if "choose" not in snapshot.step.accepts:
            return []
        return [(self.option_label(snapshot, o.value, o.label), f"{self.name}.option.{o.value}", "primary_button",
                 lambda v=o.value: self.app.send("choose", {"option": v})) for o in snapshot.step.options]

    def step_text(self, snapshot: SessionSnapshot, part: str) -> str:
        """The step's title, prompt or body, with its translation above it on a bilingual kiosk."""
        own = {lang: getattr(words, part) for lang, words in snapshot.step.i18n.items()}
        return self.app.catalogue.pick(getattr(snapshot.step, part), own)

    def option_label(self, snapshot: SessionSnapshot, value: str, label: str) -> str:
        own = {lang: words.options.get(value, "") for lang, words in snapshot.step.i18n.items()}
        return self.app.catalogue.pick(label, own)

    def accepts(self, snapshot: SessionSnapshot, event: str) -> bool:
        return event in snapshot.step.accepts

    def fill_header(self, snapshot: SessionSnapshot) -> None:
        self.title.text = self.step_text(snapshot, "title")
        self.prompt.text = self.step_text(snapshot, "prompt")
        catalogue = self.app.catalogue
        if catalogue.vertical:
            own = [catalogue.own_pick({lang: getattr(words, part) for lang, words in snapshot.step.i18n.items()})
                   for part in ("title", "prompt")]
            self.vertical.text = "\n".join(text for text in own if text)
        else:
            self.vertical.text = ""
        # Corrections kioskd asks for (form errors, a card it cannot use) show on the step itself.
        notice = snapshot.notice
        self.notice.text = notice.message if notice is not None and notice.level != "info" else ""

    # -- lifecycle -----------------------------------------------------------------------------
    def show(self, snapshot: SessionSnapshot | None) -> None:
        if snapshot is not None:
            self.fill_header(snapshot)

    def leave(self) -> None:
        """Stop animations and polling when another screen takes over."""

    def clear(self) -> None:
        """Forget everything shown (the next citizen must see nothing of this one)."""
        self.title.text = ""
        self.prompt.text = ""
        self.vertical.text = ""
        self.notice.text = ""
        self.body.clear_widgets()
        self.scroll.scroll_y = 1
