"""Benchmark: kioskd cold start to the first 200 from /v1/health, and its RSS once started.

Run: .venv/bin/python tests/bench/bench_kioskd.py [--runs 10]
Baseline in the same process: a bare ``python -c pass`` start, so the ratio shows what kioskd adds
on top of the interpreter on this machine. Each run uses a fresh data dir (migrations included).
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.daemon import BIN, daemon_env, free_port


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_start(devices: dict[str, str]) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = daemon_env(Path(tmp), port, **devices)
        t0 = time.perf_counter()
        proc = subprocess.Popen([str(BIN / "kioskd")], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=0.5).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.01)
            elapsed = time.perf_counter() - t0
            time.sleep(0.5)  # let the probe loop settle
            return elapsed, rss_mib(proc.pid)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(20)


def interpreter_start() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}")
    base = statistics.median(interpreter_start() for _ in range(args.runs))
    for label, devices in (
        ("no devices", {"KIOSK_DEVICES": "real", "KIOSK_VOICE": "none:"}),
        ("all sim devices", {"KIOSK_DEVICES": "sim"}),
    ):
        runs = [one_start(devices) for _ in range(args.runs)]
        start = statistics.median(r[0] for r in runs)
        rss = statistics.median(r[1] for r in runs)
        print(f"{label:>16}: cold start → 200 median {start * 1000:.0f} ms "
              f"(min {min(r[0] for r in runs) * 1000:.0f}, max {max(r[0] for r in runs) * 1000:.0f}; "
              f"{start / base:.1f}x a bare interpreter start of {base * 1000:.0f} ms), RSS median {rss:.1f} MiB")


if __name__ == "__main__":
    main()
