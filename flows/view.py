"""A pure projection of a session for the UI; the dict validates as ``local_api.schemas.SessionSnapshot``."""

from __future__ import annotations

from typing import Any

from common.masking import mask_id, mask_name
from flows.engine import (
    BAD_LEVELS,
    PRINT_RETRY,
    PRINT_SKIP,
    RATING_NAMES,
    EventNotAccepted,
    accepted_client_events,
    current_material,
    face_options,
    idle_timeout_s,
    may_retry,
    render,
    signed_text,
)
from flows.fields import on_screen
from flows.model import PrintStep, ServiceItem, Snapshot, Step
from flows.signature import text_sha256

_KEYPADS = {"phone": "digits", "number": "digits", "date": "digits", "id_number": "id"}


def session_view(item: ServiceItem, snapshot: Snapshot) -> dict[str, Any]:
    """What the UI renders now: the step, the masked applicant, the notice and the idle deadline."""
    step = item.step(snapshot.step)
    card = snapshot.card
    applicant = None
    if card:
        applicant = {"name_masked": mask_name(card.get("name")), "id_number_masked": mask_id(card.get("id_number")),
                     "card_type": str(card.get("card_type") or ""), "age": snapshot.age}
    notice = snapshot.notice.model_dump() if snapshot.notice else None
    return {
        "id": snapshot.session_id,
        "item_code": item.code,
        "item_name": item.name,
        "item_names": {lang: words.name for lang, words in item.translations.items() if words.name},
        "status": snapshot.status,
        "step": step_view(item, snapshot, step),
        "step_number": item.index(step.id) + 1,
        "step_total": len(item.steps),
        "step_kinds": [s.kind for s in item.steps],
        "applicant": applicant,
        "case_no": snapshot.case_no,
        "provisional_no": snapshot.provisional_no,
        "helper_requested": snapshot.helper_requested,
        "assist": assist_view(snapshot),
        "notice": notice,
        "idle_deadline": snapshot.idle_deadline,
        "updated_at": snapshot.updated_at,
    }


def assist_view(snap: Snapshot) -> dict[str, Any] | None:
    """Whether a helper fills in with the citizen now, and what they entered (names only)."""
    if snap.assist is None:
        return None
    return {"active": snap.assist.active, "mode": snap.assist.mode, "entered": list(snap.assist.entered),
            "draft_fields": sorted(snap.assist.draft)}


def rejection_view(exc: EventNotAccepted) -> dict[str, Any]:
    """A 409 body shaped like ``local_api.schemas.EventRejected``: what was wrong and what fits now."""
    return {"detail": exc.detail, "step": exc.step_id, "expected": exc.expected_client}


def _step_texts(item: ServiceItem, snap: Snapshot, step: Step) -> dict[str, dict[str, Any]]:
    """The step's title, prompt, notice and option labels in each language the item is translated into."""
    texts = {}
    for language, words in item.translations.items():
        text = words.steps.get(step.id)
        if text is not None:
            texts[language] = {"title": text.title, "prompt": render(text.prompt, item, snap),
                               "body": render(text.body, item, snap), "options": dict(text.options)}
    return texts


def step_view(item: ServiceItem, snap: Snapshot, step: Step) -> dict[str, Any]:
    """The current step as the wire's ``StepView``."""
    view: dict[str, Any] = {
        "id": step.id, "kind": step.kind, "title": step.title, "prompt": render(step.prompt, item, snap),
        "body": render(step.body, item, snap), "idle_timeout_s": idle_timeout_s(step, snap.elder_mode),
        "fields": [], "materials": [], "options": [], "data": {},
        "accepts": accepted_client_events(item, snap) if snap.status == "active" else [],
        "i18n": _step_texts(item, snap, step),
    }
    match step.kind:
        case "guide":
            view["data"] = guide_data(item)
        case "consent":
            view["data"] = {"consent_id": step.consent_id, "version": step.version, "purpose": step.purpose}
        case "identify":
            view["data"] = {"allow_manual": step.allow_manual, "card_types": list(step.card_types),
                            "reading": snap.pending == "card"}
        case "form":
            view["fields"] = []
            draft = snap.assist.draft if snap.assist else {}
            entered = snap.assist.entered if snap.assist else ()
            for f in step.fields:
                shown, masked = on_screen(f, draft.get(f.name, snap.form.get(f.name, "")), snap.card)
                view["fields"].append(
                    {"name": f.name, "label": f.label, "type": f.type, "required": f.required, "value": shown,
                     "masked": masked, "choices": list(f.choices), "error": snap.field_errors.get(f.name, ""),
                     "keypad": _KEYPADS.get(f.type, "text"), "by_helper": f.name in entered,
                     "helper_may_set": not (f.prefill or f.type == "id_number")})
        case "choose":
            chosen = snap.form.get(step.answer, "")
            view["options"] = [{"value": o.value, "label": o.label, "note": o.note} for o in step.options]
            view["data"] = {"chosen": chosen}
        case "capture":
            current = current_material(item, snap, step)
            view["materials"] = [_material_view(item, snap, code) for code in step.materials]
            view["data"] = {"current": current.code if current else "", "capturing": snap.pending == "capture",
                            "can_skip": bool(current and current.skippable)}
        case "review":
            view["data"] = _review_data(item, snap)
        case "submit":
            duplicate = snap.notice is not None and snap.notice.code == "duplicate"
            state = "sending" if snap.pending == "submit" else ("duplicate" if duplicate else "failed")
            view["data"] = {"state": state, "purpose": step.purpose}
        case "print":
            view["data"], view["options"] = _print_data(item, snap, step)
        case "rate":
            view["options"] = [{"value": str(level), "label": RATING_NAMES[level]} for level in (5, 4, 3, 2, 1)]
            view["fields"] = [{"name": "reason", "label": "不满意的原因", "type": "text", "required": False,
                               "error": snap.field_errors.get("reason", ""), "choices": list(step.bad_reasons)}]
            view["data"] = {"reason_required_levels": list(BAD_LEVELS), "bad_reasons": list(step.bad_reasons)}
        case "verify_face":
            face = snap.face
            view["options"] = face_options(step, face)
            view["data"] = {"consent_id": step.consent_id, "version": step.version, "purpose": step.purpose,
                            "state": face.state if face else "consent", "attempt": face.attempts if face else 0,
                            "attempts": step.attempts, "alternative": step.alternative}
        case "sign":
            text = signed_text(item, snap, step)
            view["data"] = {"document": step.document, "text": text, "text_sha256": text_sha256(text),
                            "signed": any(s.step == step.id for s in snap.signatures),
                            "error": snap.field_errors.get("signature", "")}
        case "done":
            view["data"] = {"case_no": snap.case_no, "provisional_no": snap.provisional_no,
                            "promised_limit": str(item.promised_limit or ""), "consult_phone": item.consult_phone,
                            "result": dict(snap.result)}
    return view


def _print_data(item: ServiceItem, snap: Snapshot, step: PrintStep) -> tuple[dict[str, Any], list[dict[str, str]]]:
    last = snap.prints[-1] if snap.prints else None
    if snap.pending == "certificate":
        state = "issuing"
    elif snap.pending == "print":
        state = "printing"
    else:
        state = last.status if last else "printing"
    retry = may_retry(snap, step)
    data: dict[str, Any] = {"document": step.document, "template": step.template, "state": state,
                            "code": last.code if last else "", "may_retry": retry}
    if step.on_a4:
        cert = snap.certificate
        data.update(message=last.reason if last and state == "failed" else "",
                    certificate_title=cert.title if cert else "", verification_code=cert.code if cert else "")
    options = []
    if state == "failed":
        if retry:
            options.append({"value": PRINT_RETRY, "label": "重新打印"})
        options.append({"value": PRINT_SKIP, "label": "不打印，继续" if retry or not step.on_a4 else "结束打印"})
    return data, options


def _material_view(item: ServiceItem, snap: Snapshot, code: str) -> dict[str, Any]:
    material = item.material(code)
    notes = [n for n in (snap.skipped.get(code, ""), material.note) if n]
    if material.e_licence and code not in snap.pages:
        notes.append(f"可调取电子证照：{material.e_licence}")
    return {"code": code, "name": material.name, "pages": material.pages,
            "required": material.required and not material.deferrable,
            "captured": len(snap.pages.get(code, ())), "note": "；".join(notes)}


def guide_data(item: ServiceItem) -> dict[str, Any]:
    """办事指南: the national elements a citizen reads before starting."""
    return {
        "item_type": item.item_type,
        "department": item.department,
        "conditions": list(item.conditions),
        "materials": [{"name": m.name, "originals": m.originals, "copies": m.copies, "required": m.required,
                       "deferrable": m.deferrable, "e_licence": m.e_licence or ""} for m in item.materials],
        "case_type": item.case_type,
        "legal_limit": str(item.legal_limit) if item.legal_limit else "",
        "promised_limit": str(item.promised_limit) if item.promised_limit else "",
        "fees": [{"name": f.name, "amount_yuan": str(f.amount_yuan)} for f in item.fees] or "不收费",
        "result": item.result.name if item.result else "",
        "consult_phone": item.consult_phone,
        "complaint_phone": item.complaint_phone,
        "kiosk_complete": item.kiosk_complete,
        "visits_needed": item.visits_needed,
    }


def _review_data(item: ServiceItem, snap: Snapshot) -> dict[str, Any]:
    labels: dict[str, str] = {}
    fields: dict[str, Any] = {}
    option_labels: dict[str, dict[str, str]] = {}
    for step in item.steps:
        if step.kind == "form":
            labels.update({f.name: f.label for f in step.fields})
            fields.update({f.name: f for f in step.fields})
        elif step.kind == "choose":
            labels[step.answer] = step.title
            option_labels[step.answer] = {o.value: o.label for o in step.options}
    answers = [{"label": labels.get(name, name),
                "value": on_screen(fields[name], value, snap.card)[0] if name in fields
                else option_labels.get(name, {}).get(value, value)}
               for name, value in snap.form.items()]
    materials = [{"name": item.material(code).name, "captured": len(refs)} for code, refs in snap.pages.items()]
    skipped = [{"name": item.material(code).name, "reason": why} for code, why in snap.skipped.items()]
    return {"answers": answers, "materials": materials, "skipped": skipped, "result": dict(snap.result),
            "signed": [s.document for s in snap.signatures]}
