"""Drives the running UI like a citizen: tap a widget by its id, wait for a screen to be drawn.

Two ways to run: ``Pilot(app)`` on Kivy's main thread pumps frames itself (tests, benchmarks);
``Pilot(app, threaded=True)`` runs on another thread while ``App.run()`` owns the main thread
(the demo script) and hands every action to the main thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from kivy.base import EventLoop
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.uix.screenmanager import ScreenManager
from kivy.uix.widget import Widget


class PilotError(AssertionError):
    """The UI did not get where the pilot expected (the message says where it is instead)."""


def walk(widget: Widget):
    """Visible widgets under ``widget``: only the current screen of a ScreenManager."""
    yield widget
    if isinstance(widget, ScreenManager):
        if widget.current_screen is not None:
            yield from walk(widget.current_screen)
        return
    for child in widget.children:
        yield from walk(child)


class Pilot:
    def __init__(self, app: Any, threaded: bool = False, timeout: float = 10.0) -> None:
        self.app = app
        self.threaded = threaded
        self.timeout = timeout

    # -- running on the main thread ----------------------------------------------------------------
    def on_main(self, fn: Callable[[], Any]) -> Any:
        if not self.threaded or threading.current_thread() is threading.main_thread():
            return fn()
        done = threading.Event()
        box: dict[str, Any] = {}

        def run(_dt: float) -> None:
            try:
                box["value"] = fn()
            except BaseException as exc:
                box["error"] = exc
            done.set()

        Clock.schedule_once(run, 0)
        if not done.wait(self.timeout):
            raise PilotError("the UI thread did not answer in time")
        if "error" in box:
            raise box["error"]
        return box.get("value")

    def frame(self, count: int = 1) -> None:
        """Let the UI draw ``count`` frames."""
        if self.threaded:
            start = self.on_main(lambda: self.app.frames)

            def drawn() -> bool:
                Window.canvas.ask_update()  # Kivy draws only when something changed
                return self.app.frames >= start + count

            self.wait_until(drawn, f"{count} frames")
            return
        for _ in range(count):
            Window.canvas.ask_update()
            EventLoop.idle()

    def wait_until(self, condition: Callable[[], bool], what: str, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            if self.on_main(condition):
                return
            if time.monotonic() > deadline:
                where = self.on_main(lambda: self.app.current)
                raise PilotError(f"waited {timeout or self.timeout:.0f} s for {what}; the UI shows {where!r}")
            if self.threaded:
                time.sleep(0.03)
            else:
                EventLoop.idle()

    # -- finding and tapping -----------------------------------------------------------------------
    def find(self, kid: str) -> Widget | None:
        def search() -> Widget | None:
            for root in list(Window.children):
                for widget in walk(root):
                    if getattr(widget, "kid", None) == kid and not getattr(widget, "disabled", False):
                        return widget
            return None

        return self.on_main(search)

    def ids(self, prefix: str = "") -> list[str]:
        """Ids of the widgets on screen now (for error messages and exploring)."""
        def collect() -> list[str]:
            return [w.kid for root in list(Window.children) for w in walk(root)
                    if getattr(w, "kid", "") and w.kid.startswith(prefix)]

        return self.on_main(collect)

    def tap(self, kid: str, wait: bool = True) -> None:
        """Touch the widget with this id in the middle, as a finger would."""
        # A screenshot asked for must show this screen, not the one the tap leads to.
        self.wait_until(lambda: not self.app.shot_pending, "the screenshot")
        if self.on_main(lambda: self._reveal(kid)):
            self.frame(2)
        if wait:
            self.wait_until(lambda: self.find(kid) is not None, f"a widget {kid!r}")
        widget = self.find(kid)
        if widget is None:
            raise PilotError(f"no widget {kid!r} on screen {self.app.current!r}; there are {self.ids()}")
        self._scroll_into_view(widget)

        def press() -> bool:
            # Find, locate and touch in one go on the UI thread: a push may rebuild the screen
            # between two separate calls, and a detached widget's position means nothing.
            from kivy.tests.common import UnitTestTouch

            current = self.find(kid)
            if current is None or current.get_root_window() is None:
                return False
            touch = UnitTestTouch(*current.to_window(*current.center))
            touch.touch_down()
            touch.touch_up()
            return True

        for _ in range(3):
            if self.on_main(press):
                self.frame(1)
                return
            self.on_main(lambda: self._reveal(kid))  # the home screen may have re-paged once laid out
            self.frame(1)
        raise PilotError(f"the widget {kid!r} kept disappearing from screen {self.app.current!r}")

    def _reveal(self, kid: str) -> bool:
        """Let the current screen turn to the page that holds ``kid`` (the home screen's tiles)."""
        if self.find(kid) is not None:
            return False
        screen = getattr(self.app, "screens", {}).get(self.app.current)
        return bool(screen is not None and hasattr(screen, "reveal") and screen.reveal(kid))

    def _scroll_into_view(self, widget: Widget) -> None:
        """Scroll the list a widget sits in so a finger could reach it, as a citizen would."""
        from kivy.uix.scrollview import ScrollView

        def scroll() -> bool:
            parent = widget.parent
            # The Window is its own parent: stop there.
            while parent is not None and not isinstance(parent, ScrollView) and parent.parent is not parent:
                parent = parent.parent
            if not isinstance(parent, ScrollView):
                return False
            _x, y = widget.to_window(widget.x, widget.y)
            _sx, sy = parent.to_window(parent.x, parent.y)
            if y >= sy and y + widget.height <= sy + parent.height:
                return False
            parent.scroll_to(widget, padding=10, animate=False)
            return True

        if self.on_main(scroll):
            self.frame(2)

    def tap_at(self, x: float, y: float) -> None:
        from kivy.tests.common import UnitTestTouch

        def touch() -> None:
            t = UnitTestTouch(x, y)
            t.touch_down()
            t.touch_up()

        self.on_main(touch)
        self.frame(1)

    def stroke(self, kid: str, points: list[tuple[float, float]]) -> None:
        """Draw one stroke on the widget with this id, a finger down, along ``points`` (0..1 of its size), up."""
        widget = self.find(kid)
        if widget is None:
            raise PilotError(f"no widget {kid!r} on screen {self.app.current!r}")

        def draw() -> None:
            from kivy.tests.common import UnitTestTouch

            where = [widget.to_window(widget.x + fx * widget.width, widget.y + fy * widget.height)
                     for fx, fy in points]
            touch = UnitTestTouch(*where[0])
            touch.touch_down()
            for x, y in where[1:]:
                touch.touch_move(x, y)
            touch.touch_up()

        self.on_main(draw)
        self.frame(1)

    def tap_corner(self, corner: str) -> None:
        w, h = self.on_main(lambda: tuple(Window.size))
        self.tap_at(w * 0.03 if corner == "tl" else w * 0.97, h * 0.98)

    def wait_screen(self, name: str, timeout: float | None = None) -> None:
        """Wait until ``name`` is the current screen and has been drawn."""
        self.wait_until(lambda: self.app.current == name and not self.app.busy, f"screen {name!r}", timeout)
        self.frame(2)
        self.wait_until(lambda: not self.app.shot_pending, "the screenshot")

    def shot(self, label: str) -> None:
        """Save a screenshot of what is drawn now (when the app has a screenshot folder)."""
        self.frame(2)
        self.on_main(lambda: self.app.request_shot(label))
        self.wait_until(lambda: not self.app.shot_pending, "the screenshot")

    def text(self, kid: str) -> str:
        if self.on_main(lambda: self._reveal(kid)):
            self.frame(2)
        widget = self.find(kid)
        if widget is None:
            raise PilotError(f"no widget {kid!r} on screen {self.app.current!r}")
        return self.on_main(lambda: widget.text)

    def all_text(self) -> str:
        """Every text of every screen and overlay, shown or not (to check nothing personal is left)."""
        def collect() -> str:
            texts = []
            stack: list[Widget] = list(Window.children) + list(self.app.screens.values())
            while stack:
                widget = stack.pop()
                if isinstance(getattr(widget, "text", None), str):
                    texts.append(widget.text)
                stack.extend(widget.children)
            return "\n".join(texts)

        return self.on_main(collect)


def start_embedded(app: Any) -> Pilot:
    """Start ``app`` without handing the main thread to Kivy; the returned pilot pumps frames."""
    from kivy.base import runTouchApp

    app._run_prepare()
    runTouchApp(embedded=True)
    pilot = Pilot(app)
    pilot.frame(3)
    return pilot


def stop_embedded(app: Any) -> None:
    from kivy.base import stopTouchApp

    app.stop()
    stopTouchApp()
