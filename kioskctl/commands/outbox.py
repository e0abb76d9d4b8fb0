"""``kioskctl outbox``: what is waiting to reach the central platform."""

from __future__ import annotations

import typer

from kioskctl.daemon import DaemonClient, settings_or_exit
from kioskctl.output import emit

NAME = "outbox"
app = typer.Typer(help="The store-and-forward outbox of submissions and ratings.", no_args_is_help=True)


@app.command()
def status(as_json: bool = typer.Option(False, "--json", help="print JSON only")) -> None:
    """Pending, failed and acknowledged counts, and the age of the oldest pending entry."""
    emit(DaemonClient(settings_or_exit()).request("GET", "/outbox/status"), as_json=as_json)


@app.command()
def lookup(provisional_no: str, as_json: bool = typer.Option(False, "--json", help="print JSON only")) -> None:
    """The hub's case number for a provisional number printed while the hub was away."""
    emit(DaemonClient(settings_or_exit()).request("GET", f"/outbox/provisional/{provisional_no}"), as_json=as_json)


@app.command()
def flush(as_json: bool = typer.Option(False, "--json", help="print JSON only")) -> None:
    """Send everything waiting now, without waiting out retry backoffs (after fixing the network)."""
    emit(DaemonClient(settings_or_exit()).request("POST", "/outbox/flush"), as_json=as_json)
