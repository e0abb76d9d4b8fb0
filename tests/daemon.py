"""Test helpers: start a real kioskd process on a free port and talk to it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningDaemon:
    process: subprocess.Popen[bytes]
    port: int
    data_dir: Path
    env: dict[str, str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def token(self) -> str:
        return (self.data_dir / "api-token").read_text().strip()

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=30)

    def log_text(self) -> str:
        path = self.data_dir / "logs" / "kioskd.jsonl"
        return path.read_text(encoding="utf-8") if path.exists() else ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout)


def wait_healthy(proc: subprocess.Popen[bytes], health_url: str, stderr_path: Path, timeout: float, name: str) -> None:
    """Wait for a 200 from ``health_url``; fail with the end of the process's stderr if it exits first."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            tail = stderr_path.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise AssertionError(f"{name} exited {proc.returncode}: {tail}")
        try:
            if httpx.get(health_url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{name} did not answer {health_url} in time")
        time.sleep(0.05)


def daemon_env(data_dir: Path, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env.update({"KIOSK_DATA_DIR": str(data_dir), "KIOSK_API_PORT": str(port), **extra})
    return env


@contextmanager
def kioskd(data_dir: Path, startup_timeout: float = 60, **settings: str) -> Iterator[RunningDaemon]:
    """Run ``kioskd`` until the block ends; fails with its stderr if it never becomes healthy."""
    port = free_port()
    env = daemon_env(data_dir, port, **settings)
    data_dir.mkdir(parents=True, exist_ok=True)
    # To a file, not a pipe: a pipe nobody reads fills up and blocks the daemon's logging.
    stderr_path = data_dir / "kioskd.stderr"
    stderr = open(stderr_path, "wb")  # noqa: SIM115 - closed in the finally below
    proc = subprocess.Popen([str(BIN / "kioskd")], env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    daemon = RunningDaemon(proc, port, data_dir, env)
    try:
        wait_healthy(proc, f"{daemon.url}/health", stderr_path, startup_timeout, "kioskd")
        yield daemon
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        stderr.close()
