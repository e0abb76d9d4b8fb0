"""The virtual printer renders what it receives to a PNG a person (and OpenCV) can read."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from drivers import registry
from drivers.printer.document import Document, QrCode, Text
from drivers.printer.render import render
from drivers.printer.sim import SimReceiptPrinter, VirtualPrinter
from drivers.printer.templates import queue_ticket

QR = "https://zwfw.example.gov.cn/q?t=A012&d=20261121"


def _ticket() -> Document:
    return queue_ticket(number="A012", service="社保业务", waiting=5, issued_at="2026-11-21 09:30", qr=QR)


def test_sim_uri_prints_each_job_to_a_203_dpi_png(tmp_path):
    printer = registry.create("printer", f"sim://{tmp_path}")
    assert isinstance(printer, SimReceiptPrinter)
    printer.print_document(_ticket())
    printer.print_document(_ticket())
    assert [p.name for p in printer.pngs] == ["job-0001.png", "job-0002.png"]
    with Image.open(printer.last_png) as image:
        assert image.width == 576
        assert round(image.info["dpi"][0]) == 203
        assert 600 < image.height < 1400
    text = (tmp_path / "job-0001.txt").read_text(encoding="utf-8")
    assert "社保业务" in text and "前面还有 5 人等候" in text


def test_the_printed_qr_code_scans_back_to_its_payload(tmp_path):
    printer = registry.create("printer", f"sim://{tmp_path}")
    printer.print_document(_ticket())
    image = np.array(Image.open(printer.last_png).convert("L"))
    payload, _points, _ = cv2.QRCodeDetector().detectAndDecode(image)
    assert payload == QR


def test_big_number_is_drawn_at_four_times_size(tmp_path):
    printer = VirtualPrinter(tmp_path)
    printer.feed(render(Document([Text("8", width=4, height=4)])) + b"\x1dV\x00")
    image = np.array(Image.open(printer.jobs[0].png).convert("L"))
    rows = np.where((image < 128).any(axis=1))[0]
    cols = np.where((image < 128).any(axis=0))[0]
    assert 60 <= rows.max() - rows.min() <= 120  # a 4× digit is about 4 × 24 dots tall
    assert 20 <= cols.max() - cols.min() <= 48


def test_unknown_commands_are_reported_not_skipped_silently(tmp_path):
    printer = VirtualPrinter(tmp_path)
    printer.feed(b"\x1b@\x1c&AB\x1b\x99\n\x1dV\x00")
    assert printer.unknown and "offset" in printer.unknown[0]
    assert "unknown byte" in (tmp_path / "job-0001.txt").read_text(encoding="utf-8")


def test_status_replies_follow_the_injected_faults(tmp_path):
    printer = VirtualPrinter(tmp_path)
    assert printer.feed(b"\x10\x04\x01\x10\x04\x04") == b"\x12\x12"
    printer.set_paper("out")
    assert printer.feed(b"\x10\x04\x01\x10\x04\x02\x10\x04\x04") == b"\x1a\x32\x7e"
    printer.silent = True
    assert printer.feed(b"\x10\x04\x01") == b""


def test_paper_running_out_mid_job_leaves_a_partial_page(tmp_path):
    printer = VirtualPrinter(tmp_path)
    printer.paper_left_dots = 120
    printer.feed(render(_ticket()))
    assert printer.paper == "out"
    assert [j.complete for j in printer.jobs] == [False]
    assert printer.jobs[0].png.name == "job-0001-partial.png"


def test_qr_too_large_is_refused_before_anything_is_sent(tmp_path):
    printer = registry.create("printer", f"sim://{tmp_path}?paper=58mm")
    try:
        printer.print_document(Document([QrCode("x" * 600, module=6)]))
    except ValueError as exc:
        assert "module size" in str(exc)
    else:
        raise AssertionError("an oversized QR code was accepted")
    assert printer.virtual.received == 0
