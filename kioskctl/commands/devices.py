"""``kioskctl devices``: the configured devices and their status, via kioskd or directly."""

from __future__ import annotations

from typing import Any

import typer

from kioskctl.daemon import DaemonClient, settings_or_exit
from kioskctl.output import FAILED, emit, fail

NAME = "devices"


def _direct(settings: Any) -> list[dict[str, Any]]:
    from drivers.errors import DriverError
    from local_api.devices import DeviceManager
    from local_api.settings import ConfigError

    try:
        manager = DeviceManager(settings)
    except ConfigError as exc:
        fail(str(exc), 2)
    rows = []
    for slot in manager.slots.values():
        try:
            slot.device.open()
            status = slot.device.probe().to_dict()
        except DriverError as exc:
            status = {"health": "offline", "message": str(exc), "sensors": {}}
        finally:
            slot.device.close()
        rows.append({"name": slot.name, "kind": slot.device.kind, "uri": slot.uri,
                     "simulated": slot.simulated, "status": status})
    return rows


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "no devices configured (set KIOSK_DEVICES=sim or KIOSK_ID_READER, KIOSK_PRINTER, ...)"
    lines = [f"{'DEVICE':<10} {'HEALTH':<8} {'URI':<40} MESSAGE"]
    for r in rows:
        lines.append(f"{r['name']:<10} {r['status']['health']:<8} {r['uri']:<40} {r['status'].get('message', '')}")
    return "\n".join(lines)


def app(
    as_json: bool = typer.Option(False, "--json", help="print JSON only"),
    direct: bool = typer.Option(False, "--direct", help="open the devices here instead of asking kioskd"),
) -> None:
    """List the configured devices with their status."""
    settings = settings_or_exit()
    client = DaemonClient(settings, offline_hint="use --direct to open the devices here")
    rows = _direct(settings) if direct else client.request("GET", "/devices")
    emit(rows, as_json=as_json, human=_table)
    if any(r["status"]["health"] not in ("online",) for r in rows):
        raise typer.Exit(FAILED)
