"""Submissions that need an answer at once: queue tickets, appointment check-in and record queries.

Queue numbers and check-in live in ``local_api.queue``. Record queries (办件进度, 社保, 公积金) are
answered by the platform; without it the citizen is told the query cannot be made now, never shown
stale data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from drivers.camera.qr import qr_in_jpeg
from flows import effects as fx
from flows import events as ev
from local_api.codes import id_type
from local_api.hub_client import HubRejected, HubUnavailable
from local_api.queue import (
    LOCAL_PREFIX,
    CheckInUnavailable,
    TicketRefused,
    check_in,
    next_local_number,
    take_ticket,
)

__all__ = ["LOCAL_PREFIX", "TicketRefused", "answer", "next_local_number", "take_ticket"]


def answer(runner: Any, session_id: str, effect: fx.SubmitApplication) -> Any:
    if effect.purpose == "queue_ticket":
        return _queue_ticket(runner, effect)
    if effect.purpose == "appointment_checkin":
        return _check_in(runner, session_id, effect)
    client = getattr(runner, "hub", None)
    applicant = dict(effect.applicant)
    waiting = _waiting_here(runner, applicant) if effect.item_code == PROGRESS_ITEM else []
    if client is None:
        if waiting:
            return ev.Submitted(at=runner.now(), result=_progress_here_only(waiting, runner.now()))
        return ev.SubmitFailed(at=runner.now(), reason="本机未连接查询服务，请到人工窗口查询")
    try:
        body = client.query(effect.item_code.replace("_", "-"), id_type=id_type(applicant),
                            id_number=applicant.get("id_number", ""),
                            form=dict(effect.form))
    except HubUnavailable:
        if waiting:  # the platform cannot be asked, but what this kiosk still holds can be shown
            return ev.Submitted(at=runner.now(), result=_progress_here_only(waiting, runner.now()))
        return ev.SubmitFailed(at=runner.now(), reason="查询服务暂时无法连接，请稍后再试")
    except HubRejected as exc:
        return ev.SubmitFailed(at=runner.now(), reason=f"查询没有成功：{exc.detail[:80]}")
    if waiting and isinstance(body, dict):
        body = {**body, "lines": [*waiting, *(body.get("lines") or [])]}
    return ev.Submitted(at=runner.now(), case_no=None, provisional_no=None, result=body)


PROGRESS_ITEM = "case_progress_query"
WAITING_LABEL = "本机已受理，待上报平台"


def _waiting_here(runner: Any, applicant: dict[str, Any]) -> list[str]:
    """Lines for this person's applications the kiosk has stored but the platform does not have yet.

    Without them a citizen whose case is still in the outbox (the platform away, or kioskd killed before
    they saw the number) would be told they have no case, and apply again.
    """
    outcomes = getattr(runner, "outcomes", None)
    subject = outcomes.subject(applicant) if outcomes is not None else None
    if subject is None:
        return []
    catalog = runner.sessions.catalog
    zone = ZoneInfo(runner.timezone)
    return [f"{c['provisional_no']} {catalog[c['item_code']].name if c['item_code'] in catalog else c['item_code']} "
            f"{WAITING_LABEL} {c['created_at'].astimezone(zone):%Y-%m-%d}"
            for c in runner.outbox.cases_of(subject) if c["state"] == "pending"]


def _progress_here_only(lines: list[str], now: Any) -> dict[str, Any]:
    return {"title": "办件进度", "fields": {"办件数量": str(len(lines))},
            "lines": ["政务服务平台暂时无法连接，以下为本机已受理、尚未上报的办件：", *lines],
            "footer": "办件上报后，请以政务服务平台记录为准。", "as_of": now.isoformat()}


def _queue_ticket(runner: Any, effect: fx.SubmitApplication) -> Any:
    service = effect.form.get("service", "")
    declared = effect.form.get("priority")
    try:
        # Only the birth date leaves the kiosk for a ticket: the hub needs the age, never the ID number.
        result = take_ticket(runner, service, key=effect.idempotency_key,
                             priority=declared if declared in ("pregnant", "disability") else None,
                             birth_date=effect.applicant.get("birth_date"))
    except TicketRefused as exc:
        return ev.Submitted(at=runner.now(), case_no=None, result=exc.result())
    return ev.Submitted(at=runner.now(), case_no=result["number"], result=result)


def _check_in(runner: Any, session_id: str, effect: fx.SubmitApplication) -> Any:
    refs = [ref for material in effect.materials for ref in material.get("refs", ())]
    try:
        if effect.form.get("method") == "qr":
            text = _qr_text(runner.sessions.folder(session_id), refs)
            if text is None:
                return ev.SubmitFailed(at=runner.now(), reason="没有识别到预约二维码，请点击“返回”重新扫描")
            result = check_in(runner, key=effect.idempotency_key, qr=text)
        else:
            applicant = dict(effect.applicant)
            result = check_in(runner, key=effect.idempotency_key, id_type=id_type(applicant),
                              id_number=str(applicant.get("id_number", "")))
    except TicketRefused as exc:
        return ev.Submitted(at=runner.now(), case_no=None, result=exc.result())
    except CheckInUnavailable:
        return ev.SubmitFailed(at=runner.now(), reason="签到服务暂时无法连接，请稍后重试，或到服务台签到")
    return ev.Submitted(at=runner.now(), case_no=result["number"], result=result)


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
