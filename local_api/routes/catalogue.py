"""``GET /v1/catalogue``: the service-item catalogue kioskd serves, the previous one kept, and any refusal."""

from __future__ import annotations

from fastapi import APIRouter

from local_api.catalogue_updates import load_state
from local_api.state import DaemonDep

router = APIRouter()


@router.get("/catalogue")
def catalogue_status(daemon: DaemonDep) -> dict[str, object]:
    """``running``/``previous``: signed bundle versions (None: the shipped items and KIOSK_FLOWS_DIR)."""
    state = load_state(daemon.settings.data_dir)
    return {"version": daemon.catalogue_name(), "running": state.running, "previous": state.previous,
            "items_offered": len(daemon.sessions.catalog), "problem": state.problem or None,
            "updates": "on" if daemon.settings.catalogue_key else "off (no KIOSK_CATALOGUE_KEY)"}
