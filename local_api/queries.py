"""Submissions that need an answer at once: queue tickets, appointment check-in and record queries.

Queue numbers and check-in live in ``local_api.queue``. Record queries (办件进度, 社保, 公积金) are
answered by the platform; without it the citizen is told the query cannot be made now, never shown
stale data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from drivers.camera.qr import qr_in_jpeg
from flows import effects as fx
from flows import events as ev
from flows.model import ServiceItem
from local_api.codes import id_type
from local_api.errors import BUSY_MESSAGE, HubBusy, HubUnreachable, TicketRefused
from local_api.hub_client import HubRejected
from local_api.outbox import Outbox
from local_api.outcomes import Outcomes
from local_api.queue import LOCAL_PREFIX, HubSource, QueueDesk, next_local_number

__all__ = ["LOCAL_PREFIX", "QueryService", "TicketRefused", "next_local_number"]

PROGRESS_ITEM = "case_progress_query"
WAITING_LABEL = "本机已受理，待上报平台"

Answer = ev.Submitted | ev.SubmitFailed


class QueryService:
    """Answers the submissions that need an answer at once (tickets, check-in, record queries)."""

    def __init__(self, hub: HubSource, desk: QueueDesk, outbox: Outbox, outcomes: Outcomes | None,
                 catalog: Mapping[str, ServiceItem], folder: Callable[[str], Path], *,
                 clock: Callable[[], datetime], timezone: str) -> None:
        self.hub = hub
        self.desk = desk
        self.outbox = outbox
        self.outcomes = outcomes
        self.catalog = catalog
        self.folder = folder  # a session's scan folder
        self.clock = clock
        self.timezone = timezone

    def answer(self, session_id: str, effect: fx.SubmitApplication) -> Answer:
        if effect.purpose == "queue_ticket":
            return self._queue_ticket(effect)
        if effect.purpose == "appointment_checkin":
            return self._check_in(session_id, effect)
        client = self.hub()
        applicant = dict(effect.applicant)
        waiting = self._waiting_here(applicant) if effect.item_code == PROGRESS_ITEM else []
        now = self.clock()
        if client is None:
            if waiting:
                return ev.Submitted(at=now, result=_progress_here_only(waiting, now))
            return ev.SubmitFailed(at=now, reason="本机未连接查询服务，请到人工窗口查询")
        try:
            body = client.query(effect.item_code.replace("_", "-"), id_type=id_type(applicant),
                                id_number=applicant.get("id_number", ""),
                                form=dict(effect.form))
        except HubBusy:  # this kiosk asked for too many people's records in a short time
            return ev.SubmitFailed(at=self.clock(), reason=BUSY_MESSAGE)
        except HubUnreachable:
            if waiting:  # the platform cannot be asked, but what this kiosk still holds can be shown
                return ev.Submitted(at=self.clock(), result=_progress_here_only(waiting, self.clock()))
            return ev.SubmitFailed(at=self.clock(), reason="查询服务暂时无法连接，请稍后再试")
        except HubRejected as exc:
            return ev.SubmitFailed(at=self.clock(), reason=f"查询没有成功：{exc.detail[:80]}")
        if waiting and isinstance(body, dict):
            body = {**body, "lines": [*waiting, *(body.get("lines") or [])]}
        return ev.Submitted(at=self.clock(), case_no=None, provisional_no=None, result=body)

    def _waiting_here(self, applicant: dict[str, Any]) -> list[str]:
        """Lines for this person's applications the kiosk has stored but the platform does not have yet.

        Without them a citizen whose case is still in the outbox (the platform away, or kioskd killed before
        they saw the number) would be told they have no case, and apply again.
        """
        subject = self.outcomes.subject(applicant) if self.outcomes is not None else None
        if subject is None:
            return []
        zone = ZoneInfo(self.timezone)
        return [f"{c['provisional_no']} {self._item_name(c['item_code'])} {WAITING_LABEL} "
                f"{c['created_at'].astimezone(zone):%Y-%m-%d}"
                for c in self.outbox.cases_of(subject) if c["state"] == "pending"]

    def _item_name(self, code: str) -> str:
        item = self.catalog.get(code)
        return item.name if item is not None else code

    def _queue_ticket(self, effect: fx.SubmitApplication) -> Answer:
        service = effect.form.get("service", "")
        declared = effect.form.get("priority")
        try:
            # Only the birth date leaves the kiosk for a ticket: the hub needs the age, never the ID number.
            result = self.desk.take_ticket(service, key=effect.idempotency_key,
                                           priority=declared if declared in ("pregnant", "disability") else None,
                                           birth_date=effect.applicant.get("birth_date"))
        except TicketRefused as exc:
            return ev.Submitted(at=self.clock(), case_no=None, result=exc.result())
        return ev.Submitted(at=self.clock(), case_no=result["number"], result=result)

    def _check_in(self, session_id: str, effect: fx.SubmitApplication) -> Answer:
        refs = [ref for material in effect.materials for ref in material.get("refs", ())]
        try:
            if effect.form.get("method") == "qr":
                text = _qr_text(self.folder(session_id), refs)
                if text is None:
                    return ev.SubmitFailed(at=self.clock(), reason="没有识别到预约二维码，请点击“返回”重新扫描")
                result = self.desk.check_in(key=effect.idempotency_key, qr=text)
            else:
                applicant = dict(effect.applicant)
                result = self.desk.check_in(key=effect.idempotency_key, id_type=id_type(applicant),
                                            id_number=str(applicant.get("id_number", "")))
        except TicketRefused as exc:
            return ev.Submitted(at=self.clock(), case_no=None, result=exc.result())
        except HubBusy:  # the hub limits check-ins by ID card per kiosk, as it does record queries
            return ev.SubmitFailed(at=self.clock(), reason=BUSY_MESSAGE)
        except HubUnreachable:
            return ev.SubmitFailed(at=self.clock(), reason="签到服务暂时无法连接，请稍后重试，或到服务台签到")
        return ev.Submitted(at=self.clock(), case_no=result["number"], result=result)


def _progress_here_only(lines: list[str], now: datetime) -> dict[str, Any]:
    return {"title": "办件进度", "fields": {"办件数量": str(len(lines))},
            "lines": ["政务服务平台暂时无法连接，以下为本机已受理、尚未上报的办件：", *lines],
            "footer": "办件上报后，请以政务服务平台记录为准。", "as_of": now.isoformat()}


def _qr_text(folder: Path, refs: list[str]) -> str | None:
    root = folder.resolve()
    for ref in refs:
        path = (root / ref).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            continue
        text = qr_in_jpeg(path.read_bytes())
        if text:
            return text.strip()
    return None
