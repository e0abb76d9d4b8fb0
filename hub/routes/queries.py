"""Record queries for the citizen whose document a kiosk just read: 办件进度, 住房公积金, 社保参保证明."""

from __future__ import annotations

import json

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError

from hub import answers, id_lookups, intake, records
from hub.errors import field_error, from_pydantic
from hub.schemas import QueryRequest, QueryResult
from hub.state import CallerDep, HubState, StateDep

router = APIRouter(prefix="/api/v1/queries", tags=["queries"])

QUERIES = ("case-progress-query", "housing-fund-query", "si-record-certificate")
_CASES_SHOWN = 20
_BODY = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": QueryRequest.model_json_schema()}}}
}


@router.post(
    "/{query}",
    response_model=QueryResult,
    responses={
        404: {"description": "unknown query, or no record for this person"},
        429: {"description": '`{"code": "lookup_rate_limited"}` + Retry-After: this kiosk made too many lookups'},
    },
    openapi_extra=_BODY,
)
async def run_query(request: Request, state: StateDep, caller: CallerDep, query: str) -> QueryResult:
    """Answer one of QUERIES for the person in the body; 404 with a message for the citizen when there is none.

    Each is a lookup by ID number: counted against the kiosk's limit (429 past it) and audited.
    """
    if query not in QUERIES:
        raise HTTPException(404, f"no query {query[:64]!r}; known queries: {', '.join(QUERIES)}")
    body = _parse(await request.body())
    try:
        return await run_in_threadpool(
            id_lookups.audited, state, caller, query, body.id_type, body.id_number,
            lambda: _answer(state, query, body), _found,
        )
    except answers.FormProblem as exc:
        raise field_error(("body", "form", exc.field), exc.msg) from None
    except answers.NoRecord as exc:
        raise HTTPException(404, str(exc)) from None


def _parse(raw: bytes) -> QueryRequest:
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise field_error(("body",), "is not valid JSON", "json_invalid") from None
    if not isinstance(data, dict):
        raise field_error(("body",), "must be a JSON object", "model_type")
    try:
        return QueryRequest.model_validate(data)
    except ValidationError as exc:
        raise from_pydantic(exc, ("body",)) from None


def _found(result: QueryResult) -> bool:
    return result.fields.get("办件数量", "1") != "0"


def _answer(state: HubState, query: str, body: QueryRequest) -> QueryResult:
    with state.db.read() as db:
        if query == "case-progress-query":
            cases = intake.by_applicant(db, state.keys, body.id_type, body.id_number, limit=_CASES_SHOWN)
            total = intake.count_by_applicant(db, state.keys, body.id_type, body.id_number)
            return answers.case_progress(cases, total, body.form, state.now(), state.settings.zone)
        if query == "housing-fund-query":
            return answers.housing_fund(records.find(db, state.keys, "housing_fund", body.id_type, body.id_number))
        found = records.find(db, state.keys, "social_insurance", body.id_type, body.id_number)
        return answers.social_insurance(found, body.form)
