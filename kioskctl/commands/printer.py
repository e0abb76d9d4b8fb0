"""``kioskctl printer status``: ask a receipt printer how it is (DLE EOT 1..4)."""

from __future__ import annotations

import typer

from drivers import registry
from drivers.printer.device import ReceiptPrinter
from kioskctl.output import NOTHING, driver_errors, emit

NAME = "printer"
app = typer.Typer(help="Receipt printer: status.", no_args_is_help=True)


@app.command()
def status(
    device: str = typer.Option(..., help="printer URI, e.g. tcp://127.0.0.1:9100 or sim:"),
    as_json: bool = typer.Option(False, "--json", help="print JSON only"),
) -> None:
    """Print online / paper / cover / error; exit 3 when the printer does not answer."""
    with driver_errors():
        printer = registry.create("printer", device)
        assert isinstance(printer, ReceiptPrinter)
        try:
            result = printer.check()
        finally:
            printer.close()
    emit(result.to_dict(), as_json=as_json)
    if not result.answered:
        raise typer.Exit(NOTHING)
