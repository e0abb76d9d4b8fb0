"""``kioskctl printer status``: ask a receipt printer how it is (DLE EOT 1..4)."""

from __future__ import annotations

import typer

from drivers import registry
from drivers.errors import DeviceNotFound, DeviceTimeout
from drivers.printer.device import ReceiptPrinter
from drivers.printer.status import UNKNOWN
from kioskctl.daemon import DaemonClient, settings_or_exit
from kioskctl.output import NOTHING, driver_errors, emit, fail

NAME = "printer"
app = typer.Typer(help="Receipt printer: status, and the jobs kioskd has waiting for it.", no_args_is_help=True)


@app.command()
def status(
    device: str = typer.Option(..., help="printer URI, e.g. tcp://127.0.0.1:9100 or sim:"),
    as_json: bool = typer.Option(False, "--json", help="print JSON only"),
) -> None:
    """Print online / paper / cover / error; exit 3 when the printer does not answer (off, unplugged, silent)."""
    with driver_errors():
        printer = registry.create("printer", device)
        assert isinstance(printer, ReceiptPrinter)
        try:
            result = printer.check()
        except (DeviceNotFound, DeviceTimeout) as exc:
            # Nothing at the address is "no answer" too: the same unknown status as a silent printer, exit 3.
            emit(UNKNOWN.to_dict(), as_json=as_json)
            fail(str(exc), NOTHING)
        finally:
            printer.close()
    emit(result.to_dict(), as_json=as_json)
    if not result.answered:
        raise typer.Exit(NOTHING)


def _show_jobs(data: dict) -> str:
    jobs = data.get("jobs") or []
    if not jobs:
        return "no print job is waiting"
    return "\n".join(f"{j['job_id']}  {j['status']}  {j['message']}" for j in jobs)


@app.command()
def jobs(as_json: bool = typer.Option(False, "--json", help="print JSON only")) -> None:
    """The jobs kioskd has waiting for the printer (paper out, cover open, no answer), oldest first."""
    emit(DaemonClient(settings_or_exit()).request("GET", "/print/jobs"), as_json=as_json, human=_show_jobs)


@app.command()
def resume(as_json: bool = typer.Option(False, "--json", help="print JSON only")) -> None:
    """Try the waiting jobs now, after loading paper or closing the cover; lists what still waits."""
    emit(DaemonClient(settings_or_exit()).request("POST", "/print/jobs/resume"), as_json=as_json, human=_show_jobs)


@app.command()
def cancel(job_id: str, as_json: bool = typer.Option(False, "--json", help="print JSON only")) -> None:
    """Cancel a waiting job so it never prints (a printed job stays printed)."""
    emit(DaemonClient(settings_or_exit()).request("POST", f"/print/jobs/{job_id}/cancel"), as_json=as_json)
