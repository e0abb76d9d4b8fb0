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
    from drivers.errors import ProtocolError  # noqa: F401 - instrumented with the decoders
    from drivers.id_card.protocol import FrameDecoder
    from drivers.id_card.records import decode_text  # noqa: F401
    from tests.fuzz.replies import decode_all


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    decoder = FrameDecoder()
    while fdp.remaining_bytes():
        decoder.feed(fdp.ConsumeBytes(fdp.ConsumeIntInRange(1, 512)))
        decode_all(decoder, len(data) + 2)


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
