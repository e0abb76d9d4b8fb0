"""The strict decoder is the oracle for every printer test: it must refuse what it does not know."""

from __future__ import annotations

import pytest

from drivers.printer.decoder import DecodeError, Decoder, decode, printed_text
from drivers.printer.render import render
from drivers.printer.templates import acceptance_receipt, queue_ticket


def _ticket_bytes() -> bytes:
    doc = queue_ticket(number="B007", service="不动产登记", waiting=12, issued_at="2026-11-21 10:05",
                       qr="https://zwfw.example.gov.cn/q?t=B007", name="张三丰")
    return render(doc)


def test_unknown_command_is_reported_with_its_offset():
    with pytest.raises(DecodeError, match="offset 4: unknown ESC command"):
        decode(b"\x1b@\x1c&\x1b\x99")


def test_lenient_mode_reports_unknown_bytes_as_tokens():
    tokens = Decoder(strict=False).feed(b"\x1b@\x07AB\n")
    assert [t.kind for t in tokens] == ["init", "unknown", "text", "lf"]
    assert tokens[1].value == b"\x07" and tokens[1].offset == 2


def test_four_byte_gb18030_is_refused():
    with pytest.raises(DecodeError, match="4-byte"):
        decode(b"\x1c&" + "𠮷".encode("gb18030"))


def test_high_bytes_after_chinese_mode_off_are_refused():
    with pytest.raises(DecodeError, match="outside Chinese mode"):
        decode(b"\x1c&" + "社".encode("gb18030") + b"\x1c." + "保".encode("gb18030"))


def test_stream_ending_inside_a_command_is_an_error():
    with pytest.raises(DecodeError, match="ends inside a command"):
        decode(b"\x1b@\x1d(k\x10\x00\x31P0abc")


def test_bad_qr_parameters_are_refused():
    with pytest.raises(DecodeError, match="module size"):
        decode(b"\x1d(k\x03\x00\x31\x43\x20")


def test_split_anywhere_gives_the_same_tokens():
    data = _ticket_bytes()
    whole = [(t.kind, t.value) for t in decode(data)]
    for cut in range(1, len(data), 7):
        decoder = Decoder()
        tokens = decoder.feed(data[:cut]) + decoder.feed(data[cut:])
        decoder.finish()
        merged = []
        for t in tokens:  # text runs may be split at a chunk boundary
            if t.kind == "text" and merged and merged[-1][0] == "text":
                merged[-1] = ("text", merged[-1][1] + t.value)
            else:
                merged.append((t.kind, t.value))
        assert merged == whole, f"differs when split at {cut}"


def test_receipt_decodes_with_masked_personal_data_only():
    doc = acceptance_receipt(item="社会保障卡申领", provisional_number="T-20261121-0042", applicant="张三丰",
                             id_number="640102199001011234", materials=["身份证复印件"], promised_date="2026-11-28",
                             progress="拨打 12345 查询。", submitted_at="2026-11-21 10:00")
    text = "\n".join(printed_text(decode(render(doc))))
    assert "张*丰" in text and "张三丰" not in text
    assert "6401**********1234" in text and "199001011234" not in text
