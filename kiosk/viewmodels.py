"""The UI's decisions, free of Kivy: which screen a snapshot shows, idle warnings, keypads,
the technician gesture and PIN, the service list. Tested without a window.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from local_api.schemas import (
    PAIRING_ALPHABET,
    PAIRING_LENGTH,
    FieldView,
    HubHealth,
    ServiceItemSummary,
    SessionSnapshot,
)

STEP_SCREENS = ("guide", "consent", "identify", "form", "choose", "capture", "review", "submit", "print",
                "rate", "done", "verify_face", "sign")
# Screens that are not a step kind.
OTHER_SCREENS = ("home", "fault", "refused", "offline", "pin", "maintenance")
DEVICE_KINDS = ("printer", "camera", "id_reader", "voice")


PRINTER_FAULTS = ("paper_out", "cover_open", "print_failed")


def is_device_fault(code: str) -> bool:
    """Whether a notice code is a device fault (``device_fault:printer``, ``paper_out``,
    ``printer.paper_out``) rather than a correction the citizen makes on the step itself."""
    return (code.startswith("device_fault") or code in PRINTER_FAULTS
            or code.partition(".")[0] in DEVICE_KINDS)


def screen_for(snapshot: SessionSnapshot | None) -> str:
    """The screen that shows this snapshot: a calm fault screen wins over the step."""
    if snapshot is None or snapshot.status != "active":
        return "home"
    notice = snapshot.notice
    if notice is not None and notice.level == "error" and is_device_fault(notice.code):
        return "fault"
    return snapshot.step.kind if snapshot.step.kind in STEP_SCREENS else "guide"


def fault_key(code: str) -> str:
    """The catalogue key naming a fault, from a notice code (``paper_out``, ``device_fault:camera``)."""
    if code in ("paper_out", "printer.paper_out"):
        return "fault.printer_paper_out"
    if code in PRINTER_FAULTS:
        return "fault.printer"
    device = code.removeprefix("device_fault:").partition(".")[0]
    if device in DEVICE_KINDS and device != "voice":
        return f"fault.{device}"
    return "fault.generic"


def group_items(items: Iterable[ServiceItemSummary], other: str = "其他") -> list[tuple[str, list]]:
    """Service items grouped by theme, themes and items in the order kioskd lists them."""
    groups: dict[str, list[ServiceItemSummary]] = {}
    for item in items:
        groups.setdefault(item.theme or other, []).append(item)
    return list(groups.items())


def share_width(needs: list[float], available: float) -> list[float]:
    """Widths for a row of buttons: equal shares, except that a button whose widest word needs more
    gets that much and the others share what is left (never less than their own need)."""
    widths: list[float | None] = [None] * len(needs)
    remaining, left = available, len(needs)
    for i in sorted(range(len(needs)), key=lambda k: needs[k], reverse=True):
        if left and needs[i] > remaining / left:
            widths[i] = needs[i]
            remaining -= needs[i]
            left -= 1
    share = max(0.0, remaining) / left if left else 0.0
    return [w if w is not None else share for w in widths]


@dataclass
class IdleWatch:
    """When to warn the citizen that the session is about to be abandoned."""

    warn_s: float = 20.0

    def remaining(self, deadline: datetime | None, now: datetime | None = None) -> float | None:
        if deadline is None:
            return None
        now = now or datetime.now(UTC)
        if deadline.tzinfo is None:
            deadline = deadline.replace(tzinfo=UTC)
        return (deadline - now).total_seconds()

    def state(self, deadline: datetime | None, now: datetime | None = None) -> tuple[str, int]:
        """``("ok"|"warn"|"expired", whole seconds left)``."""
        left = self.remaining(deadline, now)
        if left is None:
            return "ok", 0
        if left <= 0:
            return "expired", 0
        if left <= self.warn_s:
            return "warn", int(left + 0.999)
        return "ok", int(left)


KEYPADS = {
    "digits": "0123456789",
    "id": "0123456789X",
    "code": PAIRING_ALPHABET,  # a pairing code: no look-alikes, so no key for 0, 1, I, L or O
    "url": "0123456789abcdefghijklmnopqrstuvwxyz.:/-",
}


@dataclass
class KeypadBuffer:
    """What a field's on-screen keypad has typed so far, limited to what the field accepts."""

    keypad: str = "digits"
    text: str = ""
    max_len: int = 32

    @classmethod
    def for_field(cls, view: FieldView) -> KeypadBuffer:
        limits = {"phone": 11, "id_number": 18, "date": 8, "number": 12}
        # A masked value (张*, from the card) is never edited: typing starts afresh.
        return cls(keypad=view.keypad, text="" if view.masked else view.value, max_len=limits.get(view.type, 40))

    def press(self, key: str) -> bool:
        """Apply one key; False when the key is not allowed here (nothing changes)."""
        if key == "DEL":
            self.text = self.text[:-1]
            return True
        if key == "CLR":
            self.text = ""
            return True
        if len(self.text) + len(key) > self.max_len:
            return False
        allowed = KEYPADS.get(self.keypad)
        if allowed is not None:
            if len(key) != 1 or key not in allowed:
                return False
            # An ID number's check character X only ever comes last.
            if self.keypad == "id" and key == "X" and len(self.text) != 17:
                return False
        self.text += key
        return True


@dataclass
class TechGesture:
    """The hidden technician gesture: top-left, top-right, top-left, top-right corners within 4 s."""

    pattern: tuple[str, ...] = ("tl", "tr", "tl", "tr")
    window_s: float = 4.0
    corner: float = 0.12
    _taps: list[tuple[str, float]] = field(default_factory=list)

    def zone(self, x: float, y: float) -> str | None:
        """Corner name of a tap at fractions of the window (y from the top)."""
        if y > self.corner:
            return None
        if x < self.corner:
            return "tl"
        if x > 1 - self.corner:
            return "tr"
        return None

    def tap(self, x: float, y: float, t: float) -> bool:
        """Record a tap; True when it completes the gesture."""
        zone = self.zone(x, y)
        if zone is None:
            self._taps.clear()
            return False
        self._taps = [(z, s) for z, s in self._taps if t - s <= self.window_s]
        self._taps.append((zone, t))
        names = tuple(z for z, _ in self._taps)[-len(self.pattern) :]
        if names == self.pattern:
            self._taps.clear()
            return True
        return False


@dataclass
class PinGate:
    """Checks the technician PIN, locking out for a while after repeated mistakes."""

    pin: str
    max_attempts: int = 3
    lockout_s: float = 60.0
    _failures: int = 0
    _locked_until: float = 0.0

    @property
    def enabled(self) -> bool:
        return bool(self.pin)

    def locked_for(self, now: float) -> float:
        return max(0.0, self._locked_until - now)

    def check(self, attempt: str, now: float) -> str:
        """``"ok"``, ``"wrong"``, ``"locked"`` or ``"disabled"``."""
        if not self.enabled:
            return "disabled"
        if self.locked_for(now) > 0:
            return "locked"
        if hmac.compare_digest(attempt.encode(), self.pin.encode()):
            self._failures = 0
            return "ok"
        self._failures += 1
        if self._failures >= self.max_attempts:
            self._failures = 0
            self._locked_until = now + self.lockout_s
            return "locked"
        return "wrong"


CAPTURE_HINTS = ("empty", "move_closer", "remove_hand", "hold_still", "ready", "captured")
_STATE_HINTS = {"searching": "empty", "steady": "hold_still", "captured": "captured"}


def capture_state(data: dict) -> str:
    """What the citizen should do at the camera: one of ``CAPTURE_HINTS``.

    Reads the camera's preview state (``hint``) or a capture step's ``auto_state``.
    """
    hint = str(data.get("hint") or _STATE_HINTS.get(str(data.get("auto_state") or data.get("auto_capture")), ""))
    return hint if hint in CAPTURE_HINTS else "empty"


def page_quad(data: dict) -> list[tuple[float, float]] | None:
    """The detected page outline as four (x, y) fractions of the frame, y from the top.

    Pixel corners are scaled by the preview's ``width``/``height`` when those are given.
    """
    quad = data.get("page_quad") or data.get("quad")
    try:
        points = [(float(x), float(y)) for x, y in quad]  # type: ignore[union-attr]
        width, height = float(data.get("width") or 1), float(data.get("height") or 1)
    except (TypeError, ValueError):
        return None
    if len(points) != 4 or width <= 0 or height <= 0:
        return None
    return [(x / width, y / height) for x, y in points]


def health_of(status: dict) -> str:
    """A device's health word from its status dict: online, offline, error or unknown."""
    health = str(status.get("health", "unknown"))
    return health if health in ("online", "offline", "error") else "unknown"


class PinyinIndex:
    """Pinyin to characters for the on-screen text keypad (the 3,755 GB2312 level-1 hanzi)."""

    def __init__(self) -> None:
        from pypinyin import Style, lazy_pinyin

        self._by_pinyin: dict[str, list[str]] = {}
        # GB2312 level 1 (rows 16-55) is ordered by pinyin and holds the 3,755 most common hanzi.
        for row in range(0xB0, 0xD8):
            for cell in range(0xA1, 0xFF):
                try:
                    char = bytes((row, cell)).decode("gb2312")
                except UnicodeDecodeError:
                    continue
                syllable = lazy_pinyin(char, style=Style.NORMAL, errors="ignore")
                if syllable:
                    self._by_pinyin.setdefault(syllable[0], []).append(char)

    def candidates(self, letters: str, limit: int = 8, offset: int = 0) -> list[str]:
        """Characters whose pinyin is ``letters`` (then those it begins), ``limit`` at a time."""
        letters = letters.lower()  # ü is typed as v (lv 绿), as pypinyin spells it
        if not letters:
            return []
        exact = self._by_pinyin.get(letters, [])
        prefixed = [c for p, chars in sorted(self._by_pinyin.items()) if p != letters and p.startswith(letters)
                    for c in chars]
        return (exact + prefixed)[offset : offset + limit]


# -- the hub, on the maintenance screen ----------------------------------------------------------

def shown_code(typed: str, cursor: bool = False) -> str:
    """A pairing code as typed so far, grouped as on paper (``K7QF-3M``), the rest as blanks."""
    half = PAIRING_LENGTH // 2
    chars = list(typed[:PAIRING_LENGTH]) + (["▏"] if cursor and len(typed) < PAIRING_LENGTH else [])
    chars += ["_"] * (PAIRING_LENGTH - len(chars))
    return "".join(chars[:half]) + "-" + "".join(chars[half:PAIRING_LENGTH])


def hub_state_key(hub: HubHealth) -> str:
    """The catalogue key of the hub's state in plain words (tech.hub_ok: 已连接, ...)."""
    return f"tech.hub_{hub.state}"


def backlog_minutes(age_s: float | None) -> int:
    """Whole minutes the oldest waiting submission has waited (at least 1 when there is one)."""
    return max(1, int((age_s or 0) // 60))


ENROL_ERRORS = {  # the refusal's code -> the catalogue key of what the technician is told
    "pairing_code_unknown": "tech.enrol_unknown",
    "pairing_code_malformed": "tech.enrol_malformed",
    "pairing_code_used": "tech.enrol_used",
    "pairing_code_expired": "tech.enrol_expired",
    "kiosk_revoked": "tech.enrol_revoked",
    "too_many_attempts": "tech.enrol_throttled",
    "bad_hub_url": "tech.enrol_bad_url",
    "unreachable": "tech.hub_unreachable",
    "wrong_url": "tech.hub_wrong_url",
    "tls_error": "tech.hub_tls_error",
}


def enrol_error_key(code: str) -> str:
    return ENROL_ERRORS.get(code, "tech.enrol_failed")
