"""Printer and job attributes → what the kiosk and its technician are told."""

from __future__ import annotations

import pytest

from drivers import registry
from drivers.a4_printer.device import device_status
from drivers.a4_printer.status import UNKNOWN, job_state, printer_state, split_reason
from drivers.base import Health
from drivers.errors import InvalidDeviceUri


def state(printer_state_value=3, *reasons, accepting=True, formats=("application/pdf",)):
    return printer_state({"printer-state": [printer_state_value], "printer-state-reasons": list(reasons) or ["none"],
                          "printer-is-accepting-jobs": [accepting], "document-format-supported": list(formats),
                          "printer-state-message": ["Out of paper"]})


@pytest.mark.parametrize(
    ("reasons", "media", "can_print"),
    [
        ((), "ok", True),
        (("media-low-warning",), "low", True),
        (("media-low-report", "toner-low-report"), "low", True),
        (("media-empty-error",), "empty", False),
        (("media-empty",), "empty", False),  # no suffix counts as an error
        (("media-empty-report",), "empty", False),  # one A4 tray: empty is empty, whatever the severity
        (("media-needed-warning",), "empty", False),  # waiting for paper, whatever it calls it
        (("media-jam-warning",), "ok", False),
        (("door-open-error",), "ok", False),
        (("offline-report",), "ok", True),
        (("toner-low-warning", "marker-supply-low-report"), "ok", True),
    ],
)
def test_state_reasons_give_the_media_word_and_whether_it_can_print(reasons, media, can_print):
    s = state(3, *reasons)
    assert s.media == media and s.can_print is can_print


def test_the_contract_shape_lists_reasons_without_their_severity_each_once():
    s = state(5, "media-empty-error", "media-needed-error", "media-empty-report")
    assert s.to_dict() == {"state": "stopped", "reasons": ["media-empty", "media-needed"], "media": "empty"}


def test_what_stops_printing_is_said_so_someone_can_act():
    assert "load A4 paper" in state(3, "media-empty-error").problem()
    assert "close it" in state(3, "door-open").problem()
    assert "not accepting jobs" in state(3, accepting=False).problem()
    assert state(5).problem() == "the printer has stopped (Out of paper); check its panel"
    assert "does not answer" in UNKNOWN.problem()
    assert state(4, "toner-low-warning").problem() == ""


def test_health_words_for_the_device_page():
    assert device_status(state(3)).health is Health.ONLINE
    low = device_status(state(3, "toner-low-warning", "media-low-warning"))
    assert low.health is Health.ONLINE and low.message == "ready; toner-low, media-low"
    assert device_status(state(3, "media-empty-error")).health is Health.OFFLINE
    assert device_status(state(3, formats=("image/pwg-raster",))).health is Health.ERROR
    assert device_status(UNKNOWN).sensors["state"] == "unknown"


def test_severity_suffixes():
    assert split_reason("media-empty-error") == ("media-empty", "error")
    assert split_reason("toner-low-report") == ("toner-low", "report")
    assert split_reason("door-open") == ("door-open", "error")


def test_job_attributes():
    job = job_state({"job-id": [12], "job-state": [8], "job-state-reasons": ["aborted-by-system"],
                     "job-name": ["cert-1"], "job-state-message": ["Job aborted."]})
    assert (job.job_id, job.state, job.final, job.reasons) == (12, "aborted", True, ("aborted-by-system",))
    assert not job_state({"job-id": [3], "job-state": [6]}).final  # processing-stopped waits


@pytest.mark.parametrize(
    ("uri", "printer_uri"),
    [
        ("ipp://192.168.1.60", "ipp://192.168.1.60:631/ipp/print"),
        ("ipps://printer.hall.local:8443/ipp/print/a4?verify=1", "ipps://printer.hall.local:8443/ipp/print/a4"),
        ("cups://Hall_A4", "ipp://localhost:631/printers/Hall_A4"),
        ("cups://A4?server=127.0.0.1:8631", "ipp://127.0.0.1:8631/printers/A4"),
    ],
)
def test_uris_name_the_printers_ipp_address(uri, printer_uri):
    device = registry.create("a4_printer", uri)
    assert device.client.endpoint.printer_uri == printer_uri


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("ipp:///ipp/print", "needs the printer's address"),
        ("cups://", "must name one CUPS queue"),
        ("cups://A4?server=nowhere", "must be HOST:PORT"),
        ("ipp://p?timeout=0", "seconds between 0"),
        ("ipps://p?verify=yes", "must be 0 or 1"),
        ("sim:?media=full", "media must be ok|low|empty"),
        ("tcp://p:9100", "does not support tcp:"),
    ],
)
def test_bad_uris_say_what_is_wrong(uri, message):
    with pytest.raises(InvalidDeviceUri, match=message):
        registry.check_uri("a4_printer", uri)


def test_the_simulator_prints_once_per_attempt_and_refuses_without_paper(tmp_path):
    from drivers.errors import PaperOut

    sim = registry.create("a4_printer", f"sim://{tmp_path}")
    first = sim.print_pdf(b"%PDF-1.7 x", attempt_id="a1")
    again = sim.print_pdf(b"%PDF-1.7 x", attempt_id="a1")
    assert first.state == again.state == "completed" and again.duplicate_avoided
    assert [p.name for p in tmp_path.iterdir()] == ["job-0001.pdf"]
    empty = registry.create("a4_printer", f"sim://{tmp_path / 'e'}?media=empty")
    assert empty.probe().health is Health.OFFLINE
    with pytest.raises(PaperOut):
        empty.print_pdf(b"%PDF-1.7 x", attempt_id="a2")


def test_the_driver_remembers_a_bounded_number_of_attempts():
    from drivers.a4_printer import device
    from drivers.errors import DeviceNotFound

    printer = registry.create("a4_printer", "ipp://127.0.0.1:9/ipp/print?timeout=0.2")
    for n in range(device.KEEP_ATTEMPTS + 10):
        with pytest.raises(DeviceNotFound):  # nothing answers at port 9: refused, nothing sent
            printer.print_pdf(b"%PDF-1.7", attempt_id=f"a{n}")
    assert len(printer._attempts) == device.KEEP_ATTEMPTS and "a0" not in printer._attempts
