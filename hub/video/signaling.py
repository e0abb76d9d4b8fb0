"""Signaling messages: parse and check what each side may send; what is relayed carries only known keys."""

from __future__ import annotations

import json
import re
from typing import Any

MAX_SDP_BYTES = 64 * 1024
MAX_FRAME_BYTES = MAX_SDP_BYTES + 4096
MAX_TEXT_CHARS = 200
MAX_FIELDS = 40
HIGHLIGHTS = ("next", "back", "keypad", "camera", "card_reader", "printer")
_FIELD_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")

KIOSK_SENDS = ("offer", "state", "hangup", "assist")
HELPER_SENDS = ("answer", "text", "highlight", "restart", "hangup", "assist_request", "assist_stop", "assist_input")
# 帮办: the kiosk tells where the helper's control stands; the helper asks for it, stops, and enters
ASSIST_STATES = ("asked", "on", "declined", "off")
ASSIST_ACTIONS = ("set_field", "choose", "next")
MAX_ASSIST_VALUE = 500


class SignalError(ValueError):
    """A message that cannot be relayed; the text says what was wrong (sent back as ``error``)."""


def parse(raw: str | bytes, sender: str) -> dict[str, Any]:
    """The checked message from ``sender`` ("kiosk" or "helper"), reduced to the keys the protocol names."""
    if isinstance(raw, bytes):
        raise SignalError("send JSON text messages, not binary frames")
    if len(raw.encode()) > MAX_FRAME_BYTES:
        raise SignalError(f"message over {MAX_FRAME_BYTES} bytes; an sdp may be at most {MAX_SDP_BYTES} bytes")
    try:
        msg = json.loads(raw)
    except ValueError:
        raise SignalError('not JSON; send one JSON object per message, e.g. {"type": "hangup"}') from None
    if not isinstance(msg, dict):
        raise SignalError("send a JSON object with a 'type'")
    allowed = KIOSK_SENDS if sender == "kiosk" else HELPER_SENDS
    kind = msg.get("type")
    if not isinstance(kind, str) or kind not in allowed:
        shown = f" {kind!r}" if isinstance(kind, str) and len(kind) <= 40 else ""
        raise SignalError(f"unknown message type{shown}; the {sender} may send: {', '.join(allowed)}")
    if kind in ("offer", "answer"):
        return {"type": kind, "sdp": _sdp(msg)}
    if kind == "state":
        return {"type": "state", "step": _step(msg.get("step"))}
    if kind == "text":
        return {"type": "text", "text": _text(msg.get("text"))}
    if kind == "highlight":
        return {"type": "highlight", "target": _target(msg.get("target"))}
    if kind == "assist":
        state = msg.get("state")
        if state not in ASSIST_STATES:
            raise SignalError(f"'assist' needs 'state': one of {', '.join(ASSIST_STATES)}")
        return {"type": "assist", "state": state, "reason": _short(msg.get("reason"), "reason", 100)}
    if kind == "assist_input":
        return _assist_input(msg)
    return {"type": kind}


def _assist_input(msg: dict[str, Any]) -> dict[str, Any]:
    """One entry of the helper while filling in: a field's new text, an option, or 下一步."""
    action = msg.get("action")
    if action not in ASSIST_ACTIONS:
        raise SignalError(f"'assist_input' needs 'action': one of {', '.join(ASSIST_ACTIONS)}")
    field = msg.get("field") or ""
    if action == "set_field" and (not isinstance(field, str) or not _FIELD_ID.match(field)):
        raise SignalError("'assist_input' set_field needs 'field': the field's name (letters, digits, _ . -)")
    value = msg.get("value") or ""
    if not isinstance(value, str) or len(value) > MAX_ASSIST_VALUE:
        raise SignalError(f"'assist_input' 'value' must be text of at most {MAX_ASSIST_VALUE} characters")
    option = msg.get("option") or ""
    if not isinstance(option, str) or len(option) > 100 or (action == "choose" and not option):
        raise SignalError("'assist_input' choose needs 'option': the option's value (at most 100 characters)")
    return {"type": "assist_input", "action": action, "field": field if action == "set_field" else "",
            "value": _CONTROL.sub("", value) if action == "set_field" else "", "option": option}


def _sdp(msg: dict[str, Any]) -> str:
    sdp = msg.get("sdp")
    if not isinstance(sdp, str) or not sdp.strip():
        raise SignalError(f"'{msg['type']}' needs 'sdp': the complete session description as text")
    if len(sdp.encode()) > MAX_SDP_BYTES:
        raise SignalError(f"'sdp' is over {MAX_SDP_BYTES} bytes")
    if not sdp.startswith("v=0"):
        raise SignalError("'sdp' must be a complete session description starting with v=0")
    return sdp


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise SignalError(f"'text' needs 'text': a message of 1-{MAX_TEXT_CHARS} characters")
    text = _CONTROL.sub("", value).strip()
    if not text:
        raise SignalError("'text' is empty; type a short message")
    if len(text) > MAX_TEXT_CHARS:
        raise SignalError(f"'text' is {len(text)} characters; at most {MAX_TEXT_CHARS}")
    return text


def _target(value: Any) -> str:
    if not isinstance(value, str) or not _FIELD_ID.match(value):
        raise SignalError(f"'target' must be one of {', '.join(HIGHLIGHTS)} or a field id (letters, digits, _ . -)")
    return value


def _short(value: Any, name: str, limit: int, required: bool = False) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise SignalError(f"'step.{name}' must be text" + (" and is required" if required else ""))
    if len(value) > limit:
        raise SignalError(f"'step.{name}' is over {limit} characters")
    return _CONTROL.sub("", value)


def _step(step: Any) -> dict[str, Any]:
    if not isinstance(step, dict):
        raise SignalError('\'state\' needs \'step\': {"id", "kind", "title", "fields": {label: masked value}}')
    fields = step.get("fields") or {}
    if not isinstance(fields, dict):
        raise SignalError("'step.fields' must be an object of label: value")
    if len(fields) > MAX_FIELDS:
        raise SignalError(f"'step.fields' has {len(fields)} entries; at most {MAX_FIELDS}")
    checked: dict[str, str] = {}
    for label, value in fields.items():
        if len(label) > 60:
            raise SignalError("a label in 'step.fields' is over 60 characters")
        if isinstance(value, dict | list):
            raise SignalError(f"'step.fields.{label}' must be text or a number, not {type(value).__name__}")
        shown = "" if value is None else str(value)
        if len(shown) > 200:
            raise SignalError(f"'step.fields.{label}' is over 200 characters")
        checked[_CONTROL.sub("", label)] = _CONTROL.sub("", shown)
    checked_step = {
        "id": _short(step.get("id"), "id", 64, required=True),
        "kind": _short(step.get("kind"), "kind", 32),
        "title": _short(step.get("title"), "title", 200),
        "fields": checked,
    }
    if step.get("form") is not None:
        checked_step["form"] = _form(step["form"])
    return checked_step


def _form(form: Any) -> dict[str, Any]:
    """The step as a form for a helper filling in (帮办): the fields they may set, options, whether 下一步 fits."""
    if not isinstance(form, dict) or not isinstance(form.get("fields", []), list) \
            or not isinstance(form.get("options", []), list):
        raise SignalError("'step.form' must be {\"fields\": [...], \"options\": [...], \"next\": bool}")
    fields, options = form.get("fields") or [], form.get("options") or []
    if len(fields) > MAX_FIELDS or len(options) > MAX_FIELDS:
        raise SignalError(f"'step.form' has more than {MAX_FIELDS} fields or options")
    out_fields = []
    for f in fields:
        if not isinstance(f, dict) or not isinstance(f.get("name"), str) or not _FIELD_ID.match(f["name"]):
            raise SignalError("each of 'step.form.fields' needs a 'name' (letters, digits, _ . -)")
        choices = f.get("choices") or []
        if not isinstance(choices, list) or len(choices) > MAX_FIELDS:
            raise SignalError(f"'step.form.fields.{f['name']}.choices' must be a list of at most {MAX_FIELDS}")
        out_fields.append({
            "name": f["name"], "label": _short(f.get("label"), "form.label", 60),
            "type": _short(f.get("type"), "form.type", 16), "value": _short(f.get("value"), "form.value", 500),
            "choices": [_short(c, "form.choice", 60) for c in choices], "may_set": f.get("may_set") is True,
            "by_helper": f.get("by_helper") is True, "error": _short(f.get("error"), "form.error", 200)})
    out_options = []
    for o in options:
        if not isinstance(o, dict):
            raise SignalError("each of 'step.form.options' must be {\"value\", \"label\"}")
        out_options.append({"value": _short(o.get("value"), "form.option", 100, required=True),
                            "label": _short(o.get("label"), "form.option_label", 100)})
    return {"fields": out_fields, "options": out_options, "next": form.get("next") is True}
