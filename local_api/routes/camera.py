"""``/v1/camera``: the live preview the capture screen and the technician's camera view show."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Response

from drivers.errors import DriverError
from local_api.state import DaemonDep

router = APIRouter(prefix="/camera")


@router.get("/preview.jpg", responses={200: {"content": {"image/jpeg": {}}}})
def preview_jpeg(daemon: DaemonDep) -> Response:
    """The capture step's live view while it runs; otherwise a frame read now (the technician's view)."""
    try:
        preview = daemon.runner.live_preview()
    except DriverError as exc:
        raise HTTPException(503, f"the document camera gave no frame: {exc}; check its cable and "
                                 "`kioskctl devices`") from None
    if preview is None:
        raise HTTPException(404, "this kiosk has no document camera open; see `kioskctl devices`")
    return Response(preview.jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


@router.get("/preview")
def preview_state(daemon: DaemonDep) -> dict[str, Any]:
    preview = daemon.runner.latest_preview
    if preview is None:
        raise HTTPException(404, "no preview yet: the camera shows one only during a capture step")
    return preview.to_dict()
