"""``/v1/selftest``: the technician's self-test of every device (and a slip), and its last result."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from local_api.errors import NotFound
from local_api.routes import health
from local_api.schemas import SelfTestRequest, SelfTestResult
from local_api.selftest_hub import probe_hub
from local_api.state import Daemon, DaemonDep

router = APIRouter(prefix="/selftest")

@router.post("", response_model=SelfTestResult, responses={409: {"description": "a session or a self-test is running"}})
def run_selftest(body: SelfTestRequest, daemon: DaemonDep) -> dict[str, Any]:
    """Check every device (ID reader and its SAM, printer paper and cover, a camera frame's sharpness, a spoken
    prompt), each within its own time limit; with ``print``, a self-test slip too. Refused during a session."""
    return daemon.selftest.run(print_slip=body.print)  # SessionBusy or SelfTestRunning: 409


@router.get("/last", response_model=SelfTestResult, responses={404: {"description": "never run here"}})
def last_selftest(daemon: DaemonDep) -> dict[str, Any]:
    """The last self-test's result, kept across restarts."""
    if daemon.selftest.last is None:
        raise NotFound("no self-test has run on this kiosk yet; POST /v1/selftest runs one", code="no_selftest")
    return daemon.selftest.last


def hub_state(daemon: Daemon) -> dict[str, Any]:
    """The hub's state as kioskd's health reports it; one look of our own when the health has none."""
    try:
        reported = getattr(health.health(daemon), "hub", None)
    except TypeError:  # the health route grew parameters of its own: look at the hub ourselves
        reported = None
    if reported is not None:
        return reported.model_dump(mode="json") if hasattr(reported, "model_dump") else dict(reported)
    return probe_hub(daemon.settings.hub_url, daemon.settings.hub_token)
