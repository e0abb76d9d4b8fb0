"""``/v1/camera``: the live preview the capture screen shows (frame + detected page outline)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Response

from local_api.state import DaemonDep

router = APIRouter(prefix="/camera")


@router.get("/preview.jpg", responses={200: {"content": {"image/jpeg": {}}}})
def preview_jpeg(daemon: DaemonDep) -> Response:
    preview = daemon.runner.latest_preview
    if preview is None:
        raise HTTPException(404, "no preview yet: the camera shows one only during a capture step")
    return Response(preview.jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


@router.get("/preview")
def preview_state(daemon: DaemonDep) -> dict[str, Any]:
    preview = daemon.runner.latest_preview
    if preview is None:
        raise HTTPException(404, "no preview yet: the camera shows one only during a capture step")
    return preview.to_dict()
