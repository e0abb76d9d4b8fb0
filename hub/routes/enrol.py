"""POST /api/v1/enrol: a kiosk exchanges a one-time pairing code for its id, site and token (no token needed)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from hub import enrol_throttle, pairing
from hub.state import StateDep

router = APIRouter(tags=["kiosks"])  # mounted under /api/v1 by hub.routes.kiosks
log = logging.getLogger("kioskhub.enrol")


class EnrolRequest(BaseModel):
    code: str = Field(max_length=32, description="from 'kioskhub kiosks add --pairing', e.g. K7QF-3MXP")


_ANSWERS = {
    400: {"description": '`{"detail": "...", "code": "pairing_code_malformed" | "pairing_code_unknown"}`'},
    403: {"description": '`{"detail": "...", "code": "kiosk_revoked"}`'},
    410: {"description": '`{"detail": "...", "code": "pairing_code_used" | "pairing_code_expired"}`'},
    429: {"description": '`{"detail": "...", "code": "too_many_attempts"}` + `Retry-After`: too many wrong codes '
                         'from this address'},
}


@router.post("/enrol", responses=_ANSWERS)
def enrol(request: Request, state: StateDep, body: EnrolRequest) -> JSONResponse:
    """200 ``{"kiosk_id", "site_id", "token", "hub": {"service": "kioskhub", "url"}}``; the code is used up."""
    source = request.client.host if request.client else "unknown"
    now = state.now()
    with state.db.write() as db, db.begin():
        wait = enrol_throttle.retry_after(db, source, now)
    if wait is not None:
        detail = (f"too many wrong pairing codes from this address; wait {wait} s, then type the code again "
                  "carefully (or ask for a new one)")
        return JSONResponse({"detail": detail, "code": "too_many_attempts"}, status_code=429,
                            headers={"Retry-After": str(wait)})
    try:
        with state.db.write() as db, db.begin():
            enrolled = pairing.redeem(db, state.keys, body.code, now)
    except pairing.PairingError as exc:
        with state.db.write() as db, db.begin():
            enrol_throttle.record_failure(db, source, now)
        return JSONResponse({"detail": exc.detail, "code": exc.code}, status_code=exc.status)
    log.info("kiosk %s enrolled with a pairing code", enrolled.kiosk_id)  # never the code or the token
    base = state.settings.public_url or str(request.base_url).rstrip("/")
    answer = {"kiosk_id": enrolled.kiosk_id, "site_id": enrolled.site_id, "token": enrolled.token,
              "hub": {"service": "kioskhub", "url": base}}
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})
