"""``kioskctl queue take``: take a queue number through the running kioskd (hub, or the kiosk's block)."""

from __future__ import annotations

import typer

from kioskctl.daemon import DaemonClient, settings_or_exit
from kioskctl.output import emit

NAME = "queue"
app = typer.Typer(help="Queue tickets (取号).", no_args_is_help=True)


@app.command()
def take(
    service: str = typer.Option(..., "--service", help="service code, or its ticket letter such as A"),
    no_print: bool = typer.Option(False, "--no-print", help="do not print the ticket"),
    as_json: bool = typer.Option(False, "--json", help="print JSON only"),
) -> None:
    """Take a number: from the hub, or from the kiosk's own Z block when the hub cannot be reached."""
    body = DaemonClient(settings_or_exit()).request("POST", "/queue/tickets",
                                                    json={"service": service, "print": not no_print})
    emit(body, as_json=as_json)
