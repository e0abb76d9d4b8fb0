"""Benchmark: card on the reader → parsed record through the pty simulator, against pure wire time.

Run: .venv/bin/python tests/bench/bench_idcard.py [--reads 50] [--baud 115200]
Prints medians; the goal is driver overhead under 10% of the wire time of the exchange.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

from drivers import registry
from drivers.id_card import IdCardReader, Timings
from drivers.id_card.protocol import (
    Command,
    FrameDecoder,
    Sw3,
    build_request,
    build_response,
    parse_base_info,
    wire_seconds,
)
from drivers.id_card.records import decode_text
from drivers.id_card.sim import PtySimulator, SamSimulator, sample_card


def exchange_bytes() -> int:
    """Bytes on the wire for find + select + read: three requests and their three replies."""
    card = sample_card("resident")
    sam = SamSimulator(card=card)
    total = 0
    for command in (Command.FIND_CARD, Command.SELECT_CARD, Command.READ_BASE):
        request = build_request(command)
        _, reply = sam.respond(request[7:-1])
        assert reply is not None
        total += len(request) + len(reply)
    return total


def time_reads(reads: int, baud: int, pace: bool) -> list[float]:
    sam = SamSimulator()
    card = sample_card("resident")
    with PtySimulator(sam, baud=baud, pace=pace) as pty:
        reader = registry.create("id_reader", f"serial://{pty.path}?baud={baud}")
        assert isinstance(reader, IdCardReader)
        reader.timings = Timings(poll_interval=0.01)
        times = []
        with reader:
            reader.probe()
            for _ in range(reads + 2):
                sam.place(card)  # the card lies on the reader before the read starts
                start = time.perf_counter()
                record = reader.read_card(timeout=2)
                times.append(time.perf_counter() - start)
                assert record.id_number_valid
        return times[2:]  # the first reads warm up imports and caches


def time_parse(frame: bytes, *, full: bool, repeat: int = 2000) -> float:
    """Median seconds to reassemble and check one frame (and decode the record when ``full``)."""
    samples = []
    for _ in range(15):
        start = time.perf_counter()
        for _ in range(repeat):
            dec = FrameDecoder()
            dec.feed(frame)
            reply = dec.next_response()
            if full:
                info = parse_base_info(reply.data)
                decode_text(info.text, info.photo)
        samples.append((time.perf_counter() - start) / repeat)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reads", type=int, default=50)
    parser.add_argument("--baud", type=int, default=115200)
    args = parser.parse_args()

    n_bytes = exchange_bytes()
    wire = wire_seconds(n_bytes, args.baud)
    paced = statistics.median(time_reads(args.reads, args.baud, pace=True))
    unpaced = statistics.median(time_reads(args.reads, args.baud, pace=False))
    card = sample_card("resident")
    read_frame = build_response(Sw3.OK, len(card.text).to_bytes(2, "big") + len(card.photo).to_bytes(2, "big")
                                + card.text + card.photo)
    small = build_response(Sw3.FIND_OK, bytes(4))

    print(f"machine: {platform.machine()} {platform.python_implementation()} {platform.python_version()}, "
          f"{__import__('os').cpu_count()} CPUs")
    print(f"wire time of find+select+read ({n_bytes} bytes, 3 requests + 3 replies) at {args.baud} baud: "
          f"{wire * 1000:.1f} ms")
    print(f"median card→record through the paced pty simulator ({args.reads} reads): {paced * 1000:.1f} ms")
    print(f"  overhead over wire time: {(paced - wire) * 1000:.1f} ms = {(paced - wire) / wire:.1%} "
          f"(goal < 10%); ratio {paced / wire:.3f}")
    print(f"median card→record through the unpaced pty (software path only): {unpaced * 1000:.2f} ms "
          f"= {unpaced / wire:.1%} of wire time")
    print(f"parse per frame: 1295-byte read reply framed+checked {time_parse(read_frame, full=False) * 1e6:.1f} µs, "
          f"framed+decoded to a record {time_parse(read_frame, full=True) * 1e6:.1f} µs; "
          f"15-byte find reply {time_parse(small, full=False) * 1e6:.1f} µs")


if __name__ == "__main__":
    main()
