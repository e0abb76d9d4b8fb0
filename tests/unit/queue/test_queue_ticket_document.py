"""Queue tickets on paper: priority ones say 优先 and why, appointment ones carry the appointment number."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.camera.qr import qr_in_jpeg
from drivers.printer.decoder import decode, printed_text
from drivers.printer.document import QrCode
from drivers.printer.raster import render_tokens
from drivers.printer.render import render
from local_api.tickets import build_document

PRINTED_AT = "2026-11-22T01:30:00+00:00"
FOLLOW = "https://hall.example.gov.cn/q/17.Xq3v0tq6dLZbB2x6yFQk"


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


def test_a_hub_ticket_prints_its_follow_url_as_a_qr_code_with_a_caption(tmp_path):
    document = ticket({"number": "A005", "people_ahead": 3, "service_label": "社保医保", "priority": False,
                       "follow_url": FOLLOW, "source": "hub"})
    assert [b.data for b in document.blocks if isinstance(b, QrCode)] == [FOLLOW]
    text = lines(document)
    assert "扫码查看排队进度" in text and text.index("扫码查看排队进度") > next(
        i for i, line in enumerate(text) if "A005" in line)
    image = png(document, tmp_path / "follow.png")
    assert qr_in_jpeg(image.read_bytes()) == FOLLOW  # the printed code scans back to exactly the hub's link


def test_a_priority_appointment_ticket_keeps_its_marks_with_the_qr_code():
    document = ticket({"number": "A012", "priority": True, "priority_category": "appointment",
                       "appointment_no": "YY20261122-0001", "follow_url": FOLLOW, "source": "hub"})
    text = "\n".join(lines(document))
    assert "优先 · 预约" in text and "预约号 YY20261122-0001" in text
    assert sum(isinstance(b, QrCode) for b in document.blocks) == 1


@pytest.mark.parametrize("result", [
    {"number": "Z003", "follow_url": None, "source": "local"},
    {"number": "Z004", "follow_url": FOLLOW, "source": "local"},  # never a link for a number the hub does not know
    {"number": "A006", "source": "hub"},  # an older hub without follow pages
])
def test_without_a_follow_url_or_from_the_kiosk_block_there_is_no_qr_and_no_word_of_it(result):
    document = ticket(result)
    assert not any(isinstance(b, QrCode) for b in document.blocks)
    assert not any("扫码" in line for line in lines(document))
