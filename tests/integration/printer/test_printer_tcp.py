"""The real network transport (python-escpos Network) against the virtual printer on a TCP socket."""

from __future__ import annotations

import socket
import time

import pytest
from PIL import Image

from drivers import registry
from drivers.errors import CoverOpen, DeviceNotFound, DeviceTimeout, PaperOut
from drivers.printer.decoder import decode
from drivers.printer.sim import PrinterSimServer, VirtualPrinter
from drivers.printer.templates import acceptance_receipt, queue_ticket

QR = "https://zwfw.example.gov.cn/q?t=A012"


@pytest.fixture()
def sim(tmp_path):
    virtual = VirtualPrinter(tmp_path / "pages")
    server = PrinterSimServer(virtual, "127.0.0.1", 0).start()
    yield virtual, f"tcp://127.0.0.1:{server.port}?timeout=1&status_timeout=0.3"
    server.stop()


def _ticket():
    return queue_ticket(number="A012", service="社保业务", waiting=5, issued_at="2026-11-21 09:30", qr=QR,
                        name="李一䶮")


def test_ticket_and_receipt_print_over_tcp(sim):
    virtual, uri = sim
    printer = registry.create("printer", uri)
    with printer:
        printer.print_document(_ticket())
        printer.print_document(acceptance_receipt(
            item="社会保障卡申领", case_number="6401002026112100123", applicant="张三丰", materials=["身份证复印件"],
            promised_date="2026-11-28", progress="拨打 12345 查询。", submitted_at="2026-11-21 09:42", qr=QR))
    assert [j.complete for j in virtual.jobs] == [True, True]
    assert "社保业务" in virtual.jobs[0].text and "受理回执" in virtual.jobs[1].text
    assert virtual.unknown == []
    assert all(j.png.stat().st_size > 1000 for j in virtual.jobs)


def test_status_over_tcp_follows_the_printer(sim):
    virtual, uri = sim
    printer = registry.create("printer", uri)
    with printer:
        assert printer.check().to_dict() == {"online": True, "paper": "ok", "cover_open": False, "error": False}
        virtual.set_paper("near_end")
        assert printer.check().paper == "near_end"
        assert printer.status.sensors["paper"] == "near_end"
        virtual.set_paper("out")
        assert printer.check().to_dict() == {"online": False, "paper": "out", "cover_open": False, "error": False}
        assert printer.status.health.value == "offline"
        with pytest.raises(PaperOut):
            printer.print_document(_ticket())
        virtual.set_paper("ok")
        virtual.set_cover_open(True)
        with pytest.raises(CoverOpen):
            printer.print_document(_ticket())
    assert virtual.jobs == []


@pytest.mark.parametrize("delay", [0.0, 0.4], ids=["noticed-at-once", "noticed-while-the-buffer-prints"])
def test_paper_out_mid_job_is_reported_after_the_job(sim, delay):
    # A ticket's bytes all fit in the printer's buffer at once; here the paper ends 200 dots into the
    # ticket, and with a delay the status says so only after the host would have called it printed.
    virtual, uri = sim
    virtual.paper_left_dots = 200
    virtual.paper_out_delay_s = delay
    with registry.create("printer", uri) as printer, pytest.raises(PaperOut, match="ran out during the job"):
        printer.print_document(_ticket())
    assert [j.complete for j in virtual.jobs] == [False]


def test_a_silent_printer_is_unknown_not_ok_and_answers_within_the_bound(sim):
    virtual, uri = sim
    virtual.silent = True
    printer = registry.create("printer", uri)
    with printer:
        started = time.monotonic()
        status = printer.check()
        assert status.to_dict() == {"online": None, "paper": "unknown", "cover_open": None, "error": None}
        assert time.monotonic() - started < 3  # one 0.3 s reply timeout, not four, never 60 s
        with pytest.raises(DeviceTimeout, match="did not answer"):
            printer.print_document(_ticket())
    assert virtual.jobs == []


def test_a_printer_that_stops_reading_mid_job_times_out(sim):
    virtual, uri = sim
    printer = registry.create("printer", uri)
    with printer:
        virtual.stall_after = virtual.received + 4096
        started = time.monotonic()
        with pytest.raises(DeviceTimeout):
            # far more than the socket buffers hold, so the write itself must give up
            printer.print_bytes(b"\x1b@" + b"A" * (32 * 1024 * 1024))
        assert time.monotonic() - started < 10


def test_a_printer_that_stops_answering_after_the_data_times_out(sim):
    virtual, uri = sim
    printer = registry.create("printer", uri)
    with printer:
        printer.check()
        virtual.stall_after = virtual.received + 100  # swallows the start of the job, then hangs
        with pytest.raises(DeviceTimeout, match="check whether the ticket came out"):
            printer.print_document(_ticket())


def test_nothing_listening_is_device_not_found():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free once closed: nothing listens there
    printer = registry.create("printer", f"tcp://127.0.0.1:{port}?timeout=1")
    with pytest.raises(DeviceNotFound, match="no printer answers"):
        printer.open()


def test_file_uri_writes_exactly_the_rendered_bytes(tmp_path):
    out = tmp_path / "out.bin"
    printer = registry.create("printer", f"file://{out}")
    with printer:
        printer.print_document(_ticket())
        assert printer.check().paper == "unknown"
    tokens = decode(out.read_bytes())
    assert tokens[0].kind == "init" and tokens[-1].kind == "cut"


def test_a_power_cycled_printer_is_reconnected_and_the_queued_job_prints(tmp_path):
    from local_api.printing import JobStatus, PrintQueue

    virtual = VirtualPrinter(tmp_path / "pages")
    server = PrinterSimServer(virtual, "127.0.0.1", 0).start()
    port = server.port
    printer = registry.create("printer", f"tcp://127.0.0.1:{port}?timeout=1&status_timeout=0.3")
    queue = PrintQueue(printer, tmp_path / "spool", max_age=600)
    try:
        assert queue.submit("before", _ticket()).status is JobStatus.DONE
        server.stop()  # the printer is switched off...
        assert queue.submit("during", _ticket()).status is JobStatus.WAITING_PRINTER
        server = PrinterSimServer(virtual, "127.0.0.1", port).start()  # ...and on again
        assert [s.status for s in queue.resume()] == [JobStatus.DONE]
    finally:
        server.stop()
        printer.close()
    assert [j.complete for j in virtual.jobs] == [True, True]


def test_paper_out_mid_job_over_tcp_waits_then_prints_whole_after_the_paper_change(sim):
    from local_api.printing import JobStatus, PrintQueue

    virtual, uri = sim
    printer = registry.create("printer", uri)
    queue = PrintQueue(printer, virtual.out_dir.parent / "spool", max_age=600)
    virtual.paper_left_dots = 250
    assert queue.submit("t1", _ticket()).status is JobStatus.WAITING_PAPER
    virtual.set_paper("ok")
    assert queue.resume()[0].status is JobStatus.DONE
    printer.close()
    assert [j.complete for j in virtual.jobs] == [False, True]


def test_the_status_is_watched_as_long_as_the_paper_moves(sim):
    from drivers.printer.raster import paper_length_mm
    from drivers.printer.render import render

    virtual, uri = sim
    with registry.create("printer", uri) as fast, registry.create("printer", uri + "&paper=58mm") as narrow:
        data = render(_ticket(), fast.profile)
        fast.print_bytes(data)
        # The estimate is the page the printer really printed (same layout as the virtual printer's PNG).
        [job] = virtual.jobs
        printed_mm = Image.open(job.png).height / 203 * 25.4
        length = paper_length_mm(data, fast.profile)
        assert abs(length - printed_mm) < 3, (length, printed_mm)
        assert fast.print_seconds(data) == pytest.approx(length / 150)
        assert narrow.print_seconds(render(_ticket(), narrow.profile)) > fast.print_seconds(data)


def test_a_print_speed_out_of_range_is_refused_with_the_allowed_range(tmp_path):
    from drivers.errors import InvalidDeviceUri

    with pytest.raises(InvalidDeviceUri, match="mm/s, 10 to 1000"):
        registry.create("printer", "tcp://127.0.0.1:9100?speed=fast")
    assert registry.create("printer", "tcp://127.0.0.1:9100?speed=250").profile.speed_mm_s == 250
    assert registry.create("printer", f"sim://{tmp_path}").profile.speed_mm_s == 0  # prints the moment bytes arrive
