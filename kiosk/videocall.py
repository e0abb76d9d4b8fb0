"""The video call's decisions, free of Kivy: what the call panel shows, callback numbers, what a
helper's highlight points at, and the shared screen's JPEG frames. Tested without a window.
"""

from __future__ import annotations

import io
import re

from local_api.schemas import CallView

# Call states in which media flows or may flow again soon; the panel stays up and polls.
LIVE_STATES = ("ringing", "connecting", "connected", "reconnecting")
OVER_STATES = ("ended", "failed")
HIGHLIGHT_DEVICES = ("card_reader", "printer", "camera")
# What a helper's "next"/"back" points at on each screen (the step's own buttons).
NEXT_KIDS = ("form.submit", "consent.agree", "done.finish")
BACK_KIDS = ("form.manual_back",)
MOBILE = re.compile(r"1[3-9]\d{9}")


def panel_mode(view: CallView | None) -> str:
    """Which face of the call panel shows this call: hidden, ringing, live, unanswered or over."""
    if view is None:
        return "hidden"
    if view.state in ("ringing", "connecting"):
        return "ringing"
    if view.state in ("connected", "reconnecting"):
        return "live"
    if view.state == "unanswered":
        return "unanswered"
    return "over"


def phone_error(phone: str) -> str | None:
    """The catalogue key saying what is wrong with a callback number (None: a mainland mobile)."""
    if not phone:
        return "call.phone_empty"
    if len(phone) != 11:
        return "call.phone_length"
    if not MOBILE.fullmatch(phone):
        return "call.phone_prefix"
    return None



def highlight_matches(target: str, kid: str) -> bool:
    """Whether a widget id is what a helper's highlight target names on the current screen.

    ``next``/``back`` are every step's forward/backward buttons; any other target that is not a
    device names a form field (``phone`` → ``form.field.phone``).
    """
    if not target or not kid:
        return False
    if target == "next":
        return (kid.endswith(".next") or kid in NEXT_KIDS) and not kid.startswith("form.field.")
    if target == "back":
        return (kid.endswith(".back") or kid in BACK_KIDS) and not kid.startswith("form.field.")
    if target == "keypad" or target in HIGHLIGHT_DEVICES:
        return False  # matched by widget kind, not by id
    return kid == f"form.field.{target}"


def consent_changes(sending: dict[str, bool], screen: bool) -> dict[str, bool]:
    """The consent body that turns screen sharing on or off and keeps everything else as sent."""
    return {"camera": bool(sending.get("camera", True)), "screen": screen,
            "document": bool(sending.get("document", False))}


def encode_screen(rgb: bytes, width: int, height: int, max_side: int = 960, quality: int = 70) -> bytes:
    """A JPEG of the window as read back from GL (RGB, bottom row first), at most ``max_side`` px."""
    from PIL import Image

    image = Image.frombytes("RGB", (width, height), rgb)
    longest = max(width, height)
    if longest > max_side:
        factor = -(-longest // max_side)  # a box-filter reduce by a whole factor is cheap
        image = image.reduce(factor)
    image = image.transpose(Image.Transpose.FLIP_TOP_BOTTOM)  # after the reduce: fewer rows to move
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()
