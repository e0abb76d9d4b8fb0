"""The pure session engine: ``transition(item, snapshot, event) -> (snapshot, effects)``.

No clock, no I/O, no randomness: time arrives in events, orders leave as effects, and the same
inputs always give the same outputs, so kioskd can persist a snapshot and replay an event safely.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from common import idnumber
from common.masking import mask_id, mask_name
from flows import effects as fx_
from flows import signature
from flows.conditions import holds
from flows.events import CLIENT_EVENT_TYPES, FormSubmitted, OptionChosen
from flows.fields import age_on, check_field, on_screen, parse_date
from flows.model import (
    HELPER_STEP_KINDS,
    Assist,
    CaptureStep,
    CertificateRecord,
    ChooseStep,
    ConsentRecord,
    ConsentStep,
    FaceCheckRecord,
    FormStep,
    IdentifyStep,
    Material,
    Notice,
    PrintRecord,
    PrintStep,
    RateStep,
    Rating,
    ServiceItem,
    SignatureRecord,
    SignStep,
    Snapshot,
    Step,
    SubmitStep,
    VerifyFaceStep,
)
from flows.translations import prompt_id, recordable

IDLE_QUESTION = "还需要更多时间吗？"
CARD_HELD = "已读取您的身份证，请点击屏幕上要办理的事项。"  # said when a card is placed at the home screen
IDLE_GRACE_S = 30.0
ELDER_FACTOR = 2.0
RATING_NAMES = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
BAD_LEVELS = (1, 2)
DEVICE_LABELS = {"id_reader": "身份证阅读器", "printer": "打印机", "camera": "高拍仪", "voice": "语音设备",
                 "a4_printer": "A4打印机"}
PRINT_RETRY, PRINT_SKIP = "retry", "skip"
_RESULT_PLACEHOLDER = re.compile(r"\{result\.([a-z_][a-z0-9_]*)\}")

Effects = list[Any]


class EventNotAccepted(Exception):
    """The event does not fit the session now (HTTP 409); the snapshot is unchanged."""

    def __init__(self, step_id: str, expected: list[str], detail: str) -> None:
        super().__init__(f"{detail} (step '{step_id}' accepts: {', '.join(expected) or 'nothing'})")
        self.step_id = step_id
        self.expected = expected
        self.detail = detail

    @property
    def expected_client(self) -> list[str]:
        """The accepted events a client may post (what a 409 answer lists)."""
        return [name for name in self.expected if name in CLIENT_EVENT_TYPES]


# ---- public API ----

def start(item: ServiceItem, *, session_id: str, at: datetime, elder_mode: bool = False, language: str = "zh_CN"
          ) -> tuple[Snapshot, Effects]:
    """The first snapshot of a session and the effects of entering the first step."""
    if at.tzinfo is None:
        raise ValueError("start(at=...) needs a timezone-aware datetime")
    first = item.steps[0]
    snap = Snapshot(session_id=session_id, item_code=item.code, step=first.id, elder_mode=elder_mode,
                    language=language, started_at=at, updated_at=at)
    effects: Effects = []
    snap = _enter(item, snap, first, at, effects)
    return _touch(item, snap, at), effects


def transition(item: ServiceItem, snapshot: Snapshot, event: Any) -> tuple[Snapshot, Effects]:
    """Apply one event; raise ``EventNotAccepted`` (snapshot untouched) when it does not fit."""
    if snapshot.item_code != item.code:
        raise ValueError(f"snapshot is for item '{snapshot.item_code}', not '{item.code}'")
    expected = accepted_events(item, snapshot)
    if event.type not in expected:
        detail = ("the session has ended" if snapshot.status != "active"
                  else f"'{event.type}' is not accepted at this step now")
        raise EventNotAccepted(snapshot.step, expected, detail)
    step = item.step(snapshot.step)
    if event.type == "tick":
        return _on_tick(item, snapshot, step, event.at)
    effects: Effects = []
    snap = snapshot.model_copy(update={"notice": None, "updated_at": event.at})
    handler = _COMMON.get(event.type) or _BY_KIND[step.kind][event.type]
    snap = handler(item, snap, step, event, effects)
    return _touch(item, snap, event.at), effects


def accepted_events(item: ServiceItem, snapshot: Snapshot) -> list[str]:
    """Event types (client and system) the session accepts now, in a stable order."""
    if snapshot.status != "active":
        return []
    step = item.step(snapshot.step)
    accepted = _kind_events(item, snapshot, step)
    if snapshot.history and snapshot.pending not in ("submit", "certificate", "print"):
        accepted.append("back")
    if snapshot.pending != "submit":
        accepted.append("start_over")
    accepted.append("call_helper")
    if snapshot.helper_requested:
        accepted.append("cancel_helper")
    accepted += ["still_here", "tick", "device_fault"]
    if snapshot.assist is None or not snapshot.assist.active:
        accepted.append("assist_granted")
    else:
        accepted.append("assist_ended")
        if step.kind in HELPER_STEP_KINDS and snapshot.pending is None:
            accepted.append("helper_input")
    return accepted


def accepted_client_events(item: ServiceItem, snapshot: Snapshot) -> list[str]:
    """The subset of ``accepted_events`` a client may post."""
    return [name for name in accepted_events(item, snapshot) if name in CLIENT_EVENT_TYPES]


def current_material(item: ServiceItem, snapshot: Snapshot, step: CaptureStep) -> Material | None:
    """The first material of a capture step that still needs pages (and was not skipped)."""
    for code in step.materials:
        material = item.material(code)
        if code not in snapshot.skipped and len(snapshot.pages.get(code, ())) < material.pages:
            return material
    return None


def idle_timeout_s(step: Step, elder_mode: bool) -> float:
    return step.idle_timeout_s * (ELDER_FACTOR if elder_mode else 1.0)


def render(text: str, item: ServiceItem, snap: Snapshot) -> str:
    """Fill the few placeholders a prompt may use: {item_name} {case_no} {promised_limit} {consult_phone},
    and {result.KEY} for a value the platform answered (empty when it did not)."""
    if "{" not in text:
        return text
    if "{result." in text:
        text = _RESULT_PLACEHOLDER.sub(lambda m: str(snap.result.get(m.group(1)) or ""), text)
    number = snap.case_no or snap.provisional_no or ""
    for key, value in (("{item_name}", item.name), ("{case_no}", number),
                       ("{promised_limit}", str(item.promised_limit or "")),
                       ("{consult_phone}", item.consult_phone)):
        text = text.replace(key, value)
    return text


def print_data(item: ServiceItem, snap: Snapshot, at: datetime) -> dict[str, Any]:
    """What a printed document shows; names and ID numbers are masked on paper."""
    card = snap.card or {}
    answers = {}
    for step in item.steps:
        if isinstance(step, ChooseStep) and step.answer in snap.form:
            option = next((o for o in step.options if o.value == snap.form[step.answer]), None)
            answers[step.title] = option.label if option else snap.form[step.answer]
    return {
        "item_code": item.code,
        "item_name": item.name,
        "department": item.department,
        "case_no": snap.case_no,
        "provisional_no": snap.provisional_no,
        "applicant_name": mask_name(card.get("name")),
        "applicant_id": mask_id(card.get("id_number")),
        "printed_at": at.isoformat(),
        "materials": [_material_line(item.material(code), snap) for code in _step_materials(item)],
        "promised_limit": str(item.promised_limit) if item.promised_limit else "",
        "consult_phone": item.consult_phone,
        "answers": answers,
        "result": dict(snap.result),
        "assisted_mode": snap.assist.mode if snap.assist else "",
    }


# ---- entering and leaving steps ----

def _enter(item: ServiceItem, snap: Snapshot, step: Step, at: datetime, effects: Effects) -> Snapshot:
    effects.append(fx_.Speak(text=render(step.prompt, item, snap), language=snap.language,
                             prompt_id=prompt_id(item.code, step.id) if recordable(step) else ""))
    snap = snap.model_copy(update={"entry": snap.entry + 1})
    if snap.assist is not None and snap.assist.draft:  # a helper's unconfirmed typing belongs to the step left
        snap = snap.model_copy(update={"assist": snap.assist.model_copy(update={"draft": {}})})
    update: dict[str, Any] = {"pending": None, "attempt": 0, "field_errors": {}}
    match step.kind:
        case "identify":
            effects.append(fx_.StartCardReader(card_types=step.card_types))
            update["pending"] = "card"
        case "form":
            update["form"] = _prefilled(step, snap)
        case "capture":
            snap = snap.model_copy(update=update)
            return _capture_next(item, snap, step, effects)
        case "submit":
            effects.append(_submission(item, snap, step, at))
            update["pending"] = "submit"
        case "print":
            snap = snap.model_copy(update=update)
            return _print(item, snap, step, at, effects)
        case "verify_face":
            update["face"] = FaceCheckRecord(step=step.id)  # consent first, each time the step is entered
    return snap.model_copy(update=update)


def _leave(snap: Snapshot, effects: Effects) -> None:
    if snap.pending == "card":
        effects.append(fx_.StopCardReader())
    elif snap.pending == "capture":
        effects.append(fx_.StopCapture())
    elif snap.pending == "face":
        effects.append(fx_.StopFaceCheck())
    if snap.face is not None and snap.face.step == snap.step:
        effects.append(fx_.WipeFace())  # leaving the face check by any way: its frames and the photo go


def _next_of(item: ServiceItem, snap: Snapshot, step: Step) -> str:
    for branch in step.branches:
        if holds(branch.when, snap):
            return branch.goto
    if step.next:
        return step.next
    return item.steps[item.index(step.id) + 1].id


def _advance(item: ServiceItem, snap: Snapshot, step: Step, at: datetime, effects: Effects, *,
             goto: str | None = None, barrier: bool = False) -> Snapshot:
    """Go to the next step; a barrier (done submission or print) cuts the history so back cannot undo it."""
    _leave(snap, effects)
    target = goto or _next_of(item, snap, step)
    history = () if barrier else (*snap.history, step.id)
    snap = snap.model_copy(update={"history": history, "step": target})
    return _enter(item, snap, item.step(target), at, effects)


def _end(snap: Snapshot, status: str, effects: Effects) -> Snapshot:
    """Finish or abandon: stop devices, release the helper, wipe; the snapshot keeps no personal data."""
    _leave(snap, effects)
    if snap.helper_requested:
        effects.append(fx_.CancelHelper(session_id=snap.session_id))
    reason = "finished" if status == "finished" else "abandoned"
    effects.append(fx_.WipeSession(session_id=snap.session_id, reason=reason))
    return snap.model_copy(update={
        "status": status, "pending": None, "helper_requested": False, "idle_deadline": None,
        "idle_warned": False, "card": None, "age": None, "form": {}, "field_errors": {}, "pages": {},
        "result": {}, "certificate": None, "signatures": (), "assist": None,
    })


def _touch(item: ServiceItem, snap: Snapshot, at: datetime) -> Snapshot:
    if snap.status != "active" or snap.helper_requested:
        deadline = None
    else:
        deadline = at + timedelta(seconds=idle_timeout_s(item.step(snap.step), snap.elder_mode))
    if deadline == snap.idle_deadline and not snap.idle_warned:
        return snap
    return snap.model_copy(update={"idle_deadline": deadline, "idle_warned": False})


def _on_tick(item: ServiceItem, snap: Snapshot, step: Step, at: datetime) -> tuple[Snapshot, Effects]:
    if snap.idle_deadline is None or at < snap.idle_deadline:
        return snap, []
    effects: Effects = []
    if not snap.idle_warned:
        grace = IDLE_GRACE_S * (ELDER_FACTOR if snap.elder_mode else 1.0)
        effects.append(fx_.Speak(text=IDLE_QUESTION))
        return snap.model_copy(update={
            "idle_warned": True, "idle_deadline": at + timedelta(seconds=grace), "updated_at": at,
            "notice": Notice(level="warning", code="idle", message=IDLE_QUESTION + "如需继续，请点击屏幕。"),
        }), effects
    status = "finished" if step.kind == "done" else "abandoned"
    notice = Notice(level="info", code="idle_timeout", message="长时间未操作，已为您退出并清除本次信息。")
    snap = snap.model_copy(update={"updated_at": at, "notice": notice})
    return _end(snap, status, effects), effects


# ---- handlers common to every step ----

def _on_back(item, snap, step, event, effects):
    _leave(snap, effects)
    target = snap.history[-1]
    snap = snap.model_copy(update={"history": snap.history[:-1], "step": target})
    return _enter(item, snap, item.step(target), event.at, effects)


def _on_start_over(item, snap, step, event, effects):
    _leave(snap, effects)
    refs = tuple(ref for refs in snap.pages.values() for ref in refs)
    if refs:
        effects.append(fx_.DiscardPages(refs=refs))
    first = item.steps[0]
    snap = snap.model_copy(update={
        "run": snap.run + 1, "step": first.id, "history": (), "card": None, "age": None, "form": {},
        "consents": (), "pages": {}, "skipped": {}, "case_no": None, "provisional_no": None, "repeat_of": None,
        "result": {},
        "prints": (), "certificate": None, "rating": None, "face": None, "signatures": (),
        "assist": snap.assist.model_copy(update={"entered": (), "draft": {}}) if snap.assist else None,
    })
    return _enter(item, snap, first, event.at, effects)


def _on_call_helper(item, snap, step, event, effects):
    if not snap.helper_requested:
        effects.append(fx_.CallHelper(session_id=snap.session_id, step=step.id))
    notice = Notice(level="info", code="helper_called", message="已呼叫工作人员，请稍候。")
    return snap.model_copy(update={"helper_requested": True, "notice": notice})


def _on_cancel_helper(item, snap, step, event, effects):
    effects.append(fx_.CancelHelper(session_id=snap.session_id))
    return snap.model_copy(update={"helper_requested": False})


ASSIST_ON = "工作人员正在协助您填写，标有“工作人员填写”的内容由工作人员输入。您可以随时点击“收回操作”。"
ASSIST_OFF = {
    "withdrawn": "您已收回操作，工作人员不能再替您填写。",
    "stopped": "工作人员已结束协助填写，请您继续操作。",
    "call_ended": "视频通话已结束，请您继续操作。",
    "lost": "与工作人员的连接中断，工作人员未确认的内容没有保存，请您继续操作。",
}


def _on_assist_granted(item, snap, step, event, effects):
    earlier = snap.assist
    entered = earlier.entered if earlier is not None else ()
    assist = Assist(helper_id=event.helper_id, mode=event.mode, entered=entered)
    effects.append(fx_.Speak(text="工作人员正在协助您填写。"))
    return snap.model_copy(update={"assist": assist, "notice": Notice(level="info", code="assist_on",
                                                                      message=ASSIST_ON)})


def _on_assist_ended(item, snap, step, event, effects):
    assert snap.assist is not None  # accepted only while a helper has control
    assist = snap.assist.model_copy(update={"active": False, "draft": {}})
    message = ASSIST_OFF[event.reason]
    effects.append(fx_.Speak(text=message))
    return snap.model_copy(update={"assist": assist, "notice": Notice(level="info", code="assist_off",
                                                                      message=message)})


def _helper_refused(item, snap, detail: str) -> EventNotAccepted:
    return EventNotAccepted(snap.step, accepted_events(item, snap), detail)


def _on_helper_input(item, snap, step, event, effects):
    assist = snap.assist
    assert assist is not None and assist.active
    if event.helper_id != assist.helper_id:
        raise _helper_refused(item, snap, "another helper has control of this session")
    if event.action == "set_field":
        field = next((f for f in step.fields if f.name == event.field), None) if isinstance(step, FormStep) else None
        if field is None:
            raise _helper_refused(item, snap, f"no field '{event.field}' at this step")
        if field.prefill or field.type == "id_number":
            raise _helper_refused(item, snap, f"field '{field.name}' comes from the citizen's ID card; "
                                              "only the citizen can change it")
        if len(event.value) > field.max_length:
            raise _helper_refused(item, snap, f"field '{field.name}' takes at most {field.max_length} characters")
        entered = assist.entered if field.name in assist.entered else (*assist.entered, field.name)
        assist = assist.model_copy(update={"draft": {**assist.draft, field.name: event.value}, "entered": entered})
        errors = {k: v for k, v in snap.field_errors.items() if k != field.name}
        return snap.model_copy(update={"assist": assist, "field_errors": errors})
    if event.action == "choose":
        if not isinstance(step, ChooseStep):
            raise _helper_refused(item, snap, "there is nothing to choose at this step")
        entered = assist.entered if step.answer in assist.entered else (*assist.entered, step.answer)
        snap = snap.model_copy(update={"assist": assist.model_copy(update={"entered": entered})})
        return _on_choose(item, snap, step, OptionChosen(at=event.at, option=event.option), effects)
    if isinstance(step, FormStep):
        values = dict(assist.draft)
        snap = snap.model_copy(update={"assist": assist.model_copy(update={"draft": {}})})
        return _on_form_submit(item, snap, step, FormSubmitted(at=event.at, values=values), effects)
    if isinstance(step, ChooseStep):
        raise _helper_refused(item, snap, "choose an option to go on")
    return _on_next(item, snap, step, event, effects)


def _on_still_here(item, snap, step, event, effects):
    if event.elder_mode is not None and event.elder_mode != snap.elder_mode:
        return snap.model_copy(update={"elder_mode": event.elder_mode})  # the deadline is recomputed on touch
    return snap


def _on_device_fault(item, snap, step, event, effects):
    label = DEVICE_LABELS.get(event.device, "设备")
    notice = Notice(level="error", code=f"device_fault:{event.device or 'unknown'}",
                    message=f"{label}暂时不能使用，请呼叫工作人员帮助。")
    effects.append(fx_.Speak(text=notice.message))
    printer = "a4_printer" if isinstance(step, PrintStep) and step.on_a4 else "printer"
    if event.device == printer and snap.pending == "print":
        snap = _mark_print(snap, "failed", "device_fault")
        return snap.model_copy(update={"pending": None, "notice": notice})
    if event.device == "camera" and snap.pending == "capture":
        return snap.model_copy(update={"pending": None, "notice": notice})
    return snap.model_copy(update={"notice": notice})


# ---- per-kind handlers ----

def _on_next(item, snap, step, event, effects):
    return _advance(item, snap, step, event.at, effects)


def _on_finish(item, snap, step, event, effects):
    return _end(snap, "finished", effects)


def _on_consent(item, snap, step: ConsentStep, event, effects):
    effects.append(fx_.RecordConsent(
        session_id=snap.session_id, item_code=item.code, consent_id=step.consent_id, version=step.version,
        purpose=step.purpose, accepted=event.accepted, at=event.at))
    record = ConsentRecord(consent_id=step.consent_id, version=step.version, step=step.id,
                           accepted=event.accepted, at=event.at)
    snap = snap.model_copy(update={"consents": (*snap.consents, record)})
    if event.accepted:
        return _advance(item, snap, step, event.at, effects)
    if step.on_decline:
        return _advance(item, snap, step, event.at, effects, goto=step.on_decline)
    notice = Notice(level="info", code="consent_declined", message="您未同意处理个人信息，本事项无法继续办理。")
    effects.append(fx_.Speak(text=notice.message))
    return _end(snap.model_copy(update={"notice": notice}), "finished", effects)


def _card_problem(step: IdentifyStep, record: dict[str, Any], at: datetime) -> Notice | None:
    card_type = str(record.get("card_type") or "resident")
    if card_type not in step.card_types:
        return Notice(level="error", code="card_type", message="本事项不支持这种证件，请使用居民身份证或呼叫工作人员。")
    if record.get("id_number_valid") is False:
        return Notice(level="error", code="card_invalid", message="证件号码校验未通过，请呼叫工作人员。")
    valid_to = parse_date(str(record.get("valid_to") or ""))
    if valid_to is not None and valid_to < at.date():
        return Notice(level="error", code="card_expired", message="证件已过有效期，请使用有效证件。")
    return None


def _accept_card(item, snap, step, record: dict[str, Any], at: datetime, effects):
    age = age_on(str(record.get("birth_date") or ""), at.date())
    snap = snap.model_copy(update={"card": dict(record), "age": age})
    return _advance(item, snap, step, at, effects)


def _on_card_read(item, snap, step: IdentifyStep, event, effects):
    problem = _card_problem(step, event.record, event.at)
    if problem:
        effects += [fx_.Speak(text=problem.message), fx_.StartCardReader(card_types=step.card_types)]
        return snap.model_copy(update={"notice": problem})
    return _accept_card(item, snap, step, event.record, event.at, effects)


def _on_card_failed(item, snap, step: IdentifyStep, event, effects):
    # the card service words the reason for the citizen (e.g. the card was lifted mid-read); a bare failure gets ours
    message = event.reason or "没有读到证件，请把身份证平放在感应区，不要移动。"
    notice = Notice(level="error", code="card_failed", message=message)
    effects += [fx_.Speak(text=notice.message), fx_.StartCardReader(card_types=step.card_types)]
    return snap.model_copy(update={"notice": notice})


def _on_manual_id(item, snap, step: IdentifyStep, event, effects):
    number = event.id_number.strip().upper()
    name = event.name.strip()
    if not idnumber.is_valid(number) or not name:
        notice = Notice(level="error", code="manual_id_invalid",
                        message="身份证号码或姓名不正确，请核对后重新输入。")
        effects.append(fx_.Speak(text=notice.message))
        return snap.model_copy(update={"notice": notice, "field_errors": {"id_number": notice.message}})
    record = {"card_type": "manual", "name": name, "id_number": number, "birth_date": idnumber.birth_date(number),
              "sex": "男" if idnumber.sex_code(number) == "1" else "女", "address": "", "id_number_valid": True}
    return _accept_card(item, snap, step, record, event.at, effects)


def _prefilled(step: FormStep, snap: Snapshot) -> dict[str, str]:
    form = dict(snap.form)
    card = snap.card or {}
    for field in step.fields:
        if field.prefill and field.name not in form and card.get(field.prefill):
            value = str(card[field.prefill])
            if field.prefill == "birth_date" and (parsed := parse_date(value)):
                value = parsed.isoformat()
            form[field.name] = value
    return form


def _on_form_submit(item, snap, step: FormStep, event, effects):
    form = dict(snap.form)
    errors: dict[str, str] = {}
    for field in step.fields:
        raw = event.values.get(field.name, form.get(field.name, ""))
        kept = form.get(field.name, "")
        if raw != kept and kept and raw == on_screen(field, kept, snap.card)[0]:
            raw = kept  # the masked text the screen showed came back unchanged: the card's value stands
        value, error = check_field(field, raw)
        form[field.name] = value
        if error:
            errors[field.name] = error
    snap = snap.model_copy(update={"form": form, "field_errors": errors})
    if errors:
        notice = Notice(level="error", code="form_invalid", message=f"有{len(errors)}项需要修改，请查看红色提示。")
        effects.append(fx_.Speak(text=next(iter(errors.values()))))
        return snap.model_copy(update={"notice": notice})
    return _advance(item, snap, step, event.at, effects)


def _on_choose(item, snap, step, event, effects):
    if isinstance(step, PrintStep):
        if event.option == PRINT_RETRY and not may_retry(snap, step):
            raise EventNotAccepted(step.id, accepted_events(item, snap),
                                   "this print may not be tried again here; use 'skip'")
        if event.option == PRINT_RETRY:
            return _print(item, snap, step, event.at, effects)
        if event.option == PRINT_SKIP:
            return _advance(item, snap, step, event.at, effects, barrier=True)
        raise EventNotAccepted(step.id, accepted_events(item, snap),
                               f"unknown option '{event.option}'; use '{PRINT_RETRY}' or '{PRINT_SKIP}'")
    option = next((o for o in step.options if o.value == event.option), None)
    if option is None:
        values = ", ".join(o.value for o in step.options)
        raise EventNotAccepted(step.id, accepted_events(item, snap),
                               f"unknown option '{event.option}'; use one of {values}")
    snap = snap.model_copy(update={"form": {**snap.form, step.answer: option.value}})
    return _advance(item, snap, step, event.at, effects, goto=option.goto)


# ---- capture ----

def _capture_next(item, snap, step: CaptureStep, effects, *, now: bool = False):
    material = current_material(item, snap, step)
    if material is None:
        return snap.model_copy(update={"pending": None})
    remaining = material.pages - len(snap.pages.get(material.code, ()))
    effects.append(fx_.CapturePages(material=material.code, pages=remaining, kind=material.capture, now=now))
    return snap.model_copy(update={"pending": "capture"})


def _on_pages_captured(item, snap, step: CaptureStep, event, effects):
    material = current_material(item, snap, step)
    if material is None or event.material != material.code:
        raise EventNotAccepted(step.id, accepted_events(item, snap),
                               f"pages for '{event.material}' were not asked for now")
    have = snap.pages.get(material.code, ())
    room = material.pages - len(have)
    kept, extra = tuple(event.refs[:room]), tuple(event.refs[room:])
    if extra:
        effects.append(fx_.DiscardPages(refs=extra))
    snap = snap.model_copy(update={"pages": {**snap.pages, material.code: have + kept}})
    if len(have) + len(kept) < material.pages:
        return snap
    following = current_material(item, snap, step)
    if following is None:
        return _advance(item, snap.model_copy(update={"pending": None}), step, event.at, effects)
    return _capture_next(item, snap, step, effects)


def _on_capture_failed(item, snap, step: CaptureStep, event, effects):
    material = current_material(item, snap, step)
    name = material.name if material else "材料"
    notice = Notice(level="error", code="capture_failed", message=f"没有拍清楚{name}，请放平后点击“拍照”。")
    effects.append(fx_.Speak(text=notice.message))
    return snap.model_copy(update={"pending": None, "notice": notice})


def _on_capture_page(item, snap, step: CaptureStep, event, effects):
    if snap.pending == "capture":
        effects.append(fx_.StopCapture())
    return _capture_next(item, snap, step, effects, now=True)


def _on_retake(item, snap, step: CaptureStep, event, effects):
    if event.material not in step.materials:
        raise EventNotAccepted(step.id, accepted_events(item, snap),
                               f"material '{event.material}' is not captured at this step")
    refs = snap.pages.get(event.material, ())
    if refs:
        effects.append(fx_.DiscardPages(refs=refs))
    if snap.pending == "capture":
        effects.append(fx_.StopCapture())
    pages = {k: v for k, v in snap.pages.items() if k != event.material}
    skipped = {k: v for k, v in snap.skipped.items() if k != event.material}
    snap = snap.model_copy(update={"pages": pages, "skipped": skipped})
    return _capture_next(item, snap, step, effects)


def _on_capture_next(item, snap, step: CaptureStep, event, effects):
    material = current_material(item, snap, step)
    if material is not None:
        reason = "电子证照" if material.e_licence else ("容缺" if material.deferrable else "非必需")
        snap = snap.model_copy(update={"skipped": {**snap.skipped, material.code: reason}})
        if snap.pending == "capture":
            effects.append(fx_.StopCapture())
        snap = _capture_next(item, snap.model_copy(update={"pending": None}), step, effects)
        if current_material(item, snap, step) is not None:
            return snap
    return _advance(item, snap, step, event.at, effects)


# ---- sign ----

def signed_text(item: ServiceItem, snap: Snapshot, step: SignStep) -> str:
    """The document's text exactly as the sign step shows it (placeholders filled, outer blank lines cut)."""
    return render(step.text, item, snap).strip()


def _on_sign(item, snap, step: SignStep, event, effects):
    trouble = signature.problem(event.strokes, event.width, event.height)
    if trouble:
        effects.append(fx_.Speak(text=trouble))
        return snap.model_copy(update={"field_errors": {"signature": trouble},
                                       "notice": Notice(level="error", code="signature_refused", message=trouble)})
    text = signed_text(item, snap, step)
    record = SignatureRecord(step=step.id, document=step.document, text=text,
                             text_sha256=signature.text_sha256(text), at=event.at, width=event.width,
                             height=event.height, strokes=event.strokes)
    kept = tuple(s for s in snap.signatures if s.step != step.id)  # signing again replaces the earlier one
    return _advance(item, snap.model_copy(update={"signatures": (*kept, record)}), step, event.at, effects)


# ---- submit, print, rate ----

def _step_materials(item: ServiceItem) -> list[str]:
    seen: list[str] = []
    for step in item.steps:
        if isinstance(step, CaptureStep):
            seen += [code for code in step.materials if code not in seen]
    return seen


def _material_line(material: Material, snap: Snapshot) -> dict[str, Any]:
    return {"code": material.code, "name": material.name, "pages": len(snap.pages.get(material.code, ())),
            "skipped": snap.skipped.get(material.code, "")}


def _step_key(snap: Snapshot, step: Step) -> str:
    """Stable for retries within one visit of a step; new when the step is entered again (after back)."""
    return f"{snap.session_id}-r{snap.run}-e{snap.entry}-{step.id}"


def _submission(item: ServiceItem, snap: Snapshot, step: SubmitStep, at: datetime) -> fx_.SubmitApplication:
    card = snap.card or {}
    applicant = {key: card[key] for key in ("card_type", "name", "id_number", "sex", "birth_date", "address")
                 if key in card}
    materials = tuple({**_material_line(item.material(code), snap), "refs": list(snap.pages.get(code, ()))}
                      for code in _step_materials(item))
    assisted = None
    if snap.assist is not None:
        assisted = {"helper_id": snap.assist.helper_id, "mode": snap.assist.mode, "entered": list(snap.assist.entered)}
    signatures = tuple({"document": s.document, "text": s.text, "text_sha256": s.text_sha256,
                        "signed_at": s.at.isoformat(), "width": s.width, "height": s.height,
                        "strokes": [list(map(list, stroke)) for stroke in s.strokes]} for s in snap.signatures)
    return fx_.SubmitApplication(
        idempotency_key=_step_key(snap, step), item_code=item.code, purpose=step.purpose,
        applicant=applicant, form=dict(snap.form), materials=materials, submitted_at=at,
        identity_check=face_outcome(snap), signatures=signatures, assisted=assisted)


def _on_submitted(item, snap, step, event, effects):
    snap = snap.model_copy(update={"case_no": event.case_no, "provisional_no": event.provisional_no,
                                   "result": dict(event.result), "pending": None})
    return _advance(item, snap, step, event.at, effects, barrier=True)


def _on_submit_failed(item, snap, step, event, effects):
    reason = f"（{event.reason}）" if event.reason else ""
    notice = Notice(level="error", code="submit_failed",
                    message=f"提交没有成功{reason}，请点击“重新提交”，或点击“视频帮助”。")
    effects.append(fx_.Speak(text="提交没有成功，请点击重新提交，或点击视频帮助。"))
    return snap.model_copy(update={"pending": None, "notice": notice})


def _on_submit_duplicate(item, snap, step, event, effects):
    when = f"（{event.when}）" if event.when else ""
    number = f"（受理编号 {event.number}）" if event.number else ""
    message = (f"您刚才{when}已提交过“{item.name}”的申请{number}，不需要再次提交。"
               "如确需再次申请，请点击“仍要提交”；否则请点击“退出”。")
    effects.append(fx_.Speak(text=f"您刚才已提交过{item.name}的申请，不需要再次提交。"))
    notice = Notice(level="warning", code="duplicate", message=message)
    return snap.model_copy(update={"pending": None, "notice": notice, "repeat_of": event.number or "?"})


def _on_submit_retry(item, snap, step, event, effects):
    again = snap.repeat_of is not None  # told of the earlier application, the citizen applies again
    effects.append(_submission(item, snap, step, event.at).model_copy(update={"allow_duplicate": again}))
    return snap.model_copy(update={"pending": "submit"})


def _print(item, snap, step: PrintStep, at: datetime, effects):
    if step.on_a4:
        return _print_certificate(snap, step, effects)
    attempt = snap.attempt + 1
    visit = _step_key(snap, step)
    job_id = f"{visit}-{attempt}"
    earlier = tuple(r.job_id for r in snap.prints if r.job_id.startswith(f"{visit}-") and r.status != "printed")
    effects.append(fx_.PrintDocument(job_id=job_id, template=step.template, data=print_data(item, snap, at),
                                     replaces=earlier))
    record = PrintRecord(job_id=job_id, template=step.template, step=step.id)
    return snap.model_copy(update={"attempt": attempt, "pending": "print", "prints": (*snap.prints, record)})


def _mark_print(snap: Snapshot, status: str, code: str = "") -> Snapshot:
    last = snap.prints[-1]
    return snap.model_copy(update={"prints": (*snap.prints[:-1], last.model_copy(
        update={"status": status, "code": code}))})


def _current_job(snap: Snapshot) -> str:
    return snap.prints[-1].job_id if snap.prints else ""


def _on_printed(item, snap, step, event, effects):
    if event.job_id != _current_job(snap):
        raise EventNotAccepted(step.id, accepted_events(item, snap), f"print job '{event.job_id}' is not current")
    snap = _mark_print(snap, "printed").model_copy(update={"pending": None})
    if isinstance(step, PrintStep) and step.on_a4:
        # The citizen is shown where the paper is and moves on themselves; nothing before it can be undone.
        effects.append(fx_.Speak(text="证明已打印，请从A4出纸口取走您的证明。"))
        return snap.model_copy(update={"history": (), "notice": Notice(
            level="info", code="certificate_printed", message=CERTIFICATE_PRINTED)})
    return _advance(item, snap, step, event.at, effects, barrier=True)


# ---- certificates on the A4 printer: first obtained from the hub, then printed ----

# Failures a retry may mend; the others send the citizen to a counter. ``a4_unknown`` above all: the
# paper may have come out, and printing again could give a second copy.
CERTIFICATE_RETRY = ("hub_down", "a4_failed", "a4_unavailable")
CERTIFICATE_FAULTS = {
    "no_record": "没有找到您的记录，不能出具证明。请到人工窗口咨询办理。",
    "hub_down": "暂时无法连接证明出具系统，证明没有打印。请稍后点击“重新打印”，或到人工窗口办理。",
    "refused": "证明暂时无法在本机出具，请到人工窗口办理。",
    "a4_failed": "证明没有打印出来，请点击“重新打印”，或到人工窗口办理。",
    "a4_unknown": "不能确定证明是否已打印，请先查看A4出纸口；如果没有，请呼叫工作人员，不要重复打印。",
    "a4_unavailable": "A4打印机暂时不能打印，证明没有打印。请点击“重新打印”，或到人工窗口办理。",
}
CERTIFICATE_PRINTED = "证明已打印，请从A4出纸口取走您的证明，然后点击“下一步”。"


def _holder(snap: Snapshot) -> dict[str, str]:
    card = snap.card or {}
    return {"card_type": str(card.get("card_type") or "resident"), "id_number": str(card.get("id_number") or "")}


def _print_certificate(snap: Snapshot, step: PrintStep, effects: Effects) -> Snapshot:
    """Ask the hub for this visit's certificate, or print the one it gave (a retry prints it again, not asks again)."""
    visit = _step_key(snap, step)
    if snap.certificate is None or snap.certificate.key != visit:
        assert step.certificate is not None  # PrintStep's validator
        check = "face_verified" if snap.face is not None and snap.face.state == "passed" else "card_read"
        effects.append(fx_.IssueCertificate(key=visit, kind=step.certificate, holder=_holder(snap),
                                            identity_check=check))
        return snap.model_copy(update={"pending": "certificate", "certificate": None})
    attempt = snap.attempt + 1
    job_id = f"{visit}-{attempt}"
    effects.append(fx_.PrintCertificate(job_id=job_id, key=visit, copy_no=attempt))
    record = PrintRecord(job_id=job_id, template="certificate", step=step.id)
    return snap.model_copy(update={"attempt": attempt, "pending": "print", "prints": (*snap.prints, record)})


def _check_certificate_key(item, snap, step, key: str) -> None:
    if key != _step_key(snap, step):
        raise EventNotAccepted(step.id, accepted_events(item, snap), f"certificate request '{key}' is not current")


def _on_certificate_issued(item, snap, step: PrintStep, event, effects):
    _check_certificate_key(item, snap, step, event.key)
    issued = CertificateRecord(key=event.key, code=event.code, title=event.title, verify_url=event.verify_url)
    return _print_certificate(snap.model_copy(update={"certificate": issued}), step, effects)


def _on_certificate_refused(item, snap, step: PrintStep, event, effects):
    _check_certificate_key(item, snap, step, event.key)
    message = CERTIFICATE_FAULTS[event.code]
    if event.code == "no_record" and event.reason:
        message = f"{event.reason}，不能出具证明。请到人工窗口咨询办理。"
    effects.append(fx_.Speak(text=message))
    record = PrintRecord(job_id=f"{event.key}-issue", template="certificate", step=step.id, status="failed",
                         code=event.code, reason=message)
    return snap.model_copy(update={"pending": None, "prints": (*snap.prints, record),
                                   "notice": Notice(level="error", code=event.code, message=message)})


def may_retry(snap: Snapshot, step: PrintStep) -> bool:
    last = snap.prints[-1] if snap.prints else None
    return not step.on_a4 or last is None or last.code in CERTIFICATE_RETRY


def _on_print_next(item, snap, step, event, effects):
    return _advance(item, snap, step, event.at, effects, barrier=True)


PRINT_FAULTS = {
    "paper_out": "打印纸用完了，请呼叫工作人员加纸，或选择不打印继续。",
    "cover_open": "打印机盖未关好，请呼叫工作人员，或选择不打印继续。",
}


def _on_print_failed(item, snap, step, event, effects):
    if event.job_id and event.job_id != _current_job(snap):
        raise EventNotAccepted(step.id, accepted_events(item, snap), f"print job '{event.job_id}' is not current")
    if isinstance(step, PrintStep) and step.on_a4:
        code = event.code if event.code in CERTIFICATE_FAULTS else "a4_failed"
        message = event.reason or CERTIFICATE_FAULTS[code]  # the printer's own words (out of paper, jammed)
        last = snap.prints[-1].model_copy(update={"status": "failed", "code": code, "reason": message})
        effects.append(fx_.Speak(text=message))
        return snap.model_copy(update={"pending": None, "prints": (*snap.prints[:-1], last),
                                       "notice": Notice(level="error", code=code, message=message)})
    message = PRINT_FAULTS.get(event.code, "打印没有成功，请点击“重新打印”，或选择不打印继续。")
    notice = Notice(level="error", code=event.code or "print_failed", message=message)
    effects.append(fx_.Speak(text=message))
    return _mark_print(snap, "failed", event.code).model_copy(update={"pending": None, "notice": notice})


def _on_rate(item, snap, step: RateStep, event, effects):
    if event.level in BAD_LEVELS and not event.reason.strip():
        message = "请选择或填写不满意的原因，我们会认真改进。"
        effects.append(fx_.Speak(text=message))
        return snap.model_copy(update={"field_errors": {"reason": message},
                                       "notice": Notice(level="error", code="reason_required", message=message)})
    rating = Rating(level=event.level, reason=event.reason.strip(), at=event.at)
    effects.append(fx_.SubmitRating(
        idempotency_key=f"{snap.session_id}-r{snap.run}-{step.id}", item_code=item.code, level=event.level,
        level_name=RATING_NAMES[event.level], reason=rating.reason, case_no=snap.case_no or snap.provisional_no,
        rated_at=event.at))
    return _advance(item, snap.model_copy(update={"rating": rating}), step, event.at, effects)


# ---- the face check (人证核验) ----

FACE_RETRY, FACE_ALTERNATIVE = "retry", "alternative"
FACE_REASONS = {  # why an attempt did not pass, as the citizen is told (the codes come from kioskd)
    "no_face": "没有看到您的脸",
    "several_faces": "画面中不止一张人脸",
    "not_the_holder": "人脸与身份证照片不一致",
    "no_liveness": "没有在规定时间内完成动作",
    "screen_or_print": "请本人正对摄像头，不要使用照片或屏幕",
    "cancelled": "核验被中断",
}
ALTERNATIVE_WORDS = {"counter": "点击“到窗口办理”取号，由工作人员为您核验",
                     "video": "点击“视频核验”，由工作人员通过视频为您核验"}


def face_outcome(snap: Snapshot) -> dict[str, Any] | None:
    """The face check's outcome as it goes into the application: decision, score, threshold, attempts."""
    face = snap.face
    if face is None or face.outcome is None:
        return None
    return {"method": "face", "outcome": face.outcome, "score": face.score, "threshold": face.threshold,
            "attempts": face.attempts, "reason": face.reason}


def face_options(step: VerifyFaceStep, face: FaceCheckRecord | None) -> list[dict[str, str]]:
    """What the citizen may choose at the face check now: try again (attempts left) and the alternative."""
    if face is None or face.state not in ("retry", "failed", "unavailable", "declined"):
        return []
    options = [{"value": FACE_RETRY, "label": "再试一次"}] if face.state == "retry" else []
    label = "到窗口办理" if step.alternative == "counter" else "视频核验"
    return [*options, {"value": FACE_ALTERNATIVE, "label": label}]


def _face_key(snap: Snapshot, step: Step, attempt: int) -> str:
    return f"{_step_key(snap, step)}-{attempt}"


def _face_attempt(snap: Snapshot, step: VerifyFaceStep, effects: Effects) -> Snapshot:
    assert snap.face is not None
    attempt = snap.face.attempts + 1
    effects.append(fx_.CheckFace(key=_face_key(snap, step, attempt), attempt=attempt, elder_mode=snap.elder_mode))
    face = snap.face.model_copy(update={"state": "checking", "attempts": attempt, "reason": ""})
    return snap.model_copy(update={"face": face, "pending": "face"})


def _face_stops(snap: Snapshot, step: VerifyFaceStep, state: str, message: str, effects: Effects,
                **update: Any) -> Snapshot:
    """The check ends without passing: the frames and photo go, the alternative is offered."""
    assert snap.face is not None
    if state != "retry":
        effects.append(fx_.WipeFace())
    effects.append(fx_.Speak(text=message))
    face = snap.face.model_copy(update={"state": state, **update})
    level = "warning" if state in ("retry", "declined") else "error"
    return snap.model_copy(update={"face": face, "pending": None,
                                   "notice": Notice(level=level, code=f"face_{state}", message=message)})


def _on_face_consent(item, snap, step: VerifyFaceStep, event, effects):
    effects.append(fx_.RecordConsent(
        session_id=snap.session_id, item_code=item.code, consent_id=step.consent_id, version=step.version,
        purpose=step.purpose, accepted=event.accepted, at=event.at))
    record = ConsentRecord(consent_id=step.consent_id, version=step.version, step=step.id,
                           accepted=event.accepted, at=event.at)
    snap = snap.model_copy(update={"consents": (*snap.consents, record)})
    if event.accepted:
        effects.append(fx_.Speak(text="请正对摄像头，把脸放在框内，按提示做动作。"))
        return _face_attempt(snap, step, effects)
    message = f"您没有同意人脸核验，可以{ALTERNATIVE_WORDS[step.alternative]}。"
    return _face_stops(snap, step, "declined", message, effects)


def _on_face_checked(item, snap, step: VerifyFaceStep, event, effects):
    assert snap.face is not None
    if event.key != _face_key(snap, step, snap.face.attempts):
        raise EventNotAccepted(step.id, accepted_events(item, snap), f"face check '{event.key}' is not current")
    found = {"score": event.score, "threshold": event.threshold, "reason": event.reason}
    if event.outcome == "passed":
        effects.append(fx_.WipeFace())
        effects.append(fx_.Speak(text="人脸核验通过。"))
        face = snap.face.model_copy(update={"state": "passed", **found})
        snap = snap.model_copy(update={"face": face, "pending": None})
        # nothing before a passed check can be undone: going back would ask for the face again, without the photo
        return _advance(item, snap, step, event.at, effects, barrier=True)
    if event.outcome == "unavailable":
        message = f"本机暂时不能进行人脸核验，请{ALTERNATIVE_WORDS[step.alternative]}。"
        return _face_stops(snap, step, "unavailable", message, effects, **found)
    why = FACE_REASONS.get(event.reason, "核验没有通过")
    left = step.attempts - snap.face.attempts
    if left > 0:
        message = (f"人脸核验没有通过（{why}）。还可以再试{left}次：请点击“再试一次”，"
                   f"或{ALTERNATIVE_WORDS[step.alternative]}。")
        return _face_stops(snap, step, "retry", message, effects, **found)
    message = f"人脸核验没有通过（{why}），请{ALTERNATIVE_WORDS[step.alternative]}。"
    return _face_stops(snap, step, "failed", message, effects, **found)


def _on_face_choose(item, snap, step: VerifyFaceStep, event, effects):
    valid = [o["value"] for o in face_options(step, snap.face)]
    if event.option not in valid:
        raise EventNotAccepted(step.id, accepted_events(item, snap),
                               f"option '{event.option}' is not offered now (offered: {', '.join(valid)})")
    if event.option == FACE_RETRY:
        return _face_attempt(snap, step, effects)
    if step.alternative == "video":
        return _on_call_helper(item, snap, step, event, effects)
    assert step.on_alternative is not None  # VerifyFaceStep's validator
    if step.counter_service:
        snap = snap.model_copy(update={"form": {**snap.form, "service": step.counter_service}})
    return _advance(item, snap, step, event.at, effects, goto=step.on_alternative)


# ---- which events fit ----

def _kind_events(item: ServiceItem, snap: Snapshot, step: Step) -> list[str]:
    match step.kind:
        case "guide" | "review":
            return ["next"]
        case "consent":
            return ["consent"]
        case "identify":
            accepted = ["card_read", "card_failed"]
            if step.allow_manual:
                accepted.append("manual_id")
            if snap.card is not None:
                accepted.append("next")
            return accepted
        case "form":
            return ["form_submit"]
        case "choose":
            return ["choose"]
        case "capture":
            material = current_material(item, snap, step)
            accepted = []
            if snap.pending == "capture":
                accepted += ["pages_captured", "capture_failed"]
            if material is not None:
                accepted.append("capture_page")
            if any(snap.pages.get(code) or code in snap.skipped for code in step.materials):
                accepted.append("retake")
            if material is None or material.skippable:
                accepted.append("next")
            return accepted
        case "submit":
            if snap.pending == "submit":
                return ["submitted", "submit_failed", "submit_duplicate"]
            return ["next"]
        case "print":
            if snap.pending == "certificate":
                return ["certificate_issued", "certificate_refused"]
            if snap.pending == "print":
                return ["printed", "print_failed"]
            last = snap.prints[-1] if snap.prints else None
            if step.on_a4 and last is not None and last.step == step.id:
                # a4_printing follows each job to its end: nothing comes out later by itself
                return ["next"] if last.status == "printed" else ["choose"]
            if snap.prints and snap.prints[-1].status == "failed":
                return ["choose", "printed"]  # a job that waited for paper may still come out when it is changed
            return ["choose"]
        case "rate":
            return ["rate", "next"]
        case "done":
            return ["finish", "next"]
        case "verify_face":
            state = snap.face.state if snap.face is not None else "consent"
            if state == "consent":
                return ["consent"]
            if snap.pending == "face":
                return ["face_checked"]
            return ["choose"]
        case "sign":
            return ["sign"]
    return []


Handler = Callable[..., Snapshot]
_COMMON: dict[str, Handler] = {
    "back": _on_back, "start_over": _on_start_over, "call_helper": _on_call_helper,
    "cancel_helper": _on_cancel_helper, "still_here": _on_still_here, "device_fault": _on_device_fault,
    "assist_granted": _on_assist_granted, "assist_ended": _on_assist_ended, "helper_input": _on_helper_input,
}
_BY_KIND: dict[str, dict[str, Handler]] = {
    "guide": {"next": _on_next},
    "review": {"next": _on_next},
    "consent": {"consent": _on_consent},
    "identify": {"card_read": _on_card_read, "card_failed": _on_card_failed, "manual_id": _on_manual_id,
                 "next": _on_next},
    "form": {"form_submit": _on_form_submit},
    "choose": {"choose": _on_choose},
    "capture": {"pages_captured": _on_pages_captured, "capture_failed": _on_capture_failed,
                "capture_page": _on_capture_page, "retake": _on_retake, "next": _on_capture_next},
    "submit": {"submitted": _on_submitted, "submit_failed": _on_submit_failed,
               "submit_duplicate": _on_submit_duplicate, "next": _on_submit_retry},
    "print": {"printed": _on_printed, "print_failed": _on_print_failed, "choose": _on_choose,
              "certificate_issued": _on_certificate_issued, "certificate_refused": _on_certificate_refused,
              "next": _on_print_next},
    "rate": {"rate": _on_rate, "next": _on_next},
    "done": {"finish": _on_finish, "next": _on_finish},
    "verify_face": {"consent": _on_face_consent, "face_checked": _on_face_checked, "choose": _on_face_choose},
    "sign": {"sign": _on_sign},
}
