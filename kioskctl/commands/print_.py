"""``kioskctl print ticket|receipt``: print a queue ticket or an acceptance receipt on a printer."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import typer

from drivers import registry
from drivers.printer.device import ReceiptPrinter
from drivers.printer.document import Document, InvalidDocument
from drivers.printer.render import render
from drivers.printer.templates import acceptance_receipt, queue_ticket
from kioskctl.daemon import settings_or_exit
from kioskctl.output import USAGE, driver_errors, emit, fail

NAME = "print"
app = typer.Typer(help="Print a queue ticket or an acceptance receipt.", no_args_is_help=True)


def _hall_now() -> datetime:
    """Now in the hall's time zone (KIOSK_TIMEZONE), as kioskd prints it, whatever the machine's zone."""
    return datetime.now(ZoneInfo(settings_or_exit().timezone))


def _print(device: str, build, as_json: bool) -> None:
    with driver_errors():
        printer = registry.create("printer", device)
    assert isinstance(printer, ReceiptPrinter)
    try:
        doc: Document = build()
        render(doc, printer.profile)  # refuse bad input before touching the printer
    except InvalidDocument as exc:
        fail(str(exc), USAGE)
    with driver_errors():
        try:
            printer.print_document(doc)
        finally:
            printer.close()
    result = {"printed": True, "device": device}
    png = getattr(printer, "last_png", None)
    if png is not None:
        result["png"] = str(png)
    emit(result, as_json=as_json)


@app.command()
def ticket(
    device: str = typer.Option(..., help="printer URI, e.g. tcp://127.0.0.1:9100 or sim:///tmp/pages"),
    number: str = typer.Option(..., help="ticket number, e.g. A012"),
    service: str = typer.Option(..., help="service name, e.g. 社保业务"),
    waiting: int = typer.Option(..., min=0, help="people ahead in the queue"),
    qr: str | None = typer.Option(None, help="text for the progress / 好差评 QR code"),
    hall: str = typer.Option("政务服务中心", help="hall name printed at the top"),
    name: str | None = typer.Option(None, help="applicant name (printed masked, e.g. 张*)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON only"),
) -> None:
    """Print a queue ticket (排队取号票)."""
    _print(device, lambda: queue_ticket(number=number, service=service, waiting=waiting, qr=qr, hall=hall,
                                        name=name, issued_at=_hall_now()), as_json)


@app.command()
def receipt(
    device: str = typer.Option(..., help="printer URI"),
    item: str = typer.Option(..., help="事项 name"),
    applicant: str = typer.Option(..., help="applicant name (printed masked)"),
    promised: str = typer.Option(..., help="promised completion date, e.g. 2026-11-28"),
    progress: str = typer.Option("拨打 12345 或登录政务服务网，输入编号查询办理进度。", help="how to follow progress"),
    case_number: str | None = typer.Option(None, help="办件编号"),
    provisional: str | None = typer.Option(None, help="provisional number when there is no case number yet"),
    material: list[str] = typer.Option([], help="a material received (repeat the option)"),
    qr: str | None = typer.Option(None, help="text for the progress QR code"),
    hall: str = typer.Option("政务服务中心", help="hall name"),
    as_json: bool = typer.Option(False, "--json", help="print JSON only"),
) -> None:
    """Print an acceptance receipt (受理回执)."""
    _print(device, lambda: acceptance_receipt(
        item=item, applicant=applicant, materials=material, promised_date=promised, progress=progress,
        submitted_at=_hall_now(), case_number=case_number, provisional_number=provisional, qr=qr, hall=hall,
    ), as_json)
