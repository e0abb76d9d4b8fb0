"""Calm screens for when something is wrong (a device fault, kioskd away) and the help screen."""

from __future__ import annotations

from kivy.clock import Clock

from local_api.schemas import SessionSnapshot

from ..viewmodels import fault_key
from ..widgets.base import KLabel, Panel
from .base import KScreen


class CalmScreen(KScreen):
    def calm_panel(self, lines: list[tuple[str, str, bool]]) -> None:
        """(text, kid, bold) lines in a warm, quiet card."""
        self.body.clear_widgets()
        panel = Panel(bg=list(self.app.colour("calm")))
        for text, kid, bold in lines:
            panel.add_widget(KLabel(text=text, pair="calm", kid=kid, bold=bold,
                                    font_px=self.app.ts.heading if bold else 0))
        self.body.add_widget(panel)


class FaultScreen(CalmScreen):
    """A device failed mid-session: say what, that nothing is lost, and where to go."""

    def show(self, snapshot: SessionSnapshot | None) -> None:
        assert snapshot is not None and snapshot.notice is not None
        t = self.app.t
        notice = snapshot.notice
        self.title.text = t("fault.title")
        self.prompt.text = ""
        # kioskd's message already says where to go; without one, say it ourselves.
        lines = [(t(fault_key(notice.code)), "fault.what", True)]
        if notice.message:
            lines.append((notice.message, "fault.message", False))
        else:
            lines.append((t("fault.saved"), "fault.message", False))
            lines.append((t("fault.go_window", window=self.app.settings.window_number), "fault.where", False))
        self.calm_panel(lines)
        buttons = self.option_buttons(snapshot)  # 视频帮助 is in the footer already
        buttons.append((t("common.home"), "fault.home", "primary_button", self.app.leave_session))
        self.set_actions(buttons)


class RefusedScreen(CalmScreen):
    """kioskd would not start the chosen item: a device it needs is not ready (its words), and what else to do."""

    message = ""
    AUTO_HOME_S = 30  # the citizen may walk away: the next one finds the home screen

    def show(self, snapshot=None) -> None:
        t = self.app.t
        self.title.text = t("refused.title")
        self.prompt.text = ""
        self.calm_panel([(self.message, "refused.message", True), (t("refused.other"), "refused.other", False)])
        self.set_actions([(t("common.home"), "refused.home", "primary_button", self.app.go_home)])
        self.leave()
        self._home = Clock.schedule_once(lambda dt: self._auto_home(), self.AUTO_HOME_S)

    def _auto_home(self) -> None:
        if self.app.sm.current == self.name:
            self.app.go_home()

    def leave(self) -> None:
        if getattr(self, "_home", None) is not None:
            self._home.cancel()
            self._home = None


class OfflineScreen(CalmScreen):
    """kioskd is not answering: no service here for now, where to go instead."""

    def show(self, snapshot=None) -> None:
        t = self.app.t
        self.title.text = t("offline.title")
        self.prompt.text = ""
        self.calm_panel([(t("offline.body", window=self.app.settings.window_number), "offline.body", False)])
        self.set_actions([])
