"""POST /api/v1/ratings: 好差评 from the kiosk."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from hub import intake
from hub.errors import field_error
from hub.routes.cases import KEY_PATTERN
from hub.schemas import RatingIn, RatingOut
from hub.state import KioskDep, StateDep

router = APIRouter(prefix="/api/v1/ratings", tags=["ratings"])


@router.post("", status_code=201, response_model=RatingOut)
def rate(
    state: StateDep,
    kiosk_id: KioskDep,
    rating: RatingIn,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", pattern=KEY_PATTERN)] = None,
) -> JSONResponse:
    """Record a rating; with an Idempotency-Key a retry returns the first rating (200)."""
    try:
        out, created = intake.rate(
            state.db.write,
            kiosk_id,
            idempotency_key,
            rating,
            state.now(),
            state.settings.zone,
            state.settings.followup_working_days,
        )
    except intake.UnknownCase:
        raise field_error(("body", "case_no"), "no case with this number at the hub") from None
    return JSONResponse(out.model_dump(mode="json"), status_code=201 if created else 200)
