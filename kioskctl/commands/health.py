"""``kioskctl health``: is kioskd up, and are its devices well."""

from __future__ import annotations

import typer

from kioskctl.daemon import DaemonClient, settings_or_exit
from kioskctl.output import FAILED, emit

NAME = "health"


def app(as_json: bool = typer.Option(False, "--json", help="print JSON only")) -> None:
    """Ask the running kioskd for its health."""
    data = DaemonClient(settings_or_exit()).request("GET", "/health")
    emit(data, as_json=as_json)
    if data.get("status") != "ok":
        raise typer.Exit(FAILED)
