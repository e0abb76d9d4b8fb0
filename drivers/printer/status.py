"""Real-time status (``DLE EOT n``, n = 1..4) decoded into what a technician needs to know.

Every reply byte has bit 1 and bit 4 set and bits 0 and 7 clear (``0xx1xx10``); anything else is
not a status reply. No reply is *unknown*, never "paper OK" (python-escpos 3.1 ``paper_status()``
returns "adequate" on an empty read).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DLE_EOT = b"\x10\x04"
STATUS_QUERIES = (1, 2, 3, 4)


def status_query(n: int) -> bytes:
    """The ``DLE EOT n`` request."""
    return DLE_EOT + bytes([n])


def is_status_byte(value: int) -> bool:
    """True for a byte shaped like a DLE EOT reply (``0xx1xx10``)."""
    return value & 0x93 == 0x12


@dataclass(frozen=True)
class PrinterStatus:
    """Decoded status; ``None`` / ``"unknown"`` where the printer did not answer."""

    online: bool | None = None
    paper: str = "unknown"  # ok | near_end | out | unknown
    cover_open: bool | None = None
    error: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``kioskctl printer status --json``."""
        return {"online": self.online, "paper": self.paper, "cover_open": self.cover_open, "error": self.error}

    @property
    def answered(self) -> bool:
        """Whether the printer said anything at all."""
        return self.online is not None

    @property
    def ready(self) -> bool:
        """Online, with paper, cover closed, no error."""
        return bool(self.online) and self.paper in ("ok", "near_end") and not self.cover_open and not self.error


UNKNOWN = PrinterStatus()


def decode_status(replies: dict[int, int | None]) -> PrinterStatus:
    """Decode the replies to DLE EOT 1..4 (missing or malformed replies count as no answer)."""
    r = {n: v for n, v in replies.items() if v is not None and is_status_byte(v)}
    printer, offline, errors, paper = r.get(1), r.get(2), r.get(3), r.get(4)
    online = None if printer is None else not printer & 0x08
    cover = None if offline is None else bool(offline & 0x04)
    if (paper is not None and paper & 0x60) or (offline is not None and offline & 0x20):
        paper_state = "out"
    elif paper is not None:
        paper_state = "near_end" if paper & 0x0C else "ok"
    else:
        paper_state = "unknown"
    error = None if offline is None and errors is None else bool((offline or 0) & 0x40 or (errors or 0) & 0x68)
    return PrinterStatus(online=online, paper=paper_state, cover_open=cover, error=error)


def encode_status(*, paper: str = "ok", cover_open: bool = False, error: bool = False) -> dict[int, int]:
    """The replies a printer in this state gives (used by the virtual printer)."""
    out, near = paper == "out", paper == "near_end"
    offline = out or cover_open or error
    return {
        1: 0x12 | (0x08 if offline else 0),
        2: 0x12 | (0x04 if cover_open else 0) | (0x20 if out else 0) | (0x40 if error else 0),
        3: 0x12 | (0x20 if error else 0),
        4: 0x12 | (0x60 if out else 0) | (0x0C if near or out else 0),
    }
