"""``/v1/print/jobs``: what waits for the printer, and a technician's cancel or resume."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException

from local_api.state import Daemon, DaemonDep

router = APIRouter(prefix="/print/jobs")


def _queue(daemon: Daemon) -> Any:
    if daemon.print_queue is None:
        raise HTTPException(404, "this kiosk has no printer; set KIOSK_PRINTER")
    return daemon.print_queue


@router.get("")
def waiting(daemon: DaemonDep) -> dict[str, Any]:
    """Jobs still waiting (for paper, a closed cover, a printer that answers), oldest first."""
    return {"jobs": [state.to_dict() for state in _queue(daemon).pending()]}


@router.post("/resume")
def resume(daemon: DaemonDep) -> dict[str, Any]:
    """Try the waiting jobs now (kioskd also does so by itself every few seconds); what still waits."""
    _queue(daemon)
    daemon.runner.resume_printing()
    return waiting(daemon)


@router.post("/{job_id}/cancel", responses={404: {"description": "no such job"}})
def cancel(job_id: str, daemon: DaemonDep) -> dict[str, Any]:
    """Cancel a job that has not printed (a printed job stays printed)."""
    try:
        return _queue(daemon).cancel(job_id).to_dict()
    except KeyError:
        raise HTTPException(404, f"no print job {job_id!r}; `kioskctl printer jobs` lists those waiting") from None
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
