"""The reader's side of a byte stream, for the fuzzers: every reply the decoder yields, down to a record."""

from __future__ import annotations

from drivers.errors import ProtocolError
from drivers.id_card.protocol import FrameDecoder, Sw3, parse_base_info
from drivers.id_card.records import decode_text


def decode_all(decoder: FrameDecoder, limit: int) -> int:
    """Take every reply ``decoder`` has now and decode it as the reader would; a ``ProtocolError`` is an
    answer like any other. Returns how many came out; fails if the decoder never stops yielding."""
    for count in range(limit):
        try:
            reply = decoder.next_response()
            if reply is None:
                return count
            if reply.sw3 is Sw3.OK and len(reply.data) > 4:
                info = parse_base_info(reply.data)
                decode_text(info.text, info.photo)
        except ProtocolError:
            pass
    raise AssertionError("the frame decoder made no progress on its input")
