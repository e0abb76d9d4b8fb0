"""Queue tickets on paper: priority ones say 优先 and why, appointment ones carry the appointment number."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.printer.decoder import decode, printed_text
from drivers.printer.raster import render_tokens
from drivers.printer.render import render
from local_api.tickets import build_document

PRINTED_AT = "2026-11-22T01:30:00+00:00"


def ticket(result: dict, answers: dict | None = None):
    data = {"item_name": "取号", "printed_at": PRINTED_AT, "case_no": result.get("number"),
            "answers": answers or {"请选择要办理的业务": "社保医保"}, "result": result}
    return build_document("queue_ticket", data, hall="市民中心政务服务大厅")


def lines(document) -> list[str]:
    return printed_text(decode(render(document)))


def png(document, path: Path) -> Path:
    render_tokens(decode(render(document))).save(path)
    return path


def test_an_elderly_ticket_says_priority_under_the_number(tmp_path):
    document = ticket({"number": "A003", "people_ahead": 1, "service_label": "社保医保", "priority": True,
                       "priority_category": "elderly", "source": "hub"})
    text = lines(document)
    number_at = next(i for i, line in enumerate(text) if "A003" in line)
    assert "优先 · 老年人" in text[number_at + 1]
    assert any("前面还有 1 人等候" in line for line in text)
    assert png(document, tmp_path / "elderly.png").stat().st_size > 0


def test_an_appointment_ticket_carries_its_number_and_mark(tmp_path):
    document = ticket({"number": "A012", "people_ahead": 0, "service_label": "社保医保", "priority": True,
                       "priority_category": "appointment", "appointment_no": "YY20261122-0001", "source": "hub"},
                      answers={"预约签到": "扫描预约二维码"})
    text = "\n".join(lines(document))
    assert "优先 · 预约" in text and "预约号 YY20261122-0001" in text and "社保医保" in text


def test_a_normal_ticket_has_no_priority_mark_and_a_local_one_says_so():
    normal = "\n".join(lines(ticket({"number": "A004", "people_ahead": 2, "priority": False, "source": "hub"})))
    assert "优先" not in normal and "社保医保" in normal
    local = "\n".join(lines(ticket({"number": "Z002", "priority": True, "priority_category": "pregnant",
                                    "source": "local"})))
    assert "离线号段" in local and "优先 · 孕妇" in local


@pytest.mark.parametrize("category", ["elderly", "pregnant", "disability", "appointment"])
def test_every_category_prints(category):
    assert "优先" in "\n".join(lines(ticket({"number": "B001", "priority": True, "priority_category": category})))
