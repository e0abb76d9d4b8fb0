"""What the helper may see of the citizen's current step: titles and masked, non-sensitive values (pure)."""

from __future__ import annotations

from typing import Any

from common.masking import mask_id, mask_name, mask_phone

MAX_VALUE = 60
MAX_FIELDS = 40  # what the hub relays at most


def _masked(field: dict[str, Any]) -> str:
    """A form value as a passer-by may see it: identifiers masked, free text only as filled in or not."""
    value = str(field.get("value") or "").strip()
    if not value:
        return "未填写"
    kind = field.get("type", "text")
    name = str(field.get("name", ""))
    if kind == "id_number":
        return mask_id(value)
    if kind == "phone":
        return mask_phone(value)
    if "name" in name or "姓名" in str(field.get("label", "")):
        return mask_name(value)
    if kind in ("choice", "number"):
        return value[:MAX_VALUE]
    return "已填写"  # dates, addresses and free text can identify a person


HELPER_KINDS = ("guide", "form", "choose")  # flows.model.HELPER_STEP_KINDS: the rest stay with the citizen


def assist_form(session: dict[str, Any]) -> dict[str, Any]:
    """The step as a form for the helper filling in: what they typed in clear, the rest as a passer-by sees it;
    the card's fields shown masked and not settable."""
    step = session.get("step") or {}
    kind = step.get("kind")
    mine = set((session.get("assist") or {}).get("entered") or []) | set(
        (session.get("assist") or {}).get("draft_fields") or [])
    fields = []
    for f in step.get("fields") or [] if kind == "form" else []:
        name = str(f.get("name", ""))
        may_set = bool(f.get("helper_may_set", True))
        value = str(f.get("value") or "") if name in mine and may_set else _masked(f)
        fields.append({"name": name, "label": str(f.get("label") or name)[:MAX_VALUE], "type": f.get("type", "text"),
                       "value": value[:500], "choices": list(f.get("choices") or [])[:MAX_FIELDS],
                       "may_set": may_set, "by_helper": bool(f.get("by_helper")), "error": str(f.get("error") or "")})
    options = [{"value": str(o.get("value")), "label": str(o.get("label") or "")}
               for o in (step.get("options") or [] if kind == "choose" else [])]
    return {"fields": fields[:MAX_FIELDS], "options": options[:MAX_FIELDS], "next": kind in ("guide", "form")}


def step_summary(session: dict[str, Any] | None, *, assist: bool = False) -> dict[str, Any]:
    """``{"id", "kind", "title", "fields": {label: masked value}}`` for the hub's ``state`` message, and
    ``form`` while the helper fills in with the citizen (``assist``) at a step they may enter."""
    if not session:
        return {"id": "home", "kind": "none", "title": "未开始办理", "fields": {}}
    step = session.get("step") or {}
    fields: dict[str, str] = {"事项": str(session.get("item_name", ""))[:MAX_VALUE],
                              "步骤": f"{session.get('step_number', 1)}/{session.get('step_total', 1)}"}
    applicant = session.get("applicant")
    if applicant:
        fields["申请人"] = str(applicant.get("name_masked", ""))  # masked by the session view already
        fields["证件号码"] = str(applicant.get("id_number_masked", ""))
    for field in step.get("fields") or []:
        if step.get("kind") == "rate":
            break  # the rating's reason is the citizen's own words
        label = str(field.get("label") or field.get("name") or "")[:MAX_VALUE]
        fields[label] = _masked(field) + ("（有误）" if field.get("error") else "")
    for material in step.get("materials") or []:
        name = str(material.get("name", ""))[:MAX_VALUE]
        fields[name] = f"已拍 {material.get('captured', 0)}/{material.get('pages', 1)} 页"
    chosen = (step.get("data") or {}).get("chosen") if step.get("kind") == "choose" else None
    if chosen:
        labels = {o.get("value"): o.get("label") for o in step.get("options") or []}
        fields["已选择"] = str(labels.get(chosen, chosen))[:MAX_VALUE]
    notice = session.get("notice")
    if notice and notice.get("message"):
        fields["提示"] = str(notice["message"])[:MAX_VALUE]
    summary = {"id": str(step.get("id") or "unknown")[:64], "kind": str(step.get("kind", ""))[:32],
               "title": str(step.get("title", ""))[:200], "fields": dict(list(fields.items())[:MAX_FIELDS])}
    if assist and (session.get("assist") or {}).get("active") and step.get("kind") in HELPER_KINDS:
        summary["form"] = assist_form(session)
    return summary
