"""Scripted citizens and devices: the events a happy path needs, for tests and end-to-end checks."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from common.idnumber import check_char
from flows import events as ev
from flows.engine import current_material, start, transition
from flows.model import ServiceItem, Snapshot

_ID17 = "64010419580312123"
SAMPLE_CARD: dict[str, Any] = {
    "card_type": "resident",
    "name": "张建国",
    "sex": "男",
    "nation": "汉",
    "birth_date": "19580312",
    "id_number": _ID17 + check_char(_ID17),
    "address": "宁夏回族自治区银川市兴庆区解放东街100号",
    "issuer": "银川市公安局兴庆区分局",
    "valid_from": "20200101",
    "valid_to": "长期",
    "id_number_valid": True,
}
"""A fictitious resident card record, aged 60+ so elder branches are taken."""

SAMPLE_SIGNATURE = (
    ((120.0, 150.0, 0.4), (180.0, 210.0, 0.7), (240.0, 120.0, 0.9), (300.0, 200.0, 0.6)),
    ((330.0, 90.0, 0.5), (380.0, 230.0, 0.8), (440.0, 160.0, 0.7), (520.0, 180.0, 0.5)),
)
"""A two-stroke scrawl on an 800x300 pad, with pressure: enough ink to count as a signature."""

_FIELD_DEFAULTS = {"text": "测试", "phone": "13800000000", "date": "2025-03-01",
                   "address": "宁夏回族自治区银川市金凤区正源北街1号"}


def form_values(item: ServiceItem, step_id: str, card: dict[str, Any], answers: dict[str, str]) -> dict[str, str]:
    """Values a cooperative citizen types into a form step (answers override the defaults)."""
    step = item.step(step_id)
    values = {}
    for field in step.fields:
        if field.name in answers:
            values[field.name] = answers[field.name]
        elif field.prefill and card.get(field.prefill):
            values[field.name] = str(card[field.prefill])
        elif field.type == "choice":
            values[field.name] = field.choices[0]
        elif field.type == "id_number":
            values[field.name] = str(card.get("id_number", ""))
        elif field.type == "number":
            values[field.name] = f"{field.min:g}" if field.min is not None else "1"
        else:
            values[field.name] = _FIELD_DEFAULTS.get(field.type, "测试")
    return values


def happy_event(item: ServiceItem, snap: Snapshot, at: datetime, *, card: dict[str, Any] | None = None,
                answers: dict[str, str] | None = None) -> Any:
    """The next event of a smooth session: the citizen cooperates and every device works."""
    card = card or SAMPLE_CARD
    answers = answers or {}
    step = item.step(snap.step)
    match step.kind:
        case "guide" | "review":
            return ev.NextPressed(at=at)
        case "consent":
            return ev.ConsentAnswered(at=at, accepted=True)
        case "identify":
            return ev.CardRead(at=at, record=card)
        case "form":
            return ev.FormSubmitted(at=at, values=form_values(item, step.id, card, answers))
        case "choose":
            return ev.OptionChosen(at=at, option=answers.get(step.answer, step.options[0].value))
        case "capture":
            material = current_material(item, snap, step)
            if material is None:
                return ev.NextPressed(at=at)
            if snap.pending != "capture":
                return ev.PageRequested(at=at)
            have = len(snap.pages.get(material.code, ()))
            refs = [f"{snap.session_id}/{material.code}-{n}.png" for n in range(have + 1, material.pages + 1)]
            return ev.PagesCaptured(at=at, material=material.code, refs=refs)
        case "submit":
            if step.purpose in ("queue_ticket", "appointment_checkin"):
                return ev.Submitted(at=at, case_no="A023", result={"ticket_no": "A023", "waiting": 4})
            if step.purpose == "query":
                return ev.Submitted(at=at, result={"状态": "正常", "查询时间": at.date().isoformat()})
            return ev.Submitted(at=at, case_no=f"640104{at:%Y%m%d}0001")
        case "print":
            if snap.pending == "certificate":
                key = f"{snap.session_id}-r{snap.run}-e{snap.entry}-{step.id}"
                return ev.CertificateIssued(at=at, key=key, code="VJAJ-H05X-AQVH-V4A5", title=step.title)
            if snap.pending != "print":
                return ev.NextPressed(at=at)  # a certificate is out: the citizen takes it and goes on
            return ev.Printed(at=at, job_id=snap.prints[-1].job_id)
        case "rate":
            return ev.Rated(at=at, level=5)
        case "done":
            return ev.FinishPressed(at=at)
        case "verify_face":
            if snap.pending != "face":
                return ev.ConsentAnswered(at=at, accepted=True)
            key = f"{snap.session_id}-r{snap.run}-e{snap.entry}-{step.id}-{snap.face.attempts if snap.face else 1}"
            return ev.FaceChecked(at=at, key=key, outcome="passed", score=0.63, threshold=0.48)
        case "sign":
            return ev.Signed(at=at, width=800, height=300, strokes=SAMPLE_SIGNATURE)
    raise ValueError(f"no scripted event for step kind '{step.kind}'")


def walk(item: ServiceItem, *, session_id: str = "walk-1", start_at: datetime, step_s: float = 5.0,
         card: dict[str, Any] | None = None, answers: dict[str, str] | None = None, elder_mode: bool = False,
         limit: int = 200) -> list[tuple[Any, Snapshot, list[Any]]]:
    """Run a happy path to the end: [(event or None for the start, snapshot after, effects)]."""
    snap, effects = start(item, session_id=session_id, at=start_at, elder_mode=elder_mode)
    trail: list[tuple[Any, Snapshot, list[Any]]] = [(None, snap, effects)]
    at = start_at
    while snap.status == "active":
        if len(trail) > limit:
            raise RuntimeError(f"{item.code}: no end after {limit} events; stuck at step '{snap.step}'")
        at += timedelta(seconds=step_s)
        event = happy_event(item, snap, at, card=card, answers=answers)
        snap, effects = transition(item, snap, event)
        trail.append((event, snap, effects))
    return trail


def happy_path_events(item: ServiceItem, *, start_at: datetime, **kwargs: Any) -> list[Any]:
    """Just the events of ``walk``: replay them after ``start`` to reach the end."""
    return [event for event, _, _ in walk(item, start_at=start_at, **kwargs)[1:]]


def client_action(event: Any) -> tuple[str, dict[str, Any]] | None:
    """An event as the wire's ``EventIn`` (type, data), or None for a device event kioskd produces itself."""
    if event.type not in ev.CLIENT_EVENT_TYPES:
        return None
    return event.type, event.model_dump(mode="json", exclude={"type", "at"})
