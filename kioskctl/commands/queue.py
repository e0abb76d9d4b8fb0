"""``kioskctl queue``: take a number or check an appointment in through the running kioskd."""

from __future__ import annotations

from enum import StrEnum

import typer

from kioskctl.daemon import DaemonClient, settings_or_exit
from kioskctl.output import emit

NAME = "queue"
app = typer.Typer(help="Queue tickets (取号) and appointment check-in (预约签到).", no_args_is_help=True)


class Declared(StrEnum):
    pregnant = "pregnant"
    disability = "disability"


@app.command()
def take(
    service: str = typer.Option(..., "--service", help="service code, or its ticket letter such as A"),
    priority: Declared | None = typer.Option(None, "--priority", help="declared priority: pregnant or disability"),
    no_print: bool = typer.Option(False, "--no-print", help="do not print the ticket"),
    as_json: bool = typer.Option(False, "--json", help="print JSON only"),
) -> None:
    """Take a number: from the hub, or from the kiosk's own Z block when the hub cannot be reached."""
    body = DaemonClient(settings_or_exit()).request(
        "POST", "/queue/tickets",
        json={"service": service, "priority": priority.value if priority else None, "print": not no_print})
    emit(body, as_json=as_json)


@app.command("check-in")
def check_in(
    qr: str = typer.Option(..., "--qr", help="the text of the appointment's QR code (KIOSKAPPT:...)"),
    no_print: bool = typer.Option(False, "--no-print", help="do not print the ticket"),
    as_json: bool = typer.Option(False, "--json", help="print JSON only"),
) -> None:
    """Check an appointment in by its QR text; a refusal (too early, too late, ...) exits 2 and prints nothing."""
    body = DaemonClient(settings_or_exit()).request("POST", "/queue/check-in",
                                                    json={"qr": qr, "print": not no_print})
    emit(body, as_json=as_json)


@app.command("local")
def local(as_json: bool = typer.Option(False, "--json", help="print JSON only")) -> None:
    """Numbers issued from the kiosk's own block: how many still wait to reach the hub."""
    emit(DaemonClient(settings_or_exit()).request("GET", "/queue/local-tickets"), as_json=as_json)
