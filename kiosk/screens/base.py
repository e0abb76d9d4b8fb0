"""The common frame of every screen: title, prompt, a scrolling body, guidance and a row of actions.

Portrait (floor-standing, 1080x1920): one column, the actions at the bottom. Landscape (desk and wall,
1920x1080, 1280x1024): the step's content on the left, its guidance picture or keypad on the right,
and the actions at the bottom right, where a standing citizen's right hand is.
"""

from __future__ import annotations

from collections.abc import Callable

from kivy.app import App
from kivy.core.window import Window
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.screenmanager import Screen

from local_api.schemas import SessionSnapshot

from ..layout import LANDSCAPE, shape_for
from ..theme import rgba
from ..widgets.base import KButton, KLabel, KScrollView, Spacer
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
        self.extra: list = []  # widgets between the body and the actions (a keypad); landscape: on the right
        self.landscape = shape_for(Window.size) == LANDSCAPE
        # Guidance (a card on the reader, paper from the slot): under the body in portrait, beside it in landscape.
        self.aside = BoxLayout(orientation="vertical", spacing=ts.gap)
        self._stretched: list[tuple] = []
        if self.landscape:
            self.frame.orientation = "horizontal"
            self.frame.spacing = ts.gap * 1.5
            self.main = BoxLayout(orientation="vertical", spacing=ts.gap)
            self.side = BoxLayout(orientation="vertical", spacing=ts.gap, size_hint_x=0.42)
            self.frame.add_widget(self.main)
            self.side_actions = BoxLayout(size_hint_y=None)
            self._spacer = Spacer()
            self.actions.bind(height=self.side_actions.setter("height"))
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
        self.aside.bind(children=self._relayout)
        self.scroll.bind(height=self._stretch)
        self.body.bind(minimum_height=self._stretch)
        self._relayout()
        ts.bind(title=self.title.setter("font_px"))

    def _fit_vertical(self, *_a) -> None:
        self.vertical_row.height = max(self.app.ts.body * 9, self.vertical_texts.height)

    def _relayout(self, *_a) -> None:
        """Stack the frame, leaving out empty texts (an empty label would still take a gap)."""
        heading = [w for w in (self.title, self.prompt) if w.text]
        if self.vertical.text:  # the Chinese title and prompt go beside the Mongolian column
            _fill(self.vertical_texts, heading)
            heading = [self.vertical_row]
        elif self.title.parent is self.vertical_texts or self.prompt.parent is self.vertical_texts:
            self.vertical_texts.clear_widgets()
        texts = [*heading, *([self.notice] if self.notice.text else [])]
        if not self.landscape:
            _fill(self.frame, [*texts, self.scroll, *self.extra, self.actions])
            return
        guidance = [*self.extra, *([self.aside] if self.aside.children else [])]
        # Without guidance the content takes the whole width; the actions keep to the right half.
        _fill(self.frame, [self.main, self.side] if guidance else [self.main])
        self.main.size_hint_x = 1 - self.side.size_hint_x if guidance else 1
        if guidance:
            _fill(self.main, [*texts, self.scroll])
            _fill(self.side, [*guidance, self.actions])
            self.actions.size_hint_x = 1
        else:
            _fill(self.side_actions, [self._spacer, self.actions])
            self.actions.size_hint_x = 0.5
            _fill(self.main, [*texts, self.scroll, self.side_actions])

    # -- guidance -------------------------------------------------------------------------------
    def add_guidance(self, widget, *, stretch: bool = False) -> None:
        """A picture or preview that shows what to do: after the body in portrait, beside it in landscape.
        ``stretch``: it grows into the room left below the content (no empty half-screens)."""
        if widget.parent is not None:
            widget.parent.remove_widget(widget)
        if self.landscape:
            widget.size_hint_y = 1 if stretch else None
            self.aside.add_widget(widget)
            return
        self.body.add_widget(widget)
        if stretch:
            base = getattr(widget, "_base_height", None) or widget.height
            widget._base_height = base
            self._stretched = [(w, b) for w, b in self._stretched if w is not widget] + [(widget, base)]
            self._stretch()

    def clear_guidance(self) -> None:
        self.aside.clear_widgets()
        self._stretched = [(w, b) for w, b in self._stretched if w.parent is self.body]

    def _stretch(self, *_a) -> None:
        """Grow the stretchable guidance in the body by the room the scroll view has left below it."""
        live = [(w, b) for w, b in self._stretched if w.parent is self.body]
        if not live:
            return
        widget, base = live[-1]
        others = self.body.height - widget.height if self.body.height else 0
        room = self.scroll.height - others
        widget.height = max(base, min(base * 2.2, room))

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
        self.clear_guidance()
        self.scroll.scroll_y = 1

    def reveal(self, kid: str) -> bool:
        """Bring the widget ``kid`` into view as a citizen would (turn a page); True if anything changed."""
        return False


def _fill(box, widgets: list) -> None:
    """Make ``widgets`` the children of ``box`` in this order (untouched when they already are)."""
    if list(reversed(box.children)) != widgets:
        box.clear_widgets()
        for widget in widgets:
            if widget.parent is not None:
                widget.parent.remove_widget(widget)
            box.add_widget(widget)
