"""The A4 printer's driver against a real cupsd with a queue (cups://QUEUE), started by the test itself."""

from __future__ import annotations

import pytest

from drivers import registry
from drivers.a4_printer.device import A4Printer
from drivers.base import Health
from drivers.errors import DriverError, PaperOut


def queue(uri: str, **options: str) -> A4Printer:
    query = "&".join(f"{k}={v}" for k, v in options.items())
    device = registry.create("a4_printer", f"{uri}&{query}" if query else uri)
    assert isinstance(device, A4Printer)
    return device


@pytest.mark.parametrize("over", ["tcp", "socket"])
def test_a_certificate_prints_through_a_cups_queue_once_per_attempt(cups, certificate_pdf, over):
    server = cups()
    printer = queue(server.uri if over == "tcp" else server.socket_uri)
    assert printer.check().to_dict() == {"state": "idle", "reasons": [], "media": "ok"}
    assert printer.probe().health is Health.ONLINE

    outcome = printer.print_pdf(certificate_pdf, attempt_id="cups-1")
    assert outcome.state == "completed"
    again = queue(server.uri).print_pdf(certificate_pdf, attempt_id="cups-1")  # another process, same attempt
    assert again.duplicate_avoided and again.job_id == outcome.job_id
    assert server.printed() == ["cups-1"]


def test_a_backend_out_of_paper_stops_the_queue_the_job_is_cancelled_and_the_next_refused(cups, certificate_pdf):
    server = cups()
    server.set_mode("empty")
    printer = queue(server.uri, job_timeout="4")
    outcome = printer.print_pdf(certificate_pdf, attempt_id="cups-empty")
    assert outcome.state == "canceled" and "load A4 paper" in outcome.message, outcome
    assert server.printed() == []

    state = printer.check()
    assert state.to_dict() == {"state": "stopped", "reasons": ["media-empty", "paused"], "media": "empty"}
    assert printer.probe().health is Health.OFFLINE
    with pytest.raises(PaperOut, match="load A4 paper") as refused:
        printer.print_pdf(certificate_pdf, attempt_id="cups-next")
    assert refused.value.job_sent is False and server.printed() == []


def test_a_queue_that_does_not_accept_jobs_is_refused_with_what_to_do(cups, certificate_pdf):
    server = cups(accepting=False)
    printer = queue(server.uri)
    assert printer.probe().health is Health.OFFLINE
    with pytest.raises(DriverError, match="not accepting jobs; enable it"):
        printer.print_pdf(certificate_pdf, attempt_id="cups-rej")
    assert server.printed() == []


def test_an_unknown_queue_is_an_error_naming_the_queue(cups):
    server = cups()
    printer = queue(server.uri.replace("cups://A4", "cups://Nope"))
    with pytest.raises(DriverError, match="client-error-not-found"):
        printer.check()
