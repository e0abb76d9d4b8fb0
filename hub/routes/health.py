"""GET /api/v1/health: no token needed."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import text

from hub.state import StateDep

router = APIRouter()


@router.get("/api/v1/health")
async def health(state: StateDep) -> dict[str, str]:
    """Liveness plus a database round trip."""

    def ping() -> None:
        with state.db.read() as db:
            db.execute(text("SELECT 1"))

    await run_in_threadpool(ping)
    return {"status": "ok", "service": "kioskhub", "database": state.db.dialect}
