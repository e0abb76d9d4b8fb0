"""The last hours of kioskd's log for the hub (the ``upload_logs`` command), gzip-compressed and bounded.

The lines are those kioskd wrote, which went through the redactor (``local_api.logs``) before they
reached the file, so nothing personal leaves with them. Only whole lines are sent; when the hours
asked for do not fit the hub's body limit, the newest lines are kept and the oldest dropped.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

LOG_NAME = "kioskd.jsonl"


@dataclass(frozen=True)
class Export:
    data: bytes  # gzip of JSON lines
    lines: int
    dropped: int  # lines within the hours left out to fit


def _files(log_dir: Path) -> list[Path]:
    """Oldest first: kioskd.jsonl.5 … kioskd.jsonl.1, kioskd.jsonl (RotatingFileHandler's names)."""
    rotated = sorted(log_dir.glob(f"{LOG_NAME}.*"), key=lambda p: -int(p.suffix[1:]) if p.suffix[1:].isdigit() else 0)
    current = log_dir / LOG_NAME
    return [p for p in rotated if p.suffix[1:].isdigit()] + ([current] if current.exists() else [])


def _when(line: str) -> datetime | None:
    try:
        return datetime.fromisoformat(json.loads(line)["ts"])
    except (ValueError, KeyError, TypeError):
        return None


def recent(log_dir: Path, hours: int, now: datetime, limit_bytes: int) -> Export:
    """The lines of the last ``hours``, compressed to at most ``limit_bytes``."""
    since = now - timedelta(hours=hours)
    lines: list[str] = []
    for path in _files(log_dir):
        with path.open(encoding="utf-8", errors="replace") as f:
            for line in f:
                when = _when(line)
                if when is not None and when >= since:
                    lines.append(line if line.endswith("\n") else line + "\n")
    kept = lines
    while True:
        data = gzip.compress("".join(kept).encode("utf-8"), compresslevel=6)
        if len(data) <= limit_bytes or not kept:
            return Export(data, len(kept), len(lines) - len(kept))
        # Scale down by how far over the limit it is, then try again (compression is not linear).
        keep = max(0, min(len(kept) - 1, int(len(kept) * limit_bytes / len(data) * 0.9)))
        kept = kept[len(kept) - keep:]
