"""``kioskctl catalogue``: the service-item catalogue kioskd serves (signed bundles from the hub)."""

from __future__ import annotations

import typer

from kioskctl.daemon import DaemonClient, settings_or_exit
from kioskctl.output import emit

NAME = "catalogue"
app = typer.Typer(help="The service-item catalogue in use: running and previous versions.", no_args_is_help=True)


@app.command()
def status(as_json: bool = typer.Option(False, "--json", help="print JSON only")) -> None:
    """The running and previous bundle versions, the items offered, and why a bundle was refused or rolled back."""
    emit(DaemonClient(settings_or_exit()).request("GET", "/catalogue"), as_json=as_json)
