"""One kiosk's requests to a hub with two workers: the hub's own socket (TCP_NODELAY) against uvicorn's.

Run: .venv/bin/python tests/bench/bench_hub_workers.py [--requests N] [--rounds R]
Both hubs are real processes with KIOSKHUB_WORKERS=2 on SQLite; a kiosk sends keep-alive requests one
after another. "uvicorn's socket" is how ``kioskhub serve`` ran before hub.serving: each request after
the first on a connection waited for the client's delayed ACK.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.daemon import free_port, wait_healthy  # noqa: E402

UVICORN_OWN = "import uvicorn; uvicorn.run('hub.app:app_from_env', factory=True, workers=2, port={port})"
HUB_OWN = "from hub.serving import serve_workers; serve_workers('hub.app:app_from_env', 2, port={port})"


def served(code: str, data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSKHUB_")}
    env |= {"KIOSKHUB_DATA_DIR": str(data_dir), "KIOSKHUB_WORKERS": "2", "KIOSKHUB_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT)}
    log = data_dir.parent / f"{data_dir.name}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-c", code.format(port=port)], env=env, stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(proc, f"{url}/api/v1/health", log, 120, "kioskhub")
    return proc, url


def rate(url: str, requests: int) -> float:
    with httpx.Client(base_url=url) as client:
        client.get("/api/v1/health")  # the connection is open: every request below reuses it
        start = time.perf_counter()
        for _ in range(requests):
            client.get("/api/v1/health").raise_for_status()
        return requests / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hubworkers-") as tmp:
        procs = []
        try:
            old, old_url = served(UVICORN_OWN, Path(tmp) / "uvicorn")
            procs.append(old)
            new, new_url = served(HUB_OWN, Path(tmp) / "hub")
            procs.append(new)
            olds, news = [], []
            for _ in range(args.rounds):  # interleaved, so both see the same machine
                olds.append(rate(old_url, args.requests))
                news.append(rate(new_url, args.requests))
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(30)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; {args.requests} keep-alive requests a round")
    print(f"uvicorn's socket  median {statistics.median(olds):7.1f} req/s  ({', '.join(f'{x:.0f}' for x in olds)})")
    print(f"hub's TCP socket  median {statistics.median(news):7.1f} req/s  ({', '.join(f'{x:.0f}' for x in news)})")
    print(f"ratio {statistics.median(news) / statistics.median(olds):.2f}x")


if __name__ == "__main__":
    main()
