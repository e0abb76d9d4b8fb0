"""Heartbeat to the hub: device health and the outbox backlog, so a technician sees a kiosk remotely."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from local_api.errors import HubUnreachable
from local_api.hub_client import HubClient, HubRejected
from local_api.worker import Worker
from wire.errors import PayloadInvalid

log = logging.getLogger(__name__)


class Heartbeat(Worker):
    """Beats every ``interval_s``, and at once when woken (new credentials), so the hub's fleet view sees the
    kiosk without waiting a minute."""

    def __init__(self, client: HubClient, report: Callable[[], dict[str, Any]], interval_s: float = 60.0,
                 on_commands: Callable[[list[Any]], None] | None = None) -> None:
        super().__init__("heartbeat", self._step, interval_s=interval_s, jitter=0.1)
        self.client = client
        self.report = report
        self.on_commands = on_commands  # staff's commands in the hub's answer (local_api.remote_commands)
        self.last_ok: datetime | None = None

    def stop(self) -> None:
        super().stop()
        self.client.close()

    def beat(self) -> bool:
        try:
            answer = self.client.heartbeat({**self.report(), "sent_at": datetime.now(UTC).isoformat()})
        except HubUnreachable:
            return False  # the outbox already tells the story; do not fill the log every minute
        except HubRejected as exc:
            if exc.status not in (401, 403):  # a refused token: the hub state in /v1/health tells it
                log.warning("hub refused the heartbeat", extra={"status": exc.status})
            return False
        except PayloadInvalid as exc:  # the report does not fit the hub's model: a fault of this kiosk's code
            log.error("heartbeat not sent: %s", exc)
            return False
        self.last_ok = datetime.now(UTC)
        commands = answer.get("commands") if isinstance(answer, dict) else None
        if commands and self.on_commands is not None:
            self.on_commands(commands)
        return True

    def _step(self) -> None:
        self.beat()
