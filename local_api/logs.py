"""Structured logging: JSON lines to ``$KIOSK_DATA_DIR/logs/kioskd.jsonl`` and to stderr (the journal).

Personal data must never reach a log. Code logs ids and codes, not people, and as a second line of
defence every record passes through :class:`PersonalDataFilter`, which masks anything shaped like an
ID number and any string the current session registered as personal (the citizen's name, address).
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import re
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# 18-character resident / permit numbers, 15-digit old numbers, and 2023 foreign card numbers.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15}|9\d{16}[\dXx])(?![0-9A-Za-z])")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")

_STD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "color_message"}


class Redactor:
    """Masks ID numbers, bearer tokens and registered personal strings in text."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()

    def register(self, *values: str | None) -> None:
        """Mark strings as personal for as long as a session holds them (names, addresses)."""
        with self._lock:
            self._secrets.update(v for v in values if v and len(v) >= 2)

    def forget(self, *values: str | None) -> None:
        with self._lock:
            self._secrets.difference_update(v for v in values if v)

    def clear(self) -> None:
        with self._lock:
            self._secrets.clear()

    def __call__(self, text: str) -> str:
        text = _ID_NUMBER.sub(lambda m: m.group(0)[:4] + "*" * (len(m.group(0)) - 4), text)
        text = _BEARER.sub(r"\1[redacted]", text)
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, "[personal]")
        return text


redactor = Redactor()


class PersonalDataFilter(logging.Filter):
    """Rewrites the message and string extras of every record through the redactor."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redactor(record.getMessage())
        record.args = None
        for key, value in list(vars(record).items()):
            if key not in _STD_ATTRS and isinstance(value, str):
                setattr(record, key, redactor(value))
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redactor(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(log_dir: Path, level: str = "INFO", *, stderr: bool = True) -> None:
    """Send the root logger to a rotating JSON-lines file (and stderr), through the redactor."""
    log_dir.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_kiosk", False):
            root.removeHandler(handler)
            handler.close()
    handlers: list[logging.Handler] = [
        logging.handlers.RotatingFileHandler(
            log_dir / "kioskd.jsonl", maxBytes=5_000_000, backupCount=5, encoding="utf-8"
        )
    ]
    if stderr:
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler._kiosk = True  # type: ignore[attr-defined]
        handler.setFormatter(JsonFormatter())
        handler.addFilter(PersonalDataFilter())
        root.addHandler(handler)
    root.setLevel(level)
    # uvicorn's access log would print query strings (WebSocket tokens); kioskd logs requests itself.
    logging.getLogger("uvicorn.access").disabled = True
