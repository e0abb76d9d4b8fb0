"""Screens for the simple step kinds: guide, consent, identify, choose, review, submit, print, done."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.uix.boxlayout import BoxLayout

from local_api.schemas import (
    ConsentStepView,
    DoneStepView,
    GuideData,
    GuideStepView,
    IdentifyStepView,
    PrintData,
    PrintStepView,
    ReviewStepView,
    SessionSnapshot,
    SubmitStepView,
)

from ..widgets.art import CardReaderArt, OutletArrow, Spinner
from ..widgets.base import KButton, KLabel, Panel
from ..widgets.mongol import attach_column
from .base import KScreen

BULLET = "•\u00a0"  # a no-break space: Kivy wraps at spaces, and the bullet stays with its text


class StepScreen(KScreen):
    """A step screen with the body text in a card and next/back actions."""

    def body_panel(self, text: str, kid: str) -> Panel:
        panel = Panel()
        panel.add_widget(KLabel(text=text, pair="card", kid=kid))
        return panel

    def nav(self, snapshot: SessionSnapshot, next_key: str = "common.next") -> list:
        t = self.app.t
        buttons = []
        if self.accepts(snapshot, "back"):
            buttons.append(self.event_button(t("common.back"), "back", "secondary_button"))
        if self.accepts(snapshot, "next"):
            buttons.append(self.event_button(t(next_key), "next"))
        return buttons


class GuideScreen(StepScreen):
    def show(self, snapshot: SessionSnapshot | None) -> None:
        super().show(snapshot)
        assert snapshot is not None
        self.body.clear_widgets()
        if snapshot.step.body:
            self.body.add_widget(self.body_panel(self.step_text(snapshot, "body"), "guide.body"))
        assert isinstance(snapshot.step, GuideStepView)
        facts = self.guide_facts(snapshot.step.data)
        if facts:
            self.body.add_widget(self.facts_panel(facts.split("\n"), "guide.facts"))
        self.set_actions(self.nav(snapshot))

    def facts_panel(self, lines: list[str], kid: str) -> Panel:
        """The 办事指南 facts, with list items indented under their bullet (a hanging indent)."""
        panel = Panel(kid=kid)
        for i, line in enumerate(lines):
            if not line.startswith(BULLET):
                panel.add_widget(KLabel(text=line, pair="card", kid=f"{kid}.{i}"))
                continue
            row = BoxLayout(size_hint_y=None)
            mark = KLabel(text="•", pair="card", size_hint_x=None, width=self.app.ts.body * 1.2, pos_hint={"top": 1})
            text = KLabel(text=line[len(BULLET):], pair="card", kid=f"{kid}.{i}")
            row.add_widget(mark)
            row.add_widget(text)

            def fit(*_a, r=row, m=mark, x=text) -> None:
                r.height = max(m.height, x.height)

            mark.bind(height=fit)
            text.bind(height=fit)
            fit()
            panel.add_widget(row)
        return panel

    def guide_facts(self, data: GuideData) -> str:
        """办事指南 elements of the guide step: conditions, materials, time limit, fees, phone."""
        t = self.app.t
        lines: list[str] = []
        if data.conditions:
            lines.append(t("guide.conditions"))
            lines += [f"{BULLET}{' '.join(c.split())}" for c in data.conditions if c.strip()]
        if data.materials:
            lines.append(t("guide.materials"))
            for m in data.materials:
                counts = [t("guide.originals", n=m.originals) if m.originals else "",
                          t("guide.copies", n=m.copies) if m.copies else ""]
                extra = "，".join(c for c in counts if c)
                lines.append(f"{BULLET}{m.name}" + (f"（{extra}）" if extra else ""))
        if data.promised_limit:
            lines.append(t("guide.promised_limit", value=data.promised_limit))
        if data.fees:
            text = data.fees if isinstance(data.fees, str) else "、".join(
                f"{f.name} {f.amount_yuan}元" for f in data.fees)
            lines.append(t("guide.fees", value=text))
        if data.consult_phone:
            lines.append(t("guide.consult_phone", value=data.consult_phone))
        return "\n".join(lines)


class ConsentScreen(StepScreen):
    def show(self, snapshot: SessionSnapshot | None) -> None:
        super().show(snapshot)
        assert snapshot is not None
        t = self.app.t
        self.body.clear_widgets()
        assert isinstance(snapshot.step, ConsentStepView)
        text = self.step_text(snapshot, "body") if snapshot.step.body else snapshot.step.data.purpose
        if text:
            self.body.add_widget(self.body_panel(text, "consent.body"))
        self.set_actions([
            (t("consent.decline"), "consent.decline", "secondary_button",
             lambda: self.app.send("consent", {"accepted": False})),
            (t("consent.agree"), "consent.agree", "primary_button",
             lambda: self.app.send("consent", {"accepted": True})),
        ])


class IdentifyScreen(StepScreen):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.art = CardReaderArt(size_hint_y=None, height=self.app.ts.face * 2, animate=self.app.animations)
        self.where = KLabel(pair="body", align="center", kid="identify.where", bold=True, fresh_texture=True)

    def show(self, snapshot: SessionSnapshot | None) -> None:
        super().show(snapshot)
        assert snapshot is not None
        t = self.app.t
        self.body.clear_widgets()
        self.clear_guidance()
        self.where.text = t("identify.where", location=t("identify.where_default"))
        self.add_guidance(self.art, stretch=True)
        self.body.add_widget(self.where)
        self.art.start()
        assert isinstance(snapshot.step, IdentifyStepView)
        if snapshot.applicant is not None:
            self.where.text = t("identify.read_ok")
        elif snapshot.step.data.reading:
            self.where.text = t("identify.reading")
        buttons = self.nav(snapshot)
        if snapshot.step.data.allow_manual and self.accepts(snapshot, "manual_id"):
            buttons.append((t("identify.manual"), "identify.manual", "secondary_button",
                            lambda: self.app.open_manual_id()))
        self.set_actions(buttons)

    def leave(self) -> None:
        self.art.stop()

    def clear(self) -> None:
        super().clear()
        self.where.text = ""


class ChooseScreen(StepScreen):
    def show(self, snapshot: SessionSnapshot | None) -> None:
        super().show(snapshot)
        assert snapshot is not None
        self.body.clear_widgets()
        for option in snapshot.step.options:
            text = self.option_label(snapshot, option.value, option.label) + (f"\n{option.note}" if option.note else "")
            button = KButton(text=text, kid=f"choose.{option.value}", pair="primary_button",
                             font_px=self.app.ts.heading)
            button.height = self.app.ts.button_h * 1.6
            button.bind(on_release=lambda _b, v=option.value: self.app.send("choose", {"option": v}))
            own = self.app.catalogue.own_pick({lang: words.options.get(option.value, "")
                                               for lang, words in snapshot.step.i18n.items()})
            if own and self.app.catalogue.vertical:  # traditional Mongolian: a column beside the Chinese
                attach_column(button, own, self.app.ts.body, self.app.ts.gap * 0.4)
            self.body.add_widget(button)
        self.set_actions(self.nav(snapshot))


class ReviewScreen(StepScreen):
    def show(self, snapshot: SessionSnapshot | None) -> None:
        super().show(snapshot)
        assert snapshot is not None
        t = self.app.t
        self.body.clear_widgets()
        panel = Panel()
        rows = [(f.label, f.value, f.name) for f in snapshot.step.fields]
        assert isinstance(snapshot.step, ReviewStepView)
        rows += [(a.label, a.value, f"answer{i}") for i, a in enumerate(snapshot.step.data.answers)]
        for label, shown, name_ in rows:
            row = BoxLayout(size_hint_y=None, spacing=self.app.ts.gap)
            name = KLabel(text=label, pair="card_soft", size_hint_x=0.35)
            value = KLabel(text=shown or "—", pair="card", bold=True, kid=f"review.{name_}")
            row.add_widget(name)
            row.add_widget(value)
            # Either side may wrap once its width is known: the row follows the taller of the two.
            def fit(*_a, r=row, n=name, v=value) -> None:
                r.height = max(n.height, v.height)

            name.bind(height=fit)
            value.bind(height=fit)
            fit()
            panel.add_widget(row)
        materials = [(m.name, m.captured) for m in snapshot.step.materials]
        materials += [(m.name, m.captured) for m in snapshot.step.data.materials]
        if materials:
            panel.add_widget(KLabel(text=t("review.materials"), pair="card_soft"))
            for name_, captured in materials:
                panel.add_widget(KLabel(text=f"{name_}  {t('review.pages', captured=captured)}", pair="card"))
        if snapshot.step.data.signed:
            panel.add_widget(KLabel(text=t("review.signed", documents="、".join(snapshot.step.data.signed)),
                                    pair="card", kid="review.signed"))
        self.body.add_widget(panel)
        buttons = []
        if self.accepts(snapshot, "back"):
            buttons.append(self.event_button(t("review.edit"), "back", "secondary_button"))
        if self.accepts(snapshot, "next"):
            buttons.append(self.event_button(t("review.submit"), "next", "good_button"))
        self.set_actions(buttons)


class SubmitScreen(StepScreen):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.spinner = Spinner(size_hint_y=None, height=self.app.ts.face * 1.3, animate=self.app.animations)
        self.wait = KLabel(align="center", kid="submit.wait", font_px=self.app.ts.heading,
                           fresh_texture=True)

    def show(self, snapshot: SessionSnapshot | None) -> None:
        super().show(snapshot)
        assert snapshot is not None
        self.body.clear_widgets()
        self.clear_guidance()
        self.wait.text = self.app.t("submit.wait")
        self.add_guidance(self.spinner)
        self.body.add_widget(self.wait)
        assert isinstance(snapshot.step, SubmitStepView)
        state = snapshot.step.data.state
        if state in ("failed", "duplicate"):
            # kioskd's notice says what failed (or that this was filed a moment ago); a turning spinner
            # would say "still trying".
            self.spinner.stop()
            self.body.clear_widgets()
            self.clear_guidance()
        else:
            self.spinner.start()
        buttons = []
        if state == "duplicate":
            buttons.append((self.app.t("submit.leave"), "submit.leave", "secondary_button", self.app.leave_session))
        if self.accepts(snapshot, "next"):
            buttons.append(self.event_button(self.app.t("submit.anyway" if state == "duplicate" else "submit.retry"),
                                             "next"))
        self.set_actions(buttons)

    def leave(self) -> None:
        self.spinner.stop()


class PrintScreen(StepScreen):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.spinner = Spinner(size_hint_y=None, height=self.app.ts.face * 1.3, animate=self.app.animations)

    def show(self, snapshot: SessionSnapshot | None) -> None:
        super().show(snapshot)
        assert snapshot is not None
        t = self.app.t
        assert isinstance(snapshot.step, PrintStepView)
        self.body.clear_widgets()
        self.clear_guidance()
        self.spinner.stop()
        if snapshot.step.data.document == "certificate":
            self.show_certificate(snapshot, snapshot.step.data)
            return
        panel = Panel()
        panel.add_widget(KLabel(text=t("print.take_from", outlet=t("print.outlet_default")), pair="card", bold=True,
                                font_px=self.app.ts.heading, kid="print.outlet"))
        if snapshot.step.data.state == "printing":
            panel.add_widget(KLabel(text=t("print.printing"), pair="card_soft", kid="print.state"))
        self.body.add_widget(panel)
        self.add_guidance(OutletArrow(size_hint_y=None, height=self.app.ts.face * 1.4), stretch=True)
        self.set_actions(self.option_buttons(snapshot) + self.nav(snapshot, "print.done"))

    def show_certificate(self, snapshot: SessionSnapshot, data: PrintData) -> None:
        """A certificate from the hub on the A4 printer: asking, printing, where to take it, or what went wrong."""
        t = self.app.t
        heading = {"issuing": "print.a4_issuing", "printing": "print.a4_printing", "printed": "print.a4_take",
                   "failed": FAILED_HEADINGS.get(data.code, "print.a4_failed")}[data.state]
        if data.state in ("printed", "failed"):
            # "please wait" is over; a failure is told once, in the card, which stays after the notice goes
            self.prompt.text = ""
            self.notice.text = ""
        panel = Panel()
        panel.add_widget(KLabel(text=t(heading), pair="card", bold=True, font_px=self.app.ts.heading,
                                kid="print.state"))
        if data.state == "failed":
            panel.add_widget(KLabel(text=data.message, pair="card", kid="print.message"))
        elif data.state == "printed":
            if data.verification_code:
                panel.add_widget(KLabel(text=t("print.a4_code", code=data.verification_code), pair="card",
                                        kid="print.code"))
            panel.add_widget(KLabel(text=t("print.a4_check"), pair="card_soft", kid="print.check"))
        else:
            panel.add_widget(KLabel(text=t("print.a4_wait"), pair="card_soft", kid="print.wait"))
        self.body.add_widget(panel)
        if data.state in ("issuing", "printing"):
            self.add_guidance(self.spinner)
            self.spinner.start()
        elif data.state == "printed":
            self.add_guidance(OutletArrow(size_hint_y=None, height=self.app.ts.face * 1.4), stretch=True)
        self.set_actions(self.option_buttons(snapshot) + self.nav(snapshot, "print.done"))

    def leave(self) -> None:
        self.spinner.stop()


# What a certificate's failure is called in large type; the message under it says what to do.
FAILED_HEADINGS = {"no_record": "print.a4_no_record", "a4_unknown": "print.a4_unknown",
                   "hub_down": "print.a4_hub_down"}


class DoneScreen(StepScreen):
    AUTO_HOME_S = 15

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._left = 0
        self._tick = None
        self.countdown = KLabel(pair="body_soft", align="center", kid="done.countdown", fresh_texture=True)

    def show(self, snapshot: SessionSnapshot | None) -> None:
        super().show(snapshot)
        assert snapshot is not None
        t = self.app.t
        self.body.clear_widgets()
        panel = Panel()
        panel.add_widget(KLabel(text=t("done.thanks"), pair="card", bold=True, align="center",
                                font_px=self.app.ts.title))
        number = snapshot.case_no or snapshot.provisional_no
        if number:
            # a queue number is not a case number: 您的号码 for a ticket, 办件编号 for an application
            ticket = isinstance(snapshot.step, DoneStepView) and snapshot.step.data.result.get("number") == number
            panel.add_widget(KLabel(text=t("done.ticket_no" if ticket else "done.case_no", case_no=number),
                                    pair="card", align="center", kid="done.case_no"))
        body = self.step_text(snapshot, "body") if snapshot.step.body else t("done.take_card")
        panel.add_widget(KLabel(text=body, pair="card", align="center"))
        self.body.add_widget(panel)
        self.body.add_widget(self.countdown)
        self._left = self.AUTO_HOME_S * (2 if self.app.ts.elder else 1)
        self._update()
        if self._tick is None:
            self._tick = Clock.schedule_interval(lambda dt: self._count(), 1.0)
        self.set_actions([(t("common.home"), "done.finish", "primary_button", self._finish)])

    def _update(self) -> None:
        self.countdown.text = self.app.t("done.auto_home", s=self._left)

    def _count(self) -> None:
        self._left -= 1
        self._update()
        if self._left <= 0:
            self._finish()

    def _finish(self) -> None:
        self.leave()
        self.app.send("finish", {})

    def leave(self) -> None:
        if self._tick is not None:
            self._tick.cancel()
            self._tick = None

    def clear(self) -> None:
        super().clear()
        self.leave()
        self.countdown.text = ""
