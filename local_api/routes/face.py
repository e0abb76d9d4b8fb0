"""``/v1/face``: the face check's live view for the screen (what to ask now, and a small frame of the camera)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from local_api.schemas import FaceLiveView
from local_api.state import DaemonDep

router = APIRouter(prefix="/face")


@router.get("/live")
def live(daemon: DaemonDep) -> FaceLiveView:
    """The running attempt's hint and actions; ``active`` false when no face check runs."""
    return daemon.face.live() if daemon.face is not None else FaceLiveView()


@router.get("/preview.jpg", responses={200: {"content": {"image/jpeg": {}}}, 204: {}})
def preview(daemon: DaemonDep) -> Response:
    """The latest camera frame of the running attempt (small JPEG); 204 when no face check runs."""
    jpeg = daemon.face.preview_jpeg() if daemon.face is not None else None
    if not jpeg:
        return Response(status_code=204, headers={"Cache-Control": "no-store"})
    return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})
