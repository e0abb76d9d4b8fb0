"""The hub's fleet watch: the sweep that notices silent kiosks, clears alerts and expires unanswered commands,
and the webhook's poster.

Two threads, so a webhook that does not answer never delays the sweep, and neither delays a heartbeat.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from hub import alerts, kiosk_commands, registry
from hub.alert_webhook import AlertWebhook
from hub.db.session import Database
from hub.settings import HubSettings
from hub.state import Clock

log = logging.getLogger(__name__)


class _Loop:
    """Run ``step`` now and again after the seconds it returns (None: ``idle_s``), or at once when woken."""

    def __init__(self, name: str, step: Callable[[], float | None], idle_s: float | None) -> None:
        self.step = step
        self.idle_s = idle_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                wait = self.step()
            except Exception:
                log.exception("%s failed; trying again later", self._thread.name)
                wait = 30.0
            if wait is None:
                wait = self.idle_s
            if wait is None or wait > 0:
                self._wake.wait(wait)
            self._wake.clear()


class FleetWatch:
    def __init__(self, db: Database, settings: HubSettings, clock: Clock) -> None:
        self.db = db
        self.rules = alerts.Rules.from_settings(settings)
        self.clock = clock
        self.webhook = None if settings.alert_webhook is None else AlertWebhook(
            db, settings.alert_webhook, attempts=settings.alert_webhook_attempts,
            retry_s=settings.alert_webhook_retry_seconds, clock=clock)
        self._sweeper = _Loop("fleet-sweep", self._sweep_step, settings.alert_sweep_seconds)
        self._poster = _Loop("alert-webhook", self.webhook.deliver_due, None) if self.webhook else None

    def sweep(self) -> int:
        """Judge every kiosk now; the alerts raised or cleared."""
        now = self.clock()
        with self.db.write() as db, db.begin():
            changed = alerts.judge_all(db, registry.list_kiosks(db), now, self.rules)
            kiosk_commands.expire(db, now)
        if changed:
            self.alerts_changed()
        return changed

    def alerts_changed(self) -> None:
        if self._poster is not None:
            self._poster.wake()

    def _sweep_step(self) -> None:
        self.sweep()

    def start(self) -> None:
        self._sweeper.start()
        if self._poster is not None:
            self._poster.start()

    def close(self) -> None:
        self._sweeper.stop()
        if self._poster is not None:
            self._poster.stop()
        if self.webhook is not None:
            self.webhook.close()
