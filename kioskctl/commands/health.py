"""``kioskctl health``: is kioskd up, are its devices well, and does it reach the hub."""

from __future__ import annotations

import typer

from kioskctl.daemon import DaemonClient, settings_or_exit
from kioskctl.output import FAILED, emit

NAME = "health"

HUB_WORDS = {
    "ok": "ok",
    "unreachable": "unreachable (nothing answers, or it fails)",
    "unauthorised": "unauthorised (the hub refuses this kiosk's token: enrol it again)",
    "wrong_url": "wrong address (what answers is not the hub)",
    "tls_error": "TLS error (certificate or handshake)",
    "not_configured": "not configured",
}


def app(as_json: bool = typer.Option(False, "--json", help="print JSON only")) -> None:
    """Ask the running kioskd for its health: devices, service items, the hub and the outbox backlog.

    Exit 1 when degraded: a device not online, a definition left out, or no usable hub for KIOSK_HUB_DEGRADED_AFTER_S.
    """
    data = DaemonClient(settings_or_exit()).request("GET", "/health")
    emit(data, as_json=as_json, human=_human)
    if data.get("status") != "ok":
        raise typer.Exit(FAILED)


def _human(data: dict) -> str:
    lines = [f"status     {data.get('status')}", f"kiosk      {data.get('kiosk_id')}  (kioskd {data.get('version')}, "
             f"up {data.get('uptime_s', 0):.0f} s)"]
    devices = data.get("devices") or {}
    lines.append("devices    " + (", ".join(f"{k} {v}" for k, v in devices.items()) or "none"))
    lines.append(f"items      {data.get('items_offered', 0)} offered")
    lines.extend(f"problem    {p}" for p in data.get("catalog_problems") or [])
    hub = data.get("hub") or {}
    if hub:
        state = hub.get("state", "")
        lines.append(f"hub        {HUB_WORDS.get(state, state)}" + (f" at {hub['url']}" if hub.get("url") else ""))
        if hub.get("detail"):
            lines.append(f"           {hub['detail']}")
        lines.append(f"           last ok {hub.get('last_ok_at') or 'never since kioskd started'}; "
                     f"credentials from {hub.get('credentials', 'none')}")
    outbox = data.get("outbox") or {}
    if outbox:
        age = outbox.get("oldest_pending_age_s")
        waiting = f", the oldest for {age:.0f} s" if age is not None else ""
        lines.append(f"outbox     {outbox.get('pending', 0)} waiting to reach the hub{waiting}; "
                     f"{outbox.get('failed', 0)} failed")
    return "\n".join(lines)
