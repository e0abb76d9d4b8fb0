"""kioskd's certificate printing on the simulated A4 printer: readiness, one copy per attempt, the citizen's words."""

from __future__ import annotations

from drivers import registry
from local_api.a4_printing import A4Printing, attempt_id

PDF = b"%PDF-1.7\n% a certificate\n"


def test_a_certificate_prints_once_per_session_and_key_and_the_citizen_is_told_where_to_take_it(tmp_path):
    printing = A4Printing(registry.create("a4_printer", f"sim://{tmp_path}"), pickup="右侧出纸口")
    assert printing.readiness().ready
    first = printing.print_certificate("s-1", PDF, key="K7QD3M9XA2HPT6WC")
    again = printing.print_certificate("s-1", PDF, key="K7QD3M9XA2HPT6WC")
    assert first.outcome == again.outcome == "printed" and again.duplicate_avoided
    assert first.citizen_message == "证明已打印，请在右侧出纸口取走"
    assert len(list(tmp_path.glob("*.pdf"))) == 1
    printing.print_certificate("s-1", PDF, key="K7QD3M9XA2HPT6WC", copy=2)  # a copy asked for on purpose
    assert len(list(tmp_path.glob("*.pdf"))) == 2


def test_the_attempt_id_on_the_printer_carries_nothing_of_the_session_or_certificate():
    name = attempt_id("3f2a-session", "K7QD3M9XA2HPT6WC")
    assert name.startswith("kiosk-") and "K7QD" not in name and "3f2a" not in name
    assert name == attempt_id("3f2a-session", "K7QD3M9XA2HPT6WC") != attempt_id("3f2a-session", "K7QD3M9XA2HPT6WC", 2)


def test_without_paper_the_item_is_refused_before_it_starts_and_nothing_is_printed(tmp_path):
    printing = A4Printing(registry.create("a4_printer", f"sim://{tmp_path}?media=empty"))
    ready = printing.readiness()
    assert not ready.ready and ready.citizen_message.startswith("A4打印机缺纸") and "load A4 paper" in ready.detail
    result = printing.print_certificate("s-2", PDF, key="c")
    assert result.outcome == "unavailable" and "缺纸" in result.citizen_message
    assert not list(tmp_path.glob("*.pdf"))


def test_a_self_test_holding_the_printer_keeps_the_session_waiting_not_printing(tmp_path):
    printer = registry.create("a4_printer", f"sim://{tmp_path}")
    printer.open()
    printer.claim("selftest")
    result = A4Printing(printer).print_certificate("s-3", PDF, key="c")
    assert result.outcome == "unavailable" and "自检" in result.citizen_message
    assert not list(tmp_path.glob("*.pdf"))


def test_a_kiosk_without_an_a4_printer_says_so():
    printing = A4Printing(None)
    assert not printing.readiness().ready
    assert printing.print_certificate("s-4", PDF, key="c").outcome == "unavailable"
