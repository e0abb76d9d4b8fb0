"""``/v1/camera``: the live preview the capture screen and the technician's camera view show."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from local_api.errors import NoDevice, NotFound
from local_api.state import DaemonDep

router = APIRouter(prefix="/camera")


@router.get("/preview.jpg", responses={200: {"content": {"image/jpeg": {}}}, 404: {}, 503: {}})
def preview_jpeg(daemon: DaemonDep) -> Response:
    """The capture step's live view while it runs; otherwise a frame read now (the technician's view)."""
    preview = daemon.capture.live_preview()  # DeviceFailed (503) when the camera gives no frame
    if preview is None:
        raise NoDevice("this kiosk has no document camera open; see `kioskctl devices`")
    return Response(preview.jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


@router.get("/preview", responses={404: {}})
def preview_state(daemon: DaemonDep) -> dict[str, Any]:
    preview = daemon.capture.latest_preview
    if preview is None:
        raise NotFound("no preview yet: the camera shows one only during a capture step", code="no_preview")
    return preview.to_dict()
