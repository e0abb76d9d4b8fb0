"""``/v1/hub``: the link to the hub, and enrolment with a pairing code (``kioskctl enroll``, the maintenance screen)."""

from __future__ import annotations

import logging

from fastapi import APIRouter

from local_api.enrolment import EnrolFailed, exchange
from local_api.errors import BadRequest
from local_api.routes.health import hub_health
from local_api.schemas import HubEnrolIn, HubEnrolOut, HubHealth
from local_api.settings import check_hub_url
from local_api.state import DaemonDep

router = APIRouter(prefix="/hub")
log = logging.getLogger(__name__)

_ANSWERS = {
    409: {"description": 'the hub refused the code: `{"detail", "code", "hub_status"}` with its status and code '
                         "(pairing_code_unknown, _used, _expired, _malformed, kiosk_revoked, too_many_attempts)"},
    422: {"description": "the hub address is not one kioskd takes; `detail` says what to write"},
    502: {"description": '`{"detail", "code": "unreachable" | "tls_error" | "wrong_url"}`: no kioskhub answered'},
    504: {"description": '`{"detail", "code": "unreachable"}`: the hub did not answer in time'},
}


@router.get("", response_model=HubHealth)
def hub_state(daemon: DaemonDep) -> HubHealth:
    return hub_health(daemon)


@router.post("/enrol", response_model=HubEnrolOut, responses=_ANSWERS)
def enrol(body: HubEnrolIn, daemon: DaemonDep) -> HubEnrolOut:
    """Exchange the code for this kiosk's id, site and token, store them (0600) and use them at once."""
    try:
        hub_url = check_hub_url(body.hub_url)
    except ValueError as exc:  # the settings' own check, shared with KIOSK_HUB_URL
        raise BadRequest(f"hub address: {exc}", code="bad_hub_url") from None
    try:
        enrolment = exchange(hub_url, body.code)
    except EnrolFailed as exc:
        log.warning("enrolment with the hub failed", extra={"hub": hub_url, "refusal": exc.code,
                                                            "hub_status": exc.hub_status})
        raise
    daemon.hub.enrol(enrolment)
    if daemon.hub_probe is not None:
        daemon.hub_probe.check_now()  # the answer says at once whether the new credentials work
    return HubEnrolOut(kiosk_id=daemon.hub.kiosk_id, enrolled_kiosk_id=enrolment.kiosk_id, site_id=enrolment.site_id,
                       hub_url=enrolment.hub_url, overridden_by=daemon.hub.overrides(), hub=hub_health(daemon))
