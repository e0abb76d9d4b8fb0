"""Real IPP printers for the A4 tests: one private system bus per run, a fresh ippeveprinter per test."""

from __future__ import annotations

import pytest

from tests.ipp_printers import IppEvePrinter, SystemBus, missing_tools


@pytest.fixture(scope="session")
def system_bus():
    reason = missing_tools()
    if reason:
        pytest.skip(reason)
    bus = SystemBus().start()
    yield bus
    bus.stop()


@pytest.fixture()
def ippeve(system_bus, tmp_path):
    """Start printers on demand (``ippeve()`` or ``ippeve(formats=...)``); all are stopped after the test."""
    started: list[IppEvePrinter] = []

    def start(**options) -> IppEvePrinter:
        printer = IppEvePrinter(system_bus, tmp_path / f"printer{len(started)}", **options).start()
        started.append(printer)
        return printer

    yield start
    for printer in started:
        printer.stop()


@pytest.fixture(scope="session")
def certificate_pdf() -> bytes:
    """A real certificate as the hub issues it (A4, CJK font, seal, QR, PAdES signature)."""
    from tests.a4_documents import certificate_pdf as build

    return build()


@pytest.fixture()
def cups():
    """Start a CUPS server with one queue (``cups(accepting=False)`` for one that refuses jobs)."""
    from tests.cups_server import CupsServer, missing

    if reason := missing():
        pytest.skip(reason)
    started = []

    def start(**options):
        server = CupsServer(**options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
