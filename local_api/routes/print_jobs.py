"""``/v1/print/jobs``: what waits for the printer, and a technician's cancel or resume."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from local_api.state import DaemonDep

router = APIRouter(prefix="/print/jobs")


@router.get("", responses={404: {"description": "no printer"}})
def waiting(daemon: DaemonDep) -> dict[str, Any]:
    """Jobs still waiting (for paper, a closed cover, a printer that answers), oldest first."""
    return {"jobs": [state.to_dict() for state in daemon.printing.queue().pending()]}


@router.post("/resume", responses={404: {"description": "no printer"}})
def resume(daemon: DaemonDep) -> dict[str, Any]:
    """Try the waiting jobs now (kioskd also does so by itself every few seconds); what still waits."""
    daemon.printing.queue()
    daemon.printing.resume()
    return waiting(daemon)


@router.post("/{job_id}/cancel", responses={404: {"description": "no printer, or no such job"}, 422: {}})
def cancel(job_id: str, daemon: DaemonDep) -> dict[str, Any]:
    """Cancel a job that has not printed (a printed job stays printed)."""
    return daemon.printing.cancel(job_id).to_dict()
