"""Submissions that need an answer at once: queue tickets and record queries.

Queue numbers come from the hub, the hall's single source of numbers; when it cannot be reached
the kiosk issues from its own reserved block (prefix ``Z``), marked as such on the ticket.
Record queries (办件进度, 社保, 公积金) are answered by the platform; without it the citizen is
told the query cannot be made now, never shown stale data.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flows import effects as fx
from flows import events as ev
from local_api.hub_client import HubRejected, HubUnavailable

_local_lock = threading.Lock()

LOCAL_PREFIX = "Z"


def next_local_number(state_file: Path, day: str) -> str:
    """The next number of the kiosk's own block for ``day``; kept on disk so a restart never repeats one."""
    with _local_lock:
        try:
            counters = json.loads(state_file.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            counters = {}
        seq = int(counters.get(day, 0)) + 1
        tmp = state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({day: seq}), encoding="utf-8")  # only today's counter is worth keeping
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        tmp.replace(state_file)
    return f"{LOCAL_PREFIX}{seq:03d}"


def answer(runner: Any, session_id: str, effect: fx.SubmitApplication) -> Any:
    client = getattr(runner, "hub", None)
    if effect.purpose == "queue_ticket":
        return _queue_ticket(runner, effect)
    if client is None:
        return ev.SubmitFailed(at=runner.now(), reason="本机未连接查询服务，请到人工窗口查询")
    applicant = dict(effect.applicant)
    try:
        body = client.query(effect.item_code.replace("_", "-"), id_type=_id_type(applicant),
                            id_number=applicant.get("id_number", ""),
                            form=dict(effect.form))
    except HubUnavailable:
        return ev.SubmitFailed(at=runner.now(), reason="查询服务暂时无法连接，请稍后再试")
    except HubRejected as exc:
        return ev.SubmitFailed(at=runner.now(), reason=f"查询没有成功：{exc.detail[:80]}")
    return ev.Submitted(at=runner.now(), case_no=None, provisional_no=None, result=body)


def _id_type(applicant: dict[str, Any]) -> str:
    from local_api.runner import ID_TYPES

    return ID_TYPES.get(applicant.get("card_type", "resident"), "999")


class TicketRefused(Exception):
    """The hub refused the ticket (unknown or closed service, a full day); the message is for the citizen."""


def take_ticket(runner: Any, service: str, *, key: str, priority: bool = False) -> dict[str, Any]:
    """A queue number from the hub, or from the kiosk's own block when the hub cannot be reached.

    ``service`` is the hub's service code, or its ticket letter (``A``) as halls call services.
    """
    client = getattr(runner, "hub", None)
    if client is not None:
        try:
            code = _service_code(client, service)
            body = client.take_ticket(code, key=key)
            return {"number": body["number"], "people_ahead": body["people_ahead"],
                    "estimated_wait_min": body["estimated_wait_minutes"], "service": code,
                    "service_label": body.get("service_name", ""), "priority": priority, "source": "hub"}
        except HubRejected as exc:
            raise TicketRefused(f"暂时不能取号：{exc.detail[:80]}") from None
        except HubUnavailable:
            pass
    day = runner.now().astimezone(ZoneInfo(runner.timezone)).strftime("%Y%m%d")
    return {"number": next_local_number(runner.local_queue_file, day), "people_ahead": 0,
            "estimated_wait_min": None, "service": service, "service_label": "", "priority": priority,
            "source": "local"}


def _service_code(client: Any, service: str) -> str:
    if len(service) == 1 and service.isupper():
        for known in client.queue_services():
            if known.get("prefix") == service:
                return known["code"]
        raise HubRejected(404, f"no service with the letter {service} at this site")
    return service


def _queue_ticket(runner: Any, effect: fx.SubmitApplication) -> Any:
    service = effect.form.get("service", "")
    try:
        result = take_ticket(runner, service, key=effect.idempotency_key, priority=service == "elderly")
    except TicketRefused as exc:
        return ev.SubmitFailed(at=runner.now(), reason=str(exc))
    return ev.Submitted(at=runner.now(), case_no=result["number"], result=result)
