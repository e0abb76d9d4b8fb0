"""Where storing one 200 KB material file goes: sealing, writing, and the fsyncs before its case commits.

Run: .venv/bin/python tests/bench/bench_material_store.py [--files N]
Medians in ms, in one process on the disk of the system temp dir; the ratio is against the whole stage().
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from hub.personal import Keys  # noqa: E402
from hub.storage import MaterialStore  # noqa: E402

SCAN = os.urandom(200 * 1024)


def median_ms(fn: Callable[[], object], n: int) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hubstore-") as tmp:
        root = Path(tmp)
        keys = Keys.load_or_create(root / "secret")
        store = MaterialStore(root / "materials", keys)
        loose = root / "loose"
        loose.mkdir()

        def write_only() -> None:
            with open(loose / os.urandom(8).hex(), "xb") as out:
                out.write(SCAN)

        def write_fsync_file() -> None:
            with open(loose / os.urandom(8).hex(), "xb") as out:
                out.write(SCAN)
                out.flush()
                os.fsync(out.fileno())

        def write_fsync_both() -> None:
            write_fsync_file()
            fd = os.open(loose, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

        rows = {
            "stage(): seal, write, fsync file and folder": median_ms(
                lambda: store.stage(io.BytesIO(SCAN), 10**7), args.files),
            "seal only (AES-GCM)": median_ms(lambda: keys.seal_file(SCAN, "x"), args.files),
            "write only": median_ms(write_only, args.files),
            "write and fsync the file": median_ms(write_fsync_file, args.files),
            "write, fsync the file and its folder": median_ms(write_fsync_both, args.files),
        }  # fmt: skip
    whole = rows["stage(): seal, write, fsync file and folder"]
    print(f"one 200 KB material file, {args.files} each, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    for name, ms in rows.items():
        print(f"{name:45s} median {ms:7.2f} ms  {ms / whole:5.2f}x stage()")


if __name__ == "__main__":
    main()
