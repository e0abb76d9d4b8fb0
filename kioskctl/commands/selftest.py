"""``kioskctl selftest``: run kioskd's self-test of every device (optionally printing the slip).

Exit codes: 0 every device passed; 1 a check failed (or kioskd refused: a citizen is using the
kiosk), with one line on stderr naming the device and what to do; 2 usage; 3 kioskd did not answer
in time — not running counts as not answering here, so a script can tell "the kiosk has a fault"
(1) from "the self-test could not run" (3).
"""

from __future__ import annotations

from typing import Any

import httpx
import typer

from kioskctl.daemon import DaemonClient, http_error, settings_or_exit
from kioskctl.output import FAILED, NOTHING, USAGE, emit, fail

NAME = "selftest"


def _table(data: dict[str, Any]) -> str:
    verdict = "all devices ok" if data.get("ok") else "SOME CHECKS FAILED"
    lines = [f"self-test of {data.get('kiosk_id')} at {data.get('at')}: {verdict}", "",
             f"{'DEVICE':<10} {'RESULT':<6} {'STATE':<8} DETAIL"]
    for name, d in (data.get("devices") or {}).items():
        lines.append(f"{name:<10} {'ok' if d.get('ok') else 'FAIL':<6} {d.get('state')!s:<8} {d.get('detail', '')}")
    if not data.get("devices"):
        lines.append("(no devices configured: set KIOSK_DEVICES=sim or KIOSK_ID_READER, KIOSK_PRINTER, ...)")
    hub = data.get("hub") or {}
    lines += ["", f"hub       {hub.get('state', 'unknown')}" + (f"  {hub['detail']}" if hub.get("detail") else ""),
              "versions  " + ", ".join(f"{k} {v}" for k, v in sorted((data.get("versions") or {}).items()))]
    return "\n".join(lines)


def app(
    print_slip: bool = typer.Option(False, "--print", help="also print a self-test slip on the receipt printer"),
    as_json: bool = typer.Option(False, "--json", help="print JSON only"),
    timeout: float = typer.Option(60.0, "--timeout", min=1.0, help="seconds to wait for kioskd's answer"),
) -> None:
    """Check every device through kioskd: ID reader and its SAM, printer paper and cover, camera sharpness, voice."""
    settings = settings_or_exit()
    client = DaemonClient(settings, timeout=timeout)
    try:
        response = client.http.post("/selftest", json={"print": print_slip})
    except httpx.TimeoutException:
        fail(f"kioskd at {client.base} did not answer within {timeout:g} s; check `kioskctl health` and its log, "
             "or give --timeout more", NOTHING)
    except httpx.TransportError:
        fail(f"kioskd is not answering at {client.base}; start it (systemctl start kioskd) and run the self-test "
             "again", NOTHING)
    if response.status_code == 401:
        fail("kioskd refused the API token; run kioskctl with the same KIOSK_DATA_DIR as kioskd", FAILED)
    if response.status_code == 422:
        fail(http_error(response), USAGE)
    if response.status_code >= 400:
        fail(http_error(response), FAILED)
    try:
        data = response.json()
    except ValueError:
        fail(f"kioskd answered {response.status_code} with a body that is not JSON; is {client.base} kioskd?", FAILED)
    emit(data, as_json=as_json, human=_table)
    failed = [(name, d) for name, d in (data.get("devices") or {}).items() if not d.get("ok")]
    if failed:
        what = "; ".join(f"{name}: {d.get('detail', '')}" for name, d in failed)
        fail(f"self-test failed: {what}; fix it and run kioskctl selftest again", FAILED)
    if not data.get("ok"):
        fail("self-test failed: no devices are configured; set KIOSK_DEVICES or the device URIs", FAILED)
