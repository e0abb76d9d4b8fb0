"""Document → ESC/POS bytes, checked against golden files and the strict decoder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from escpos.printer import Dummy

from drivers.printer.decoder import DecodeError, decode, printed_text
from drivers.printer.document import Align, Document, InvalidDocument, KeyValue, QrCode, Text, title
from drivers.printer.glyphs import text_columns
from drivers.printer.profiles import PROFILES
from drivers.printer.render import render
from drivers.printer.templates import acceptance_receipt, queue_ticket

DATA = Path(__file__).resolve().parents[2] / "data" / "printer"
P80, P58 = PROFILES["80mm"], PROFILES["58mm"]


def sample_ticket(**overrides):
    args = dict(number="A012", service="社保业务", waiting=5, issued_at="2026-11-21 09:30", hall="银川市民大厅",
                qr="https://zwfw.example.gov.cn/q?t=A012", name="李一䶮")
    return queue_ticket(**{**args, **overrides})


def sample_receipt():
    return acceptance_receipt(
        item="城乡居民基本养老保险参保登记（含个人缴费档次变更及跨统筹区转移接续）",
        case_number="6401002026112100123", applicant="买买提·艾力", id_number="640102199001011234",
        materials=["居民身份证复印件 1 份", "户口簿复印件 1 份"], promised_date="2026-11-28",
        progress="拨打 12345 或登录政务服务网，输入办件编号查询。", submitted_at="2026-11-21 09:42",
        hall="银川市民大厅", qr="https://zwfw.example.gov.cn/p?c=6401002026112100123")


GOLDEN = {
    "ticket_80mm.bin": lambda: render(sample_ticket(), P80),
    "ticket_58mm.bin": lambda: render(sample_ticket(), P58),
    "receipt_80mm.bin": lambda: render(sample_receipt(), P80),
}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_output_matches_golden_file(name):
    data = GOLDEN[name]()
    path = DATA / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_bytes(data)
    assert data == path.read_bytes(), f"{name} changed; inspect, then regenerate with UPDATE_GOLDEN=1"


def test_job_starts_with_init_then_chinese_mode_and_ends_with_a_cut():
    data = render(sample_ticket())
    assert data.startswith(b"\x1b@\x1c&")
    kinds = [t.kind for t in decode(data)]
    assert kinds[:2] == ["init", "chinese_on"]
    assert "cut" in kinds[-3:]


def test_chinese_text_is_gb18030_and_reads_back():
    tokens = decode(render(sample_ticket()))
    lines = printed_text(tokens)
    assert "A012" in lines
    assert "社保业务" in lines
    assert "前面还有 5 人等候" in lines
    assert "社保业务".encode("gb18030") in render(sample_ticket())


def test_full_width_punctuation_prints_natively_not_as_question_marks():
    doc = Document([Text("（１）办理时限：￥100〇㈠"), Text("¥5")])
    data = render(doc)
    assert b"?" not in data
    assert "（１）办理时限：￥100〇㈠".encode("gb18030") in data
    assert printed_text(decode(data)) == ["（１）办理时限：￥100〇㈠", "￥5"]
    assert not [t for t in decode(data) if t.kind == "raster"]


@pytest.mark.parametrize("rare", ["䶮", "𠮷", "鿏"])
def test_a_line_with_a_rare_character_is_sent_as_a_raster_image(rare):
    doc = Document([Text("姓名"), Text(f"王{rare}", align=Align.CENTER)])
    tokens = decode(render(doc))
    rasters = [t for t in tokens if t.kind == "raster"]
    assert len(rasters) == 1
    width_bytes, height, bits = rasters[0].value
    assert width_bytes * 8 == P80.width_dots and height == 30
    assert any(bits), "the raster line is blank"
    assert printed_text(tokens) == ["姓名"]  # the rare line is not text at all: no '?'


def test_sizes_use_gs_exclamation_for_hanzi():
    tokens = decode(render(sample_ticket()))
    sizes = [t.value for t in tokens if t.kind == "size"]
    assert (4, 4) in sizes and (2, 2) in sizes and sizes[-1] == (1, 1)
    assert not [t for t in tokens if t.kind == "print_mode"]  # no ESC !


def test_over_long_line_wraps_to_paper_width_without_losing_text():
    text = "本事项可在全市任一政务服务大厅或自助终端办理，" * 4 + "see https://zwfw.example.gov.cn for details"
    for profile in (P80, P58):
        lines = printed_text(decode(render(Document([Text(text)]), profile)))
        assert all(text_columns(line) <= profile.columns for line in lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        assert not any(line.startswith(("，", "。")) for line in lines)


def test_opening_brackets_never_end_a_line():
    lines = printed_text(decode(render(Document([Text("扫码查看叫号进度 · 办完请评价（好差评）")]), P58)))
    assert lines == ["扫码查看叫号进度 · 办完请评价", "（好差评）"]


def test_double_width_text_wraps_at_half_the_columns():
    lines = printed_text(decode(render(Document([Text("社" * 30, width=2)]))))
    assert [text_columns(x) for x in lines] == [24, 24, 12]


def test_key_value_row_fills_the_line_or_wraps_the_value_below():
    short = printed_text(decode(render(Document([KeyValue("取号时间", "09:30")]))))
    assert short == ["取号时间" + " " * 35 + "09:30"]
    long = printed_text(decode(render(Document([KeyValue("事项名称", "养" * 30)]))))
    assert long[0] == "事项名称" and all(x.startswith("  ") for x in long[1:])


def test_control_characters_are_refused_with_a_message():
    with pytest.raises(InvalidDocument, match="U\\+001B"):
        Text("社保\x1b@业务")
    with pytest.raises(InvalidDocument, match="U\\+E000"):
        KeyValue("姓名", "\ue000")


def test_qr_is_native_and_small():
    data = render(Document([QrCode("https://zwfw.example.gov.cn/q?t=A012")]))
    tokens = decode(data)
    assert [t.value for t in tokens if t.kind == "qr_store"] == [b"https://zwfw.example.gov.cn/q?t=A012"]
    assert len(data) < 100


def test_qr_too_big_for_the_module_size_says_what_fits():
    with pytest.raises(InvalidDocument, match="use module size"):
        render(Document([QrCode("x" * 400, module=8)]), P58)
    with pytest.raises(InvalidDocument, match="does not fit any QR version"):
        render(Document([QrCode("x" * 3000, ec="H")]))


def test_document_survives_a_round_trip_through_json():
    doc = sample_receipt()
    assert Document.from_dict(doc.to_dict()) == doc


def test_python_escpos_chinese_output_is_rejected_by_the_strict_decoder():
    """python-escpos sends GB18030 without FS &: on a printer not already in Chinese mode that is garbage."""
    printer = Dummy()
    printer.hw("INIT")
    printer.text("社保业务\n")
    with pytest.raises(DecodeError, match="outside Chinese mode"):
        decode(printer.output)


def test_title_is_centred_bold_double():
    assert title("受理回执") == Text("受理回执", width=2, height=2, bold=True, align=Align.CENTER)


def test_raster_lines_are_byte_identical_to_python_escpos_image(capsys):
    from PIL import Image

    from drivers.printer.render import raster_line

    ours = raster_line("王䶮", P80, width=1, height=1, bold=False, align=Align.CENTER)
    width_bytes, height = ours[4] | ours[5] << 8, ours[6] | ours[7] << 8
    image = Image.frombytes("1", (width_bytes * 8, height), bytes(b ^ 0xFF for b in ours[8:]))
    theirs = Dummy()
    theirs.image(image, impl="bitImageRaster", center=False)
    capsys.readouterr()  # python-escpos print()s a media-width warning
    assert theirs.output == ours
