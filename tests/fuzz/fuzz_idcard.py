"""Coverage-guided fuzzing (atheris / libFuzzer) of the ID card reader's frame and text decoders.

    .venv/bin/python tests/fuzz/fuzz_idcard.py [CORPUS_DIR] -runs=200000 -max_len=4096

Each input is cut into reads of fuzzer-chosen sizes and fed to ``FrameDecoder`` exactly as the reader
does; every reply is parsed down to a card record. Anything but a record or a ``ProtocolError`` (an
other exception, or a decoder that stops making progress) is a crash that libFuzzer reports with the
input that caused it. ``tests/unit/id_card/test_idcard_atheris.py`` runs it for a bounded number of
inputs, starting from valid replies of every card kind.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from drivers.errors import ProtocolError
    from drivers.id_card.protocol import FrameDecoder, Sw3, parse_base_info
    from drivers.id_card.records import decode_text


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    decoder = FrameDecoder()
    while fdp.remaining_bytes():
        decoder.feed(fdp.ConsumeBytes(fdp.ConsumeIntInRange(1, 512)))
        for _ in range(len(data) + 2):
            try:
                reply = decoder.next_response()
                if reply is None:
                    break
                if reply.sw3 is Sw3.OK and len(reply.data) > 4:
                    info = parse_base_info(reply.data)
                    decode_text(info.text, info.photo)
            except ProtocolError:
                pass
        else:
            raise AssertionError("the frame decoder made no progress on its input")


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
