"""IPP messages (RFC 8010): the bytes a request puts on the wire, and a real printer's answer decoded."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from drivers.a4_printer import ipp
from drivers.a4_printer.status import printer_state
from drivers.errors import ProtocolError

DATA = Path(__file__).resolve().parents[2] / "data" / "a4"


def attribute(tag: int, name: str, value: bytes) -> bytes:
    return struct.pack(">BH", tag, len(name)) + name.encode() + struct.pack(">H", len(value)) + value


def test_a_get_printer_attributes_request_is_laid_out_as_rfc_8010_says():
    body = ipp.encode_request(ipp.GET_PRINTER_ATTRIBUTES, 7, "ipp://p.local:631/ipp/print", operation_attrs=(
        ipp.Attr.of("requested-attributes", ipp.KEYWORD, "printer-state", "printer-state-reasons"),))
    expected = (
        b"\x02\x00" + b"\x00\x0b" + b"\x00\x00\x00\x07" + b"\x01"
        + attribute(0x47, "attributes-charset", b"utf-8")
        + attribute(0x48, "attributes-natural-language", b"zh-cn")
        + attribute(0x45, "printer-uri", b"ipp://p.local:631/ipp/print")
        + attribute(0x44, "requested-attributes", b"printer-state")
        + attribute(0x44, "", b"printer-state-reasons")  # an additional value has an empty name
        + b"\x03"
    )
    assert body == expected


def test_a_print_job_carries_its_job_group_then_the_document_after_the_end_tag():
    body = ipp.encode_request(ipp.PRINT_JOB, 1, "ipp://p/ipp/print",
                              operation_attrs=(ipp.Attr.of("job-name", ipp.NAME, "证明-0001"),),
                              job_attrs=(ipp.Attr.of("copies", ipp.INTEGER, 1),), data=b"%PDF-1.7 ...")
    assert attribute(0x42, "job-name", "证明-0001".encode()) in body
    assert body.endswith(b"\x02" + attribute(0x21, "copies", b"\x00\x00\x00\x01") + b"\x03%PDF-1.7 ...")


def test_a_real_ippeveprinter_answer_decodes_with_its_nested_collections():
    response = ipp.decode_response((DATA / "ippeveprinter-get-printer-attributes.bin").read_bytes())
    assert response.ok and response.status_name == "successful-ok" and response.request_id == 7
    printer = response.group(ipp.PRINTER)
    assert printer["printer-state"] == [3] and printer["printer-is-accepting-jobs"] == [True]
    assert "application/pdf" in printer["document-format-supported"]
    media = printer["media-col-default"][0]
    assert media["media-size"] == {"x-dimension": 21590, "y-dimension": 27940}
    assert printer_state(printer).to_dict() == {"state": "idle", "reasons": [], "media": "ok"}


@pytest.mark.parametrize("cut", [3, 9, 40, 500, 7000])
def test_a_reply_cut_short_anywhere_is_a_protocol_error_not_a_crash(cut):
    data = (DATA / "ippeveprinter-get-printer-attributes.bin").read_bytes()
    with pytest.raises(ProtocolError):
        ipp.decode_response(data[:cut])


def test_an_html_error_page_is_not_taken_for_ipp():
    with pytest.raises(ProtocolError, match="not an IPP response"):
        ipp.decode_response(b"<html><body>404 Not Found</body></html>")


def test_status_codes_are_named_even_when_unlisted():
    assert ipp.status_name(0x040A) == "client-error-document-format-not-supported"
    assert ipp.status_name(0x0506) == "server-error-not-accepting-jobs"
    assert ipp.status_name(0x0420) == "client-error-0x0420"


def test_text_with_language_gives_the_text():
    lang_text = struct.pack(">H", 5) + b"zh-cn" + struct.pack(">H", 6) + "缺纸".encode()
    body = (b"\x02\x00\x00\x00\x00\x00\x00\x01\x01" + attribute(0x35, "status-message", lang_text) + b"\x03")
    assert ipp.decode_response(body).message() == "缺纸"
