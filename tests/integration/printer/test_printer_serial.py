"""The serial transport (python-escpos Serial over pyserial) against the virtual printer on a pty."""

from __future__ import annotations

import os
import select
import threading

import pytest

from drivers import registry
from drivers.errors import DeviceTimeout
from drivers.printer.sim import VirtualPrinter
from drivers.printer.templates import queue_ticket


@pytest.fixture()
def pty_printer(tmp_path):
    master, slave = os.openpty()
    virtual = VirtualPrinter(tmp_path / "pages")
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            if not select.select([master], [], [], 0.05)[0]:
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:
                return
            replies = virtual.feed(chunk)
            if replies:
                os.write(master, replies)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield virtual, os.ttyname(slave)
    stop.set()
    thread.join(1)
    os.close(master)
    os.close(slave)


def test_ticket_prints_over_a_serial_line(pty_printer):
    virtual, path = pty_printer
    printer = registry.create("printer", f"serial://{path}?baud=115200&status_timeout=0.5")
    with printer:
        assert printer.check().paper == "ok"
        printer.print_document(queue_ticket(number="C003", service="公积金提取", waiting=2,
                                            issued_at="2026-11-21 11:00", qr="https://zwfw.example.gov.cn/q?t=C003"))
    assert [j.complete for j in virtual.jobs] == [True]
    assert "公积金提取" in virtual.jobs[0].text


def test_silent_serial_printer_times_out_quickly(pty_printer):
    virtual, path = pty_printer
    virtual.silent = True
    printer = registry.create("printer", f"serial://{path}?baud=115200&status_timeout=0.3")
    with printer:
        assert printer.check().online is None
        with pytest.raises(DeviceTimeout):
            printer.print_document(queue_ticket(number="C004", service="x", waiting=0, issued_at="t"))
