"""POST /api/v1/ratings: 好差评 from the kiosk, one per case, from the case's own site."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from hub import intake
from hub.errors import field_error
from hub.routes.cases import KEY_PATTERN
from hub.schemas import RatingIn, RatingOut
from hub.state import CallerDep, StateDep

router = APIRouter(prefix="/api/v1/ratings", tags=["ratings"])

ALREADY_RATED = "already_rated"


@router.post(
    "",
    status_code=201,
    response_model=RatingOut,
    responses={
        200: {"model": RatingOut, "description": "the rating this Idempotency-Key already made"},
        409: {"description": '`{"code": "already_rated"}`: the case has its one rating already'},
        422: {"description": "no case with this number at this kiosk's site (or a field is wrong)"},
    },
)
def rate(
    state: StateDep,
    caller: CallerDep,
    rating: RatingIn,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", pattern=KEY_PATTERN)] = None,
) -> JSONResponse:
    """Record the case's rating; with the same Idempotency-Key a retry returns the first rating (200)."""
    try:
        out, created = intake.rate(
            state.db.write,
            caller.kiosk_id,
            caller.site_id,
            idempotency_key,
            rating,
            state.now(),
            state.settings.zone,
            state.settings.followup_working_days,
        )
    except intake.UnknownCase:
        raise field_error(("body", "case_no"), "no case with this number at this kiosk's site") from None
    except intake.AlreadyRated as exc:
        return JSONResponse(
            {
                "detail": "this case has already been rated; a case takes one rating "
                "(a retry must send the first rating's Idempotency-Key)",
                "code": ALREADY_RATED,
                "case_no": exc.case_no,
            },
            status_code=409,
        )
    return JSONResponse(out.model_dump(mode="json"), status_code=201 if created else 200)
