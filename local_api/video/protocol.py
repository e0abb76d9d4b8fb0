"""The hub's video-help signaling messages: parse what the hub sends, build what the kiosk sends (pure)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

MAX_SDP = 64 * 1024
MAX_TEXT = 200
MAX_TARGET = 64
MAX_REASON = 200
HIGHLIGHTS = ("next", "back", "keypad", "camera", "card_reader", "printer")


class BadMessage(ValueError):
    """A signaling message that does not follow the protocol; the text says what was wrong."""


@dataclass(frozen=True)
class HubMessage:
    """One message from the hub, validated: ``type`` plus the fields that type carries."""

    type: str
    waiting_helpers: int = 0
    helper: str = ""
    sdp: str = ""
    text: str = ""
    target: str = ""
    by: str = ""
    reason: str = ""
    detail: str = ""
    helper_id: str = ""  # assist_request: the helper's account, as the hub says
    action: str = ""  # assist_input: set_field | choose | next
    field: str = ""
    value: str = ""
    option: str = ""


def _str(data: dict[str, Any], key: str, limit: int, *, required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise BadMessage(f"{data.get('type')!r} message needs a non-empty string {key!r}")
    if len(value) > limit:
        raise BadMessage(f"{key!r} of {data.get('type')!r} is {len(value)} characters; at most {limit} allowed")
    return value


def parse_hub_message(raw: str | bytes) -> HubMessage:
    """Validate one text frame from the hub (BadMessage when it breaks the protocol)."""
    if isinstance(raw, bytes):
        raise BadMessage("binary frame; the protocol uses JSON text messages")
    if len(raw) > MAX_SDP + 1024:
        raise BadMessage(f"message of {len(raw)} characters is too long")
    try:
        data = json.loads(raw)
    except ValueError:
        raise BadMessage("not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise BadMessage("a message must be a JSON object with a string 'type'")
    kind = data["type"]
    match kind:
        case "ringing":
            n = data.get("waiting_helpers", 0)
            if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                raise BadMessage("'waiting_helpers' must be a whole number of at least 0")
            return HubMessage(kind, waiting_helpers=n)
        case "accepted":
            return HubMessage(kind, helper=_str(data, "helper", 64, required=False))
        case "peer-joined" | "restart" | "unanswered":
            return HubMessage(kind)
        case "answer":
            sdp = _str(data, "sdp", MAX_SDP)
            if not sdp.startswith("v=0"):
                raise BadMessage("'sdp' of the answer is not a session description (must start with v=0)")
            return HubMessage(kind, sdp=sdp)
        case "text":
            return HubMessage(kind, text=_str(data, "text", MAX_TEXT))
        case "highlight":
            return HubMessage(kind, target=_str(data, "target", MAX_TARGET))
        case "hangup":
            by = data.get("by", "hub")
            if by not in ("helper", "hub"):
                raise BadMessage("'by' of a hangup must be 'helper' or 'hub'")
            return HubMessage(kind, by=by, reason=_str(data, "reason", MAX_REASON, required=False))
        case "error":
            return HubMessage(kind, detail=_str(data, "detail", 500, required=False))
        case "assist_request":
            return HubMessage(kind, helper_id=_str(data, "helper_id", 64))
        case "assist_stop":
            return HubMessage(kind)
        case "assist_input":
            action = data.get("action")
            if action not in ("set_field", "choose", "next"):
                raise BadMessage("'action' of assist_input must be set_field, choose or next")
            return HubMessage(kind, action=action, field=_str(data, "field", 64, required=False),
                              value=_str(data, "value", 500, required=False),
                              option=_str(data, "option", 100, required=False))
        case _:
            raise BadMessage(f"unknown message type {kind[:40]!r}")


def offer(sdp: str) -> str:
    if len(sdp) > MAX_SDP:
        raise BadMessage(f"offer of {len(sdp)} characters exceeds the protocol's {MAX_SDP}")
    return json.dumps({"type": "offer", "sdp": sdp})


def state(step: dict[str, Any]) -> str:
    return json.dumps({"type": "state", "step": step}, ensure_ascii=False)


def assist(state: str, reason: str = "") -> str:
    """Where the helper's control (帮办) stands: asked, on, declined or off."""
    return json.dumps({"type": "assist", "state": state, "reason": reason})


def hangup() -> str:
    return json.dumps({"type": "hangup"})
