"""The hub's memory under an unauthenticated large POST: what a stranger's request costs before it is refused.

Run: .venv/bin/python tests/bench/bench_hub_unauthenticated_post.py [--mb 60] [--rounds 3] [--source DIR]

Each round starts a fresh ``kioskhub serve`` (the code in ``--source``, this tree by default, so an older
tree unpacked with ``git archive`` gives the figure before a change), sends one POST of ``--mb`` MB with no
token to a JSON route (/api/v1/ratings) and to the upload route (/api/v1/cases), and reads the process's
VmRSS before and after and its peak (VmHWM). Prints medians in MB and the ratio peak/before, the
baseline being the same process idle.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def rss_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of the process in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(port: int, path: str, size: int) -> str:
    """Send the request line, headers and ``size`` bytes of body; the status line the hub answered, if any."""
    chunk = b"x" * (1024 * 1024)
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  f"Content-Length: {size}\r\n\r\n".encode())
        try:
            sent = 0
            while sent < size:
                s.sendall(chunk[: size - sent])
                sent += len(chunk)
        except OSError:
            pass  # the hub answered and closed before taking it all: the point of the gate
        try:
            return s.recv(200).split(b"\r\n", 1)[0].decode()
        except OSError as exc:
            return f"({type(exc).__name__})"


def one_round(source: Path, path: str, size: int) -> tuple[float, float, float, str]:
    data_dir = Path(tempfile.mkdtemp(prefix="bench-hub-post-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSKHUB_")}
    env |= {"KIOSKHUB_DATA_DIR": str(data_dir), "KIOSKHUB_PORT": str(port), "KIOSKHUB_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(source)}
    proc = subprocess.Popen([sys.executable, "-c", "from hub.cli import main; main()", "serve"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=source)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit("kioskhub did not start")
            time.sleep(0.2)
        for _ in range(20):
            httpx.get(f"http://127.0.0.1:{port}/api/v1/health")
        before, _ = rss_mb(proc.pid)
        status = post(port, path, size)
        time.sleep(1.0)
        after, peak = rss_mb(proc.pid)
        return before, after, peak, status
    finally:
        proc.terminate()
        proc.wait(20)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--source", type=Path, default=ROOT)
    args = parser.parse_args()
    size = args.mb * 1000 * 1000
    print(f"source {args.source}, {args.mb} MB unauthenticated POST, {args.rounds} rounds, medians")
    for path in ("/api/v1/ratings", "/api/v1/cases"):
        rounds = [one_round(args.source.resolve(), path, size) for _ in range(args.rounds)]
        before, after, peak = (statistics.median(r[i] for r in rounds) for i in range(3))
        print(f"{path:18} answer {rounds[0][3]!r:32} RSS before {before:6.1f} MB  after {after:6.1f} MB  "
              f"peak {peak:6.1f} MB  peak/before {peak / before:4.2f}")


if __name__ == "__main__":
    main()
