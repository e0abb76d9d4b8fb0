"""A4 printing: time from the print request to the job completed on ippeveprinter, for a real certificate.

Run: .venv/bin/python tests/bench/bench_a4.py [--runs N]
The baseline is one Get-Printer-Attributes round trip to the same printer, in the same process; the
ratio says how many such round trips a whole print costs (readiness check, the attempt's earlier jobs,
Print-Job with the PDF, following the job to "completed"). ippeveprinter "prints" by running a
command that returns at once, so what is measured is the kiosk's side and IPP, not paper moving.
The same is measured through a cupsd raw queue when cupsd is installed.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from drivers import registry  # noqa: E402
from drivers.a4_printer import ipp  # noqa: E402
from tests.a4_documents import certificate_pdf  # noqa: E402
from tests.bench.timing import interleaved  # noqa: E402
from tests.ipp_printers import IppEvePrinter, SystemBus, missing_tools  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    if reason := missing_tools():
        sys.exit(reason)
    pdf = certificate_pdf()
    bus = SystemBus().start()
    with tempfile.TemporaryDirectory() as tmp:
        server = IppEvePrinter(bus, Path(tmp) / "printer").start()
        try:
            printer = registry.create("a4_printer", server.uri)
            numbers = itertools.count()
            completed: list[str] = []

            def status() -> None:
                printer.check()

            def print_one() -> None:
                outcome = printer.print_pdf(pdf, attempt_id=f"bench-{next(numbers)}")
                completed.append(outcome.state)

            def print_job_alone() -> None:
                response = printer.client.call(ipp.PRINT_JOB, operation_attrs=(
                    ipp.Attr.of("requesting-user-name", ipp.NAME, "bench"),
                    ipp.Attr.of("document-format", ipp.MIME, "application/pdf")), data=pdf)
                assert response.ok, response.status_name
                job_id = response.group(ipp.JOB)["job-id"][0]
                while True:  # wait for it unmeasured-ly close to its end, so the next job is not refused busy
                    job = printer.client.call(ipp.GET_JOB_ATTRIBUTES, operation_attrs=(
                        ipp.Attr.of("job-id", ipp.INTEGER, job_id),))
                    if job.group(ipp.JOB).get("job-state", [0])[0] >= 7:
                        return
                    time.sleep(0.005)

            print_one()  # warm up (first connection, the printer's first job)
            base_ms, print_ms, raw_ms = interleaved([status, print_one, print_job_alone], args.runs)
            assert set(completed) == {"completed"}, completed
            printed = len(server.printed())
        finally:
            server.stop()
            bus.stop()

    cups_ms = cups_path(pdf, args.runs)

    print(f"Get-Printer-Attributes round trip (baseline)            {base_ms:8.1f} ms median of {args.runs}")
    print(f"print request → job completed (A4Printer.print_pdf)     {print_ms:8.1f} ms   x{print_ms / base_ms:.1f}")
    print(f"Print-Job + tight Get-Job-Attributes polling, no checks {raw_ms:8.1f} ms   x{raw_ms / base_ms:.1f}")
    print(f"certificate PDF {len(pdf):,} bytes; {printed} copies came out for {2 * args.runs + 1} jobs sent")
    if cups_ms is not None:
        print(f"through a CUPS queue (cups://, raw queue): status {cups_ms[0]:.1f} ms, print request → completed "
              f"{cups_ms[1]:.1f} ms   x{cups_ms[1] / cups_ms[0]:.1f}")
    print(f"load average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


def cups_path(pdf: bytes, runs: int) -> list[float] | None:
    """The same through cupsd with a raw queue (its backend returns at once); None without cupsd."""
    from tests.cups_server import CupsServer, missing

    if missing():
        return None
    server = CupsServer().start()
    try:
        printer = registry.create("a4_printer", server.uri)
        numbers = itertools.count()
        printer.print_pdf(pdf, attempt_id="bench-cups-warm")
        return interleaved([printer.check, lambda: printer.print_pdf(pdf, attempt_id=f"bench-cups-{next(numbers)}")],
                           runs)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
