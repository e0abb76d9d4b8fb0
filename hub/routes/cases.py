"""Cases: intake with an Idempotency-Key, progress, lookup by provisional number or by the applicant's ID."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub import id_lookups, intake
from hub.errors import field_error, from_pydantic
from hub.schemas import CaseApplication, CaseList, CaseLookup, CaseOut
from hub.state import CallerDep, KioskDep, StateDep
from hub.storage import FileNameError, FileTooLarge, StagedFileGone, safe_filename

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])

KEY_PATTERN = r"^[0-9A-Za-z._:-]{1,128}$"
MATERIAL_TYPES = {
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/tiff",
    "application/pdf",
    "application/ofd",
}
_FIELD_BYTES = 256 * 1024


_APPLICATION_SCHEMA = {"$ref": "#/components/schemas/CaseApplication"}
_SUBMIT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["application"],
                    "properties": {
                        "application": {"type": "string", "description": "CaseApplication as JSON text"},
                        "materials": {"type": "array", "items": {"type": "string", "format": "binary"}},
                    },
                }
            },
            "application/json": {"schema": _APPLICATION_SCHEMA},
        },
    }
}


@router.post(
    "",
    status_code=201,
    response_model=CaseOut,
    responses={
        200: {"model": CaseOut, "description": "the case this Idempotency-Key already made"},
        409: {"description": "the Idempotency-Key was used for a different application"},
        413: {"description": "a file or the whole request is too large"},
        503: {"description": "the case could not be recorded in time; nothing was kept, send it again"},
    },
    openapi_extra=_SUBMIT_BODY,
)
async def submit(
    request: Request,
    state: StateDep,
    kiosk_id: KioskDep,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", pattern=KEY_PATTERN)],
) -> JSONResponse:
    """Take an application (multipart ``application`` JSON + ``materials`` files, or a JSON body)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        app, uploads = await _from_multipart(request, state.settings.max_files)
    elif content_type == "application/json":
        app, uploads = _parse_application(await request.body(), ("body",)), []
    else:
        raise HTTPException(415, "send multipart/form-data (application + materials) or application/json")
    try:
        case, created = await run_in_threadpool(
            intake.submit_case,
            state.db.write,
            state.keys,
            state.store,
            kiosk_id,
            idempotency_key,
            app,
            uploads,
            state.settings.max_file_bytes,
            state.now(),
            state.settings.zone,
        )
    except FileTooLarge as exc:
        raise HTTPException(413, str(exc)) from None
    except StagedFileGone as exc:  # nothing was recorded; the kiosk's outbox sends it again
        raise HTTPException(503, str(exc), headers={"Retry-After": "5"}) from None
    except intake.KeyReused as exc:
        return JSONResponse(
            {
                "detail": "this Idempotency-Key was already used for a different application; "
                "use a new key for a new application",
                "case_no": exc.case_no,
            },
            status_code=409,
        )
    return JSONResponse(case.model_dump(mode="json"), status_code=201 if created else 200)


async def _from_multipart(request: Request, max_files: int) -> tuple[CaseApplication, list[intake.Upload]]:
    try:
        form = await request.form(max_files=max_files, max_fields=20, max_part_size=_FIELD_BYTES)
    except StarletteHTTPException as exc:
        raise field_error(("body", "materials"), str(exc.detail)) from None
    unknown = sorted(set(form.keys()) - {"application", "materials"})
    if unknown:
        raise field_error(("body", unknown[0]), "unexpected part; send only 'application' and 'materials'")
    raw = form.get("application")
    if raw is None or isinstance(raw, UploadFile):
        raise field_error(("body", "application"), "the 'application' part must be the application as JSON text")
    app = _parse_application(raw.encode(), ("body", "application"))
    uploads: list[intake.Upload] = []
    for index, part in enumerate(form.getlist("materials")):
        loc = ("body", "materials", index)
        if not isinstance(part, UploadFile):
            raise field_error(loc, "each 'materials' part must be a file")
        try:
            name = safe_filename(part.filename)
        except FileNameError as exc:
            raise field_error(loc, str(exc)) from None
        kind = (part.content_type or "").split(";")[0].strip().lower()
        if kind not in MATERIAL_TYPES:
            raise field_error(
                loc, f"file type {kind or 'unknown'!r} not accepted; send {', '.join(sorted(MATERIAL_TYPES))}"
            )
        if any(u.filename == name for u in uploads):
            raise field_error(loc, f"two material files are named {name!r}; give each a distinct name")
        uploads.append(intake.Upload(filename=name, content_type=kind, file=part.file))
    names = {u.filename for u in uploads}
    for index, label in enumerate(app.materials):
        if label.file not in names:
            raise field_error(("body", "application", "materials", index, "file"), "no uploaded file has this name")
    return app, uploads


def _parse_application(raw: bytes, loc: tuple[str, ...]) -> CaseApplication:
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise field_error(loc, "is not valid JSON", "json_invalid") from None
    if not isinstance(data, dict):
        raise field_error(loc, "must be a JSON object", "model_type")
    try:
        return CaseApplication.model_validate(data)
    except ValidationError as exc:
        raise from_pydantic(exc, loc) from None


@router.get("", response_model=CaseList)
def by_provisional(
    state: StateDep,
    kiosk_id: KioskDep,
    provisional_no: Annotated[str, Query(min_length=1, max_length=64)],
) -> CaseList:
    """This kiosk's cases that carry the given provisional number (usually zero or one)."""
    with state.db.read() as db:
        return CaseList(cases=intake.by_provisional(db, kiosk_id, provisional_no))


@router.post("/lookup", response_model=CaseList,
             responses={429: {"description": '`{"code": "lookup_rate_limited"}` + Retry-After: too many lookups'}})
def lookup(state: StateDep, caller: CallerDep, query: CaseLookup) -> CaseList:
    """A citizen's own cases, by the document the kiosk just read (POST keeps the number out of URLs).

    Counted against the kiosk's limit on lookups by ID number, and audited.
    """

    def answer() -> CaseList:
        with state.db.read() as db:
            return CaseList(cases=intake.by_applicant(db, state.keys, query.id_type, query.id_number))

    return id_lookups.audited(state, caller, "case-lookup", query.id_type, query.id_number, answer,
                              lambda found: bool(found.cases))


@router.get("/{case_no}", response_model=CaseOut,
            responses={404: {"description": "no case with this number filed at this kiosk's site"}})
def progress(state: StateDep, caller: CallerDep, case_no: str) -> CaseOut:
    """A case filed at this kiosk's site, and its status history.

    A case of another site is answered like one that does not exist: numbers are sequential, and a
    kiosk must not learn other sites' cases by counting. A citizen's case from anywhere is found by
    their card in the case-progress query.
    """
    with state.db.read() as db:
        try:
            return intake.case_out(intake.case_at_site(db, case_no, caller.site_id))
        except intake.UnknownCase:
            raise HTTPException(404, f"no case {case_no[:64]} at this kiosk's site") from None
