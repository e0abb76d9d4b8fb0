"""POST /api/v1/cases/{case_no}/notices: what a kiosk learnt about a case after filing it.

Today one notice: ``receipt_not_shown``, sent when the citizen left before the kiosk could show the
case number or print the receipt (kioskd was killed and came back too late). Staff see it in the
case's history and can reach the citizen; the citizen finds the case by card in 办件进度查询.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from hub import replies
from hub.db.models import Case, CaseEvent
from hub.routes.cases import KEY_PATTERN
from hub.state import KioskDep, StateDep
from wire.notice import CaseNotice

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])

NOTES = {"receipt_not_shown": "申请已受理，但申请人离开前自助终端未能出示受理编号和回执，请联系申请人告知"}
CASE_NOTICE = "case_notice"


class UnknownHere(Exception):
    """No case with this number filed by this kiosk."""


@router.post("/{case_no}/notices", status_code=201,
             responses={200: {"description": "the notice this Idempotency-Key already recorded"},
                        404: {"description": "no case with this number from this kiosk"}})
def add_notice(state: StateDep, kiosk_id: KioskDep, case_no: str, body: CaseNotice,
               idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", pattern=KEY_PATTERN)] = None,
               ) -> Response:
    """Add the notice to the case's history once; a repeat of the key gets the first answer."""
    now = state.now()

    def work(db: Session) -> tuple[int, dict[str, Any]]:
        # Only the kiosk that filed the case may annotate it: another kiosk's token learns nothing here.
        case = db.scalar(select(Case).where(Case.case_no == case_no, Case.kiosk_id == kiosk_id))
        if case is None:
            raise UnknownHere(case_no)
        case.events.append(CaseEvent(status=case.status, note=NOTES[body.notice], at=now))
        return 201, {"case_no": case_no, "notice": body.notice}

    mac = replies.request_mac(state.keys, CASE_NOTICE, {"case_no": case_no, **body.model_dump()})
    try:
        reply = replies.once(state.db.write, kiosk_id, CASE_NOTICE, idempotency_key, mac, now, work)
    except UnknownHere:
        raise HTTPException(404, "no case with this number from this kiosk") from None
    except replies.KeyReused:
        return replies.key_reused()
    return reply.response()
