"""The form step: fields prefilled by kioskd, edited with an on-screen keypad (no system IME)."""

from __future__ import annotations

from kivy.uix.boxlayout import BoxLayout

from local_api.schemas import FieldView, SessionSnapshot

from ..viewmodels import KeypadBuffer, PinyinIndex
from ..widgets.base import KButton, KLabel
from ..widgets.keypad import Keypad
from .base import KScreen

_pinyin: PinyinIndex | None = None


def pinyin_index() -> PinyinIndex:
    global _pinyin
    if _pinyin is None:
        _pinyin = PinyinIndex()
    return _pinyin


class FormScreen(KScreen):
    """Shows the fields; tapping one opens the keypad that suits it."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.fields: list[FieldView] = []
        self.edited: dict[str, str] = {}
        self.buffer: KeypadBuffer | None = None
        self.letters = ""
        self.active: str | None = None
        self.manual = False
        self.step_id = ""
        self.keypad_box = BoxLayout(orientation="vertical", size_hint_y=None, height=0)
        self.extra.append(self.keypad_box)
        self._relayout()

    # -- showing ---------------------------------------------------------------------------------
    def show(self, snapshot: SessionSnapshot | None) -> None:
        super().show(snapshot)
        assert snapshot is not None
        same_step = snapshot.step.id == self.step_id and not self.manual
        self.step_id = snapshot.step.id
        self.manual = False
        # A field the helper entered shows what kioskd holds, not what was typed here before.
        keep = {f.name for f in snapshot.step.fields if not f.by_helper}
        self.edited = {k: v for k, v in self.edited.items() if k in keep}
        self.fields = [f.model_copy(update={"value": self.edited.get(f.name, f.value)})
                       for f in snapshot.step.fields]
        # A push for the same step (a clock tick, a device status) must not close the keypad
        # under the citizen's finger.
        if not (same_step and self.active in keep):
            self.close_keypad()
        self._render()
        t = self.app.t
        buttons = []
        if "back" in snapshot.step.accepts:
            buttons.append(self.event_button(t("common.back"), "back", "secondary_button"))
        buttons.append((t("form.submit"), "form.submit", "primary_button", self.submit))
        self.set_actions(buttons)

    def show_manual(self) -> None:
        """Manual identity entry (no card): ID number and name, sent as ``manual_id``."""
        t = self.app.t
        self.manual = True
        self.edited = {}
        self.title.text = t("identify.manual")
        self.prompt.text = ""
        self.fields = [
            FieldView(name="id_number", label="身份证号码", type="id_number", keypad="id"),
            FieldView(name="name", label="姓名", keypad="text"),
        ]
        self.close_keypad()
        self._render()
        self.set_actions([
            (t("common.back"), "form.manual_back", "secondary_button", self.app.reshow),
            (t("form.submit"), "form.submit", "primary_button", self.submit),
        ])

    def _render(self) -> None:
        t, ts = self.app.t, self.app.ts
        self.body.clear_widgets()
        for field in self.fields:
            box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=ts.gap * 0.2)
            label = field.label + ("" if field.required else f"（{t('form.optional')}）")
            if field.by_helper:
                label += f"  {t('form.by_helper')}"
            box.add_widget(KLabel(text=label, pair="body_soft", font_px=ts.small, kid=f"form.label.{field.name}"))
            shown = field.value
            if field.name == self.active and self.buffer is not None:
                shown = self.buffer.text + self.letters + "▏"
            button = KButton(text=shown or t("form.tap_to_edit"), kid=f"form.field.{field.name}",
                             pair="key" if field.name != self.active else "secondary_button")
            button.halign = "left"
            button.bind(on_release=lambda _b, f=field: self.edit(f.name))
            box.add_widget(button)
            if field.type == "choice" and field.name == self.active:
                for choice in field.choices:
                    option = KButton(text=choice, kid=f"form.choice.{field.name}.{choice}", pair="primary_button")
                    option.bind(on_release=lambda _b, f=field, c=choice: self._pick(f.name, c))
                    box.add_widget(option)
            if field.error:
                box.add_widget(KLabel(text=field.error, pair="field_error", kid=f"form.error.{field.name}"))
            box.bind(minimum_height=box.setter("height"))
            self.body.add_widget(box)

    # -- editing ---------------------------------------------------------------------------------
    def field(self, name: str) -> FieldView:
        return next(f for f in self.fields if f.name == name)

    def edit(self, name: str) -> None:
        field = self.field(name)
        self.active = name
        self.letters = ""
        self.keypad_box.clear_widgets()
        if field.type == "choice":
            self.buffer = None
            self.keypad_box.height = 0
        else:
            self.buffer = KeypadBuffer.for_field(field)
            keypad = Keypad(mode=field.keypad if field.keypad in ("digits", "id") else "text")
            keypad.bind(on_key=lambda _k, key: self.key(key))
            self.keypad_box.add_widget(keypad)
            self.keypad_box.height = keypad.height
            keypad.bind(height=self.keypad_box.setter("height"))
            self.keypad = keypad
        self._render()

    def close_keypad(self) -> None:
        self.active = None
        self.buffer = None
        self.letters = ""
        self.keypad_box.clear_widgets()
        self.keypad_box.height = 0

    def _pick(self, name: str, value: str) -> None:
        self._set(name, value)
        self.close_keypad()
        self._render()

    def _set(self, name: str, value: str) -> None:
        self.edited[name] = value
        self.fields = [f.model_copy(update={"value": value, "error": ""}) if f.name == name else f
                       for f in self.fields]

    def key(self, key: str) -> None:
        if self.buffer is None or self.active is None:
            return
        if key == "OK":
            self._set(self.active, self.buffer.text)
            self.close_keypad()
        elif key.startswith("CHAR:"):
            self.buffer.press(key[5:])
            self.letters = ""
        elif self.buffer.keypad == "text" and len(key) == 1 and key.isalpha():
            self.letters = (self.letters + key)[:6]
        elif key == "DEL" and self.letters:
            self.letters = self.letters[:-1]
        elif key == "CLR":
            self.letters = ""
            self.buffer.press("CLR")
        else:
            self.buffer.press(key)
        if self.active is not None and self.buffer is not None and self.buffer.keypad == "text":
            self.keypad.candidates = pinyin_index().candidates(self.letters)
        self._render()

    def submit(self) -> None:
        if self.active is not None and self.buffer is not None:
            self._set(self.active, self.buffer.text)
            self.close_keypad()
        if self.manual:
            values = {f.name: f.value for f in self.fields}
            self.app.send("manual_id", {"id_number": values.get("id_number", ""), "name": values.get("name", "")})
            return
        self.app.send("form_submit", {"values": dict(self.edited)})

    def clear(self) -> None:
        super().clear()
        self.fields = []
        self.edited = {}
        self.close_keypad()
        self.manual = False
        self.step_id = ""
