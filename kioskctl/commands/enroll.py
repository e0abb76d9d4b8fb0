"""``kioskctl enroll --hub URL --code CODE``: enrol this kiosk with the hub using a one-time pairing code."""

from __future__ import annotations

import sys

import typer

from kioskctl.daemon import DaemonClient, settings_or_exit
from kioskctl.output import FAILED, emit

NAME = "enroll"

WHY = {"KIOSK_HUB_URL": "the hub's address", "KIOSK_HUB_TOKEN": "the token", "KIOSK_KIOSK_ID": "the kiosk id"}


def app(
    hub: str = typer.Option(..., "--hub", help="the hub's address: scheme, host and port, e.g. "
                                               "https://intake.example.gov.cn"),
    code: str = typer.Option(..., "--code", help="the pairing code from 'kioskhub kiosks add --pairing' (or "
                                                 "'kiosks rotate --pairing'), e.g. K7QF-3MXP; it works once"),
    as_json: bool = typer.Option(False, "--json", help="print JSON only"),
) -> None:
    """Enrol this kiosk with the hub using a one-time pairing code.

    kioskd exchanges the code for the kiosk's id, site and token, keeps them in hub-enrolment.json (0600).

    They are used at once, without a restart; KIOSK_HUB_URL/_TOKEN and KIOSK_KIOSK_ID, where set, still win.

    Exit 0 when the hub takes the new credentials; 1 when it does not; 2 for a wrong code or address; 3 no answer.
    """
    data = DaemonClient(settings_or_exit(), timeout=40.0).request("POST", "/hub/enrol",
                                                                   json={"hub_url": hub, "code": code})
    emit(data, as_json=as_json, human=_human)
    state = (data.get("hub") or {}).get("state")
    if state != "ok":
        detail = (data.get("hub") or {}).get("detail") or ""
        sys.stderr.write(f"kioskctl: enrolled, but the hub is {state}: {detail}\n")
        raise typer.Exit(FAILED)


def _human(data: dict) -> str:
    hub = data.get("hub") or {}
    lines = [f"kiosk {data['enrolled_kiosk_id']} (site {data['site_id']}) is enrolled with the hub at "
             f"{data['hub_url']}; kioskd uses it now",
             f"hub: {hub.get('state')}" + (f" - {hub['detail']}" if hub.get("detail") else "")]
    for name in data.get("overridden_by") or []:
        lines.append(f"note: {name} is set in kioskd's settings and wins over the enrolled "
                     f"{WHY.get(name, 'value')}; remove it there and restart kioskd to use the enrolment")
    if data.get("kiosk_id") != data.get("enrolled_kiosk_id"):
        lines.append(f"note: kioskd goes by {data.get('kiosk_id')} (KIOSK_KIOSK_ID), which the hub refuses with "
                     f"this token")
    return "\n".join(lines)
