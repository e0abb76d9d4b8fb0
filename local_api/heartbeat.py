"""Heartbeat to the hub: device health and the outbox backlog, so a technician sees a kiosk remotely."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from local_api.hub_client import HubClient, HubRejected, HubUnavailable
from wire.errors import PayloadInvalid

log = logging.getLogger(__name__)


class Heartbeat:
    def __init__(self, client: HubClient, report: Callable[[], dict[str, Any]], interval_s: float = 60.0) -> None:
        self.client = client
        self.report = report
        self.interval_s = interval_s
        self.last_ok: datetime | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """Beat now (new credentials): the hub's fleet view sees the kiosk without waiting a minute."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)
        self.client.close()

    def beat(self) -> bool:
        try:
            self.client.heartbeat({**self.report(), "sent_at": datetime.now(UTC).isoformat()})
        except HubUnavailable:
            return False  # the outbox already tells the story; do not fill the log every minute
        except HubRejected as exc:
            if exc.status not in (401, 403):  # a refused token: the hub state in /v1/health tells it
                log.warning("hub refused the heartbeat", extra={"status": exc.status})
            return False
        except PayloadInvalid as exc:  # the report does not fit the hub's model: a fault of this kiosk's code
            log.error("heartbeat not sent: %s", exc)
            return False
        self.last_ok = datetime.now(UTC)
        return True

    def _run(self) -> None:
        while not self._stop.is_set():
            self.beat()
            self._wake.wait(self.interval_s)
            self._wake.clear()
