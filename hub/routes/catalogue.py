"""Kiosks fetch their site's signed catalogue: ``GET /api/v1/catalogue`` (the newest version) and the bundle itself."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response
from pydantic import BaseModel

from hub import catalogue_bundles
from hub.state import CallerDep, StateDep

router = APIRouter(prefix="/api/v1", tags=["kiosks"])


class CatalogueLatest(BaseModel):
    site: str
    version: int | None  # None: nothing published for the site; the kiosk keeps its shipped items


@router.get("/catalogue", response_model=CatalogueLatest)
def latest(state: StateDep, caller: CallerDep) -> CatalogueLatest:
    """The newest catalogue version published for the calling kiosk's site."""
    return CatalogueLatest(site=caller.site_id,
                           version=catalogue_bundles.latest_version(state.settings.data_dir, caller.site_id))


@router.get("/catalogue/{version}", response_class=Response)
def bundle(state: StateDep, caller: CallerDep, version: int) -> Response:
    """One version of the kiosk's site's bundle, as published (kioskd checks its signature before use)."""
    path = catalogue_bundles.bundle_path(state.settings.data_dir, caller.site_id, version)
    if version < 1 or not path.is_file():
        raise HTTPException(404, f"no catalogue version {version} for site {caller.site_id}")
    return Response(path.read_bytes(), media_type="application/x-tar", headers={"Cache-Control": "no-store"})
