"""``kioskctl sim printer``: a virtual ESC/POS printer on TCP that renders each job to a PNG."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import typer

from drivers.errors import InvalidDeviceUri
from drivers.printer.profiles import profile_named
from drivers.printer.sim import PAPER_STATES, PrinterSimServer, VirtualPrinter
from kioskctl.output import USAGE, fail

NAME = "printer"

_HELP_CONTROL = "paper ok|near_end|out · cover open|closed · silent on|off · stall on|off"


def _control(printer: VirtualPrinter, line: str) -> str:
    words = line.split()
    if len(words) == 2 and words[0] == "paper" and words[1] in PAPER_STATES:
        printer.set_paper(words[1])
    elif len(words) == 2 and words[0] == "cover" and words[1] in ("open", "closed"):
        printer.set_cover_open(words[1] == "open")
    elif len(words) == 2 and words[0] == "silent" and words[1] in ("on", "off"):
        printer.silent = words[1] == "on"
    elif len(words) == 2 and words[0] == "stall" and words[1] in ("on", "off"):
        printer.stall_after = printer.received if words[1] == "on" else None
    else:
        return f"? unknown control {line.strip()!r}; use: {_HELP_CONTROL}"
    return f"ok paper={printer.paper} cover_open={printer.cover_open} silent={printer.silent}"


def command(
    listen: str = typer.Option("127.0.0.1:9100", help="HOST:PORT to accept ESC/POS on (port 0 picks one)"),
    out: Path = typer.Option(Path("var/printer-sim"), help="folder for job-NNNN.png and .txt"),
    paper: str = typer.Option("ok", help="initial paper state: ok, near_end or out"),
    cover_open: bool = typer.Option(False, "--cover-open", help="start with the cover open"),
    width: str = typer.Option("80mm", help="paper profile: 80mm (576 dots) or 58mm (384 dots)"),
) -> None:
    """Run a virtual receipt printer; type controls on stdin (paper out, cover open, ...)."""
    host, _, port_text = listen.rpartition(":")
    if not host or not port_text.isdigit():
        fail(f"--listen {listen!r} must be HOST:PORT, e.g. 127.0.0.1:9100", USAGE)
    if paper not in PAPER_STATES:
        fail(f"--paper must be one of {', '.join(PAPER_STATES)}", USAGE)
    try:
        profile = profile_named(width)
    except InvalidDeviceUri as exc:
        fail(str(exc), USAGE)
    printer = VirtualPrinter(out, profile, paper=paper, cover_open=cover_open)
    printer.on_job = lambda job: print(
        f"job {job.number}: {job.png}" + ("" if job.complete else " (partial)")
        + "".join(f"\n  ! {n}" for n in job.notes), flush=True)
    try:
        server = PrinterSimServer(printer, host, int(port_text)).start()
    except OSError as exc:
        fail(f"cannot listen on {listen}: {exc.strerror or exc}; pick another port")
    print(f"virtual printer on {host}:{server.port}, pages in {out} ({profile.name}); "
          f"controls on stdin: {_HELP_CONTROL}", flush=True)
    try:
        for line in sys.stdin:
            if line.strip():
                print(_control(printer, line), flush=True)
        threading.Event().wait()  # stdin closed: keep serving until interrupted
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
