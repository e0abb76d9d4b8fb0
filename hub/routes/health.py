"""GET /api/v1/health: no token needed."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from hub.state import StateDep

router = APIRouter()


@router.get("/api/v1/health")
async def health(state: StateDep) -> JSONResponse:
    """Liveness plus a database round trip; 503 when the database does not answer."""

    def ping() -> None:
        with state.db.read() as db:
            db.execute(text("SELECT 1"))

    try:
        await run_in_threadpool(ping)
    except SQLAlchemyError:
        body = {
            "status": "error",
            "service": "kioskhub",
            "database": state.db.dialect,
            "detail": "database unreachable",
        }
        return JSONResponse(body, status_code=503)
    return JSONResponse({"status": "ok", "service": "kioskhub", "database": state.db.dialect})
