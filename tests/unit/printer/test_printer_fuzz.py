"""Property checks: any text renders to bytes the strict decoder accepts; any bytes decode or fail cleanly."""

from __future__ import annotations

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.printer.decoder import DecodeError, Decoder, decode, printed_text
from drivers.printer.document import Document, Text
from drivers.printer.glyphs import text_columns
from drivers.printer.profiles import PROFILES
from drivers.printer.render import render

ALPHABET = st.sampled_from([*list("A012 abc,.-社保业务不动产登记窗口（）：，。、￥·〇"), "䶮", "𠮷", "鿏", "¥", "\n"])


@settings(max_examples=60, deadline=None)
@given(text=st.text(ALPHABET, max_size=120), width=st.integers(1, 3), paper=st.sampled_from(["58mm", "80mm"]))
def test_any_printable_text_renders_to_a_stream_the_strict_decoder_accepts(text, width, paper):
    profile = PROFILES[paper]
    tokens = decode(render(Document([Text(text, width=width, height=width)]), profile))
    columns = profile.columns // width
    assert all(text_columns(line) <= columns for line in printed_text(tokens))
    assert tokens[0].kind == "init" and tokens[1].kind == "chinese_on"


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=200))
def test_arbitrary_bytes_decode_or_raise_decode_error_only(data):
    for prefix in (b"", b"\x1c&"):  # outside and inside Chinese mode
        with contextlib.suppress(DecodeError):
            Decoder(strict=True).feed(prefix + data)
    tokens = Decoder(strict=False).feed(data)  # lenient mode never raises; unknowns are tokens
    assert all(t.offset < len(data) for t in tokens)
