"""Posting raised and cleared alerts to ``KIOSKHUB_ALERT_WEBHOOK``, with retries that end.

Each event is kept in the alert's row (``raise_delivery``/``clear_delivery``) until the webhook answers
2xx, so a hub restarted meanwhile still sends it; a failed post is tried again after
``KIOSKHUB_ALERT_WEBHOOK_RETRY_SECONDS``, doubling, up to ``KIOSKHUB_ALERT_WEBHOOK_ATTEMPTS`` tries, and
then marked ``failed`` (shown on the alerts page) rather than tried for ever. Posting runs on its own
thread with a short timeout: a webhook that is down holds up no heartbeat and no sweep.

The body is JSON: ``{"event": "raised"|"cleared", "text": "...", "alert": {...}}``, where ``text`` is one
line in Chinese a hall's messaging group can show as it is, and ``alert`` the fields of
``hub.alerts.AlertOut``. The same alert id comes with both events, and a retried post repeats it, so a
receiver can drop a repeat.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable

import httpx

from hub.alerts import alert_out, due_deliveries
from hub.db.fleet_models import FleetAlert
from hub.db.session import Database

log = logging.getLogger(__name__)

LEASE_S = 60  # a post in progress is not started again by another hub process meanwhile
MAX_WAIT_S = 3600


def body(row: FleetAlert, event: str) -> dict[str, object]:
    out = alert_out(row)
    what = f"{out.label}（{out.subject}）" if out.subject else out.label
    head = "【终端告警】" if event == "raised" else "【告警解除】"
    text = f"{head}{out.kiosk_id}（{out.site_id}）{what}：{out.detail}" if event == "raised" else (
        f"{head}{out.kiosk_id}（{out.site_id}）{what}")
    alert = out.model_dump(mode="json", exclude={"delivery", "last_error"})
    return {"event": event, "text": text, "alert": alert}


class AlertWebhook:
    def __init__(self, db: Database, url: str, *, attempts: int, retry_s: float, clock: Callable[[], dt.datetime],
                 timeout_s: float = 5.0, transport: httpx.BaseTransport | None = None) -> None:
        self.db = db
        self.url = url
        self.attempts = attempts
        self.retry_s = retry_s
        self.clock = clock
        self.http = httpx.Client(timeout=timeout_s, transport=transport, follow_redirects=False)

    def close(self) -> None:
        self.http.close()

    def deliver_due(self) -> float | None:
        """Post every event whose time has come; the seconds until the next retry (None: nothing waits)."""
        now = self.clock()
        with self.db.read() as s:
            due = [row.id for row in due_deliveries(s, now)]
        for alert_id in due:
            self._deliver(alert_id)
        return self._next_wait()

    def _claim(self, alert_id: int) -> tuple[str, dict[str, object]] | None:
        now = self.clock()
        with self.db.write() as s, s.begin():
            row = s.get(FleetAlert, alert_id)
            if row is None:
                return None
            if row.next_attempt_at is not None and _utc(row.next_attempt_at) > now:
                return None  # another process has it, or it waits for its retry
            event = "raised" if row.raise_delivery == "due" else "cleared" if row.clear_delivery == "due" else None
            if event is None:
                return None
            row.next_attempt_at = now + dt.timedelta(seconds=LEASE_S)
            return event, body(row, event)

    def _deliver(self, alert_id: int) -> None:
        claimed = self._claim(alert_id)
        if claimed is None:
            return
        event, payload = claimed
        error = None
        try:
            answer = self.http.post(self.url, content=json.dumps(payload, ensure_ascii=False).encode(),
                                    headers={"Content-Type": "application/json; charset=utf-8"})
            if not answer.is_success:
                error = f"the webhook answered {answer.status_code}"
        except httpx.HTTPError as exc:
            error = f"the webhook could not be reached: {type(exc).__name__}"
        self._settle(alert_id, event, error)

    def _settle(self, alert_id: int, event: str, error: str | None) -> None:
        now = self.clock()
        with self.db.write() as s, s.begin():
            row = s.get(FleetAlert, alert_id)
            if row is None:
                return
            field = "raise_delivery" if event == "raised" else "clear_delivery"
            if error is None:
                setattr(row, field, "sent")
                row.attempts, row.next_attempt_at, row.last_error = 0, None, None
                return
            row.attempts += 1
            row.last_error = error[:300]
            if row.attempts >= self.attempts:
                log.warning("alert not delivered; giving up", extra={"alert": alert_id, "event": event,
                                                                     "tries": row.attempts, "error": error})
                setattr(row, field, "failed")
                if event == "raised" and row.clear_delivery == "due":
                    row.clear_delivery = None  # the receiver never heard of it: no clearing to tell
                row.attempts, row.next_attempt_at = 0, None
                return
            if row.attempts == 1:
                log.warning("alert not delivered; will retry", extra={"alert": alert_id, "error": error})
            wait = min(self.retry_s * 2 ** (row.attempts - 1), MAX_WAIT_S)
            row.next_attempt_at = now + dt.timedelta(seconds=wait)

    def _next_wait(self) -> float | None:
        now = self.clock()
        with self.db.read() as s:
            waiting = [r.next_attempt_at for r in due_deliveries(s, now + dt.timedelta(seconds=MAX_WAIT_S))]
        if not waiting:
            return None
        return max(0.0, min(((_utc(w) - now).total_seconds() if w else 0.0) for w in waiting))


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value
