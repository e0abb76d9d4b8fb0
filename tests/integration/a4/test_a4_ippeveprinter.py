"""The A4 printer's driver against CUPS's IPP Everywhere printer, ippeveprinter, as a real process."""

from __future__ import annotations

import threading
import time

import pytest

from drivers import registry
from drivers.a4_printer.device import A4Printer, UnsupportedFormat
from drivers.base import Health
from drivers.errors import DeviceNotFound, PaperOut


def printer_for(uri: str, **options: str) -> A4Printer:
    query = "&".join(f"{k}={v}" for k, v in {"timeout": "3", "lost_after": "1.5", **options}.items())
    device = registry.create("a4_printer", f"{uri}?{query}")
    assert isinstance(device, A4Printer)
    return device


def test_a_certificate_prints_once_and_a_retry_of_the_same_attempt_gives_no_second_copy(ippeve, certificate_pdf):
    server = ippeve()
    printer = printer_for(server.uri)
    assert printer.probe().health is Health.ONLINE
    assert printer.check().to_dict() == {"state": "idle", "reasons": [], "media": "ok"}

    outcome = printer.print_pdf(certificate_pdf, attempt_id="cert-0001")
    assert outcome.state == "completed" and outcome.job_id and not outcome.duplicate_avoided
    assert len(server.printed()) == 1

    again = printer.print_pdf(certificate_pdf, attempt_id="cert-0001")
    fresh_process = printer_for(server.uri).print_pdf(certificate_pdf, attempt_id="cert-0001")
    assert again.duplicate_avoided and fresh_process.duplicate_avoided
    assert again.job_id == fresh_process.job_id == outcome.job_id
    assert len(server.printed()) == 1, "a retry of one attempt printed a second copy"

    printer.print_pdf(certificate_pdf, attempt_id="cert-0002")
    assert len(server.printed()) == 2


def test_paper_running_out_aborts_the_job_and_the_printer_then_reports_it(ippeve, certificate_pdf):
    server = ippeve()
    server.set_mode("empty")
    printer = printer_for(server.uri)

    outcome = printer.print_pdf(certificate_pdf, attempt_id="cert-empty")
    assert outcome.state == "aborted" and server.printed() == []
    assert "aborted" in outcome.message

    state = printer.check()
    assert state.media == "empty" and "media-empty" in state.to_dict()["reasons"]
    assert printer.status.sensors["media"] == "empty"


def test_an_attempt_whose_job_waits_for_paper_is_followed_then_cancelled_so_nothing_comes_out_later(
        ippeve, certificate_pdf):
    from drivers.a4_printer import ipp

    server = ippeve()
    server.set_mode("empty")
    printer = printer_for(server.uri, job_timeout="3")
    printer.print_pdf(certificate_pdf, attempt_id="warm-up")  # the paper runs out on this one
    server.set_mode("ok")
    # The job of attempt "cert-wait", sent by a kioskd that was restarted before it learnt the outcome;
    # the printer holds it until paper is loaded.
    held = printer.client.call(ipp.PRINT_JOB, operation_attrs=(
        ipp.Attr.of("requesting-user-name", ipp.NAME, "kiosk"), ipp.Attr.of("job-name", ipp.NAME, "cert-wait"),
        ipp.Attr.of("document-format", ipp.MIME, "application/pdf")), data=certificate_pdf)
    assert held.ok

    outcome = printer_for(server.uri, job_timeout="3").print_pdf(certificate_pdf, attempt_id="cert-wait")
    assert outcome.state == "canceled" and outcome.duplicate_avoided, outcome
    assert "load A4 paper" in outcome.message and "cancelled, nothing more will print" in outcome.message
    assert server.printed() == []
    # Asked again, the printer still holds the job (stopping it): followed and cancelled again, never doubled.
    again = printer.print_pdf(certificate_pdf, attempt_id="cert-wait")
    assert again.state == "canceled" and again.duplicate_avoided and again.job_id == outcome.job_id
    assert server.printed() == []


def test_a_printer_busy_with_another_job_is_asked_again_and_prints_once(ippeve, certificate_pdf):
    from drivers.a4_printer import ipp

    server = ippeve()
    server.set_mode("slow:1.5")
    printer = printer_for(server.uri)
    ahead = printer.client.call(ipp.PRINT_JOB, operation_attrs=(  # ippeveprinter takes one job at a time
        ipp.Attr.of("requesting-user-name", ipp.NAME, "other"),
        ipp.Attr.of("document-format", ipp.MIME, "application/pdf")), data=certificate_pdf)
    assert ahead.ok
    server.set_mode("ok")
    outcome = printer.print_pdf(certificate_pdf, attempt_id="cert-after")
    assert outcome.state == "completed" and len(server.printed()) == 2


def test_a_printer_waiting_for_paper_refuses_the_next_attempt_before_anything_is_sent(ippeve, certificate_pdf):
    from drivers.a4_printer import ipp

    server = ippeve()
    server.set_mode("empty")
    printer = printer_for(server.uri)
    printer.print_pdf(certificate_pdf, attempt_id="warm-up")  # the paper runs out on this one
    server.set_mode("ok")
    waiting = printer.client.call(ipp.PRINT_JOB, operation_attrs=(  # another terminal's job, now held
        ipp.Attr.of("requesting-user-name", ipp.NAME, "other"),
        ipp.Attr.of("document-format", ipp.MIME, "application/pdf")), data=certificate_pdf)
    assert waiting.ok
    deadline = time.monotonic() + 10
    while "media-needed" not in printer.check().reason_words:
        assert time.monotonic() < deadline, printer.last_state
        time.sleep(0.1)

    assert printer.probe().health is Health.OFFLINE and "load A4 paper" in printer.status.message
    with pytest.raises(PaperOut, match="load A4 paper") as refused:
        printer.print_pdf(certificate_pdf, attempt_id="cert-noppr")
    assert refused.value.job_sent is False
    assert server.printed() == []


def test_a_printer_that_dies_mid_job_gives_unknown_and_a_retry_never_prints_a_second_copy(ippeve, certificate_pdf):
    server = ippeve()
    server.set_mode("slow:4")
    printer = printer_for(server.uri)
    result = {}
    worker = threading.Thread(target=lambda: result.update(o=printer.print_pdf(certificate_pdf, attempt_id="cert-x")))
    worker.start()
    deadline = time.monotonic() + 10
    while not list((server.root / "spool").glob("*cert-x*")):  # the job is at the printer
        assert time.monotonic() < deadline, "the job never reached the printer"
        time.sleep(0.05)
    time.sleep(0.3)
    server.kill()
    worker.join(20)
    outcome = result["o"]
    assert outcome.state == "unknown" and outcome.job_id
    assert "stopped answering" in outcome.message and "check the output tray" in outcome.message

    with pytest.raises(DeviceNotFound) as gone:  # still off: a new attempt is refused, nothing is sent
        printer.print_pdf(certificate_pdf, attempt_id="cert-y")
    assert gone.value.job_sent is False

    server.set_mode("ok")
    server.start()  # back on, with no memory of the job
    retry = printer.print_pdf(certificate_pdf, attempt_id="cert-x")
    assert retry.state == "unknown" and "nothing was printed again" in retry.message
    assert server.printed() == [], "the retry printed although the first job may have come out"
    assert printer.print_pdf(certificate_pdf, attempt_id="cert-x2").state == "completed"


def test_a_printer_that_hangs_mid_job_gives_unknown_and_the_retry_finds_the_copy_it_printed(ippeve, certificate_pdf):
    server = ippeve()
    server.set_mode("slow:1")
    printer = printer_for(server.uri, timeout="1", lost_after="2")
    result = {}
    worker = threading.Thread(target=lambda: result.update(o=printer.print_pdf(certificate_pdf, attempt_id="cert-h")))
    worker.start()
    deadline = time.monotonic() + 10
    while not list((server.root / "spool").glob("*cert-h*")):
        assert time.monotonic() < deadline, "the job never reached the printer"
        time.sleep(0.05)
    server.freeze()  # a hung printer: the connection opens, nothing answers
    try:
        worker.join(30)
    finally:
        server.freeze(False)
    lost = result["o"]
    assert lost.state == "unknown" and "stopped answering" in lost.message

    retry = printer.print_pdf(certificate_pdf, attempt_id="cert-h")  # it woke up and finished that job
    assert retry.state == "completed" and retry.duplicate_avoided and retry.job_id == lost.job_id
    assert len(server.printed()) == 1, "the retry printed a second copy"


def test_a_printer_without_pdf_is_refused_clearly_before_anything_is_sent(ippeve, certificate_pdf):
    server = ippeve(formats="image/pwg-raster,image/urf")
    printer = printer_for(server.uri)
    assert printer.probe().health is Health.ERROR
    assert "no PDF" in printer.status.message
    with pytest.raises(UnsupportedFormat, match=r"does not take application/pdf .*image/pwg-raster") as refused:
        printer.print_pdf(certificate_pdf, attempt_id="cert-raster")
    assert refused.value.job_sent is False
    assert server.printed() == []


def test_a_printer_that_rejects_the_pdf_when_it_is_sent_is_reported_with_its_own_reason(ippeve, certificate_pdf):
    from dataclasses import replace

    server = ippeve(formats="image/pwg-raster")
    printer = printer_for(server.uri)
    real_check = printer.check
    # A printer that lists PDF among its formats but refuses it when the job comes (firmware that lies).
    printer.check = lambda: replace(real_check(), formats=("application/pdf", "image/pwg-raster"))
    with pytest.raises(UnsupportedFormat, match=r"refused the PDF .*client-error-attributes-or-values-not-supported"
                       r".*document-format") as refused:
        printer.print_pdf(certificate_pdf, attempt_id="cert-lie")
    assert refused.value.job_sent is False and server.printed() == []
    with pytest.raises(UnsupportedFormat, match="not a PDF"):
        printer.print_pdf(b"GIF89a...", attempt_id="cert-gif")


def test_ipps_prints_over_tls_and_verify_refuses_a_self_signed_printer_clearly(ippeve, certificate_pdf):
    server = ippeve()
    printer = printer_for(server.tls_uri)
    assert printer.client.endpoint.tls
    assert printer.print_pdf(certificate_pdf, attempt_id="cert-tls").state == "completed"
    assert len(server.printed()) == 1
    checked = printer_for(server.tls_uri, verify="1")
    with pytest.raises(DeviceNotFound, match="TLS certificate is not trusted"):
        checked.check()


def test_nothing_at_the_address_is_offline_with_a_message_saying_what_to_check():
    from tests.ipp_printers import free_port

    printer = printer_for(f"ipp://127.0.0.1:{free_port()}/ipp/print")
    status = printer.probe()
    assert status.health is Health.OFFLINE and "cannot reach" in status.message and "power" in status.message
    with pytest.raises(DeviceNotFound):
        printer.check()
