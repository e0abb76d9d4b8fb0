"""The self-test's A4 printer check: the technician's words for what the printer says about itself."""

from __future__ import annotations

import pytest

from drivers import registry
from local_api.selftest_checks import check_a4_printer


@pytest.mark.parametrize(
    ("query", "ok", "detail"),
    [
        ("", True, "正常"),
        ("?media=low", True, "正常；纸将用完，请备好 A4 纸"),
        ("?media=empty", False, "缺纸；装入 A4 纸后再自检"),
        ("?state=stopped", False, "打印机已暂停；在面板或 CUPS 中恢复"),
        ("?pdf=0", False, "打印机不支持 PDF；换用支持 IPP Everywhere PDF 的打印机，或经 CUPS 队列打印"),
    ],
)
def test_the_check_says_what_the_printer_says(tmp_path, query, ok, detail):
    result = check_a4_printer(registry.create("a4_printer", f"sim://{tmp_path}{query}"))
    assert (result["ok"], result["detail"]) == (ok, detail)


def test_a_printer_that_does_not_answer_fails_with_where_to_look():
    result = check_a4_printer(registry.create("a4_printer", "ipp://127.0.0.1:9/ipp/print?timeout=0.5"))
    assert not result["ok"] and result["state"] == "offline" and "KIOSK_A4_PRINTER" in result["detail"]
    assert result["media"] == "unknown"
