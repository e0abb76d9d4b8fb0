"""``kioskctl a4 status|print``: an A4 printer over IPP (or its simulator), directly by URI."""

from __future__ import annotations

import uuid
from pathlib import Path

import typer

from drivers import registry
from drivers.a4_printer.status import UNKNOWN, PrintOutcome
from drivers.errors import DeviceNotFound, DeviceTimeout, DriverError
from kioskctl.output import FAILED, NOTHING, USAGE, driver_errors, emit, fail

NAME = "a4"
app = typer.Typer(help="A4 printer (IPP Everywhere, CUPS queue): status and printing a PDF.", no_args_is_help=True)

DEVICE_HELP = "A4 printer URI, e.g. ipp://192.168.1.60/ipp/print, cups://A4 or sim:///tmp/a4"


def _printer(device: str):
    with driver_errors():
        return registry.create("a4_printer", device)


def _show_status(data: dict) -> str:
    reasons = ", ".join(data["reasons"]) or "none"
    return f"state    {data['state']}\nreasons  {reasons}\nmedia    {data['media']}"


@app.command()
def status(
    device: str = typer.Option(..., help=DEVICE_HELP),
    as_json: bool = typer.Option(False, "--json", help="print JSON only"),
) -> None:
    """State (idle / processing / stopped), reasons and media from the printer itself; exit 3 when nothing answers."""
    printer = _printer(device)
    with driver_errors():
        try:
            state = printer.check()
        except (DeviceNotFound, DeviceTimeout) as exc:
            emit(UNKNOWN.to_dict(), as_json=as_json, human=_show_status)
            fail(str(exc), NOTHING)
        finally:
            printer.close()
    emit(state.to_dict(), as_json=as_json, human=_show_status)


def _show_outcome(data: dict) -> str:
    job = f"job {data['job_id']}" if data.get("job_id") else "no job"
    return f"{job}: {data['state']} — {data['message']}"


@app.command(name="print")
def print_pdf(
    file: Path = typer.Argument(..., help="the PDF to print"),
    device: str = typer.Option(..., help=DEVICE_HELP),
    attempt: str | None = typer.Option(None, help="attempt id; the same id again never prints a second copy "
                                       "(default: a new one, i.e. a new copy)"),
    timeout: float = typer.Option(120.0, min=1, max=3600, help="seconds the job may take to finish"),
    as_json: bool = typer.Option(False, "--json", help="print JSON only"),
) -> None:
    """Print one PDF and wait for the job's end: completed (exit 0), aborted/canceled or refused (1), unknown (3)."""
    if not file.is_file():
        fail(f"{file} is not a file; give the path of a PDF", USAGE)
    data = file.read_bytes()
    if not data.startswith(b"%PDF-"):
        fail(f"{file} is not a PDF (it does not start with %PDF-); export the document as PDF first", USAGE)
    attempt_id = attempt or f"kioskctl-{uuid.uuid4().hex[:12]}"
    printer = _printer(device)
    try:
        outcome: PrintOutcome = printer.print_pdf(data, attempt_id=attempt_id, timeout=timeout)
    except ValueError as exc:
        fail(str(exc), USAGE)
    except DriverError as exc:
        refused = {"attempt_id": attempt_id, "job_id": None, "state": "refused", "message": str(exc)}
        emit(refused, as_json=as_json, human=_show_outcome)
        fail(str(exc), NOTHING if isinstance(exc, DeviceNotFound | DeviceTimeout) else FAILED)
    finally:
        printer.close()
    emit(outcome.to_dict(), as_json=as_json, human=_show_outcome)
    if outcome.state == "unknown":
        fail(outcome.message, NOTHING)
    if not outcome.printed:
        fail(outcome.message, FAILED)
