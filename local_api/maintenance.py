"""Maintenance mode (暂停服务): staff take the kiosk out of service from the hub, and back.

No new session starts while it is on; a citizen already being served finishes first, since the
flag is only checked when a session starts. It is kept in a file, so a restarted kioskd stays out
of service until staff say otherwise.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from local_api.errors import NotReady

MESSAGE = "暂停服务：本机正在维护，请到其他自助终端或窗口办理"


class Maintenance:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    @property
    def on(self) -> bool:
        return self.path.exists()

    def set(self, on: bool, at: datetime) -> bool:
        """Turn it on or off; False when it already was so."""
        with self._lock:
            if on == self.on:
                return False
            if on:
                tmp = self.path.with_suffix(".tmp")
                tmp.write_text(json.dumps({"since": at.isoformat()}), encoding="utf-8")
                tmp.replace(self.path)
            else:
                self.path.unlink(missing_ok=True)
            return True

    def refuse_while_on(self, item: Any) -> None:
        """Part of the session precheck: no new session starts while the kiosk is out of service."""
        if self.on:
            raise NotReady("maintenance", MESSAGE)
