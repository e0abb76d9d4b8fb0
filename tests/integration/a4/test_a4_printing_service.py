"""kioskd's certificate printing against ippeveprinter: what the citizen is told, and no second copy."""

from __future__ import annotations

import threading
import time

from drivers import registry
from local_api.a4_printing import A4Printing


def test_a_printer_lost_mid_job_tells_the_citizen_to_look_first_and_never_prints_again(ippeve, certificate_pdf):
    server = ippeve()
    server.set_mode("slow:4")
    printing = A4Printing(registry.create("a4_printer", f"{server.uri}?timeout=2&lost_after=1"))
    assert printing.readiness().ready
    result = {}
    worker = threading.Thread(target=lambda: result.update(r=printing.print_certificate(
        "session-1", certificate_pdf, key="K7QD3M9XA2HPT6WC")))
    worker.start()
    deadline = time.monotonic() + 10
    while not list((server.root / "spool").glob("*.pdf")):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    server.kill()
    worker.join(20)
    lost = result["r"]
    assert lost.outcome == "unknown" and "不要重复打印" in lost.citizen_message

    server.set_mode("ok")
    server.start()
    retry = printing.print_certificate("session-1", certificate_pdf, key="K7QD3M9XA2HPT6WC")
    assert retry.outcome == "unknown" and server.printed() == []
    fine = printing.print_certificate("session-2", certificate_pdf, key="K7QD3M9XA2HPT6WC")
    assert fine.outcome == "printed" and "取走" in fine.citizen_message and len(server.printed()) == 1


def test_paper_running_out_is_a_failure_the_citizen_understands(ippeve, certificate_pdf):
    server = ippeve()
    server.set_mode("empty")
    printing = A4Printing(registry.create("a4_printer", server.uri))
    result = printing.print_certificate("session-3", certificate_pdf, key="c1")
    assert result.outcome == "failed" and "缺纸" in result.citizen_message
    assert "联系大厅工作人员" in result.citizen_message
    ready = printing.readiness()  # the next citizen is refused before the item starts
    assert not ready.ready and ready.citizen_message.startswith("A4打印机缺纸")
