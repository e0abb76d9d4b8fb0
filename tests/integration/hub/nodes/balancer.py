"""Test set-up for several hub nodes: kioskhub processes over one PostgreSQL, HAProxy in front of them."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.daemon import BIN, free_port, wait_healthy
from tests.hub_process import hub_env

EXAMPLE = Path(__file__).resolve().parents[4] / "packaging" / "kioskhub" / "haproxy-kioskhub.cfg"


@dataclass
class Node:
    name: str
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def spawn(self) -> None:
        with open(self.log, "ab") as stderr:
            self.process = subprocess.Popen([str(BIN / "kioskhub"), "serve"], env=self.env,
                                            stdout=subprocess.DEVNULL, stderr=stderr)

    def wait(self) -> None:
        assert self.process is not None
        wait_healthy(self.process, f"{self.url}/api/v1/health", self.log, 120, f"kioskhub node {self.name}")

    def kill(self) -> None:
        """SIGKILL, as a power cut or the OOM killer would: no shutdown code runs."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class Balancer:
    """HAProxy from Debian, configured from the example halls are given (packaging/kioskhub/haproxy-kioskhub.cfg)."""

    port: int
    config: Path
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def write(cls, folder: Path, nodes: list[Node]) -> Balancer:
        port = free_port()
        text = EXAMPLE.read_text(encoding="utf-8")
        text = text.replace("bind :80", f"bind 127.0.0.1:{port}")
        servers = "".join(f"    server {n.name} 127.0.0.1:{n.port} check\n" for n in nodes)
        start = text.index("    server node1")
        end = text.index("\n\n", start) if "\n\n" in text[start:] else len(text)
        text = text[:start] + servers.rstrip("\n") + text[end:]
        config = folder / "haproxy.cfg"
        config.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
        return cls(port, config, folder / "haproxy.log")

    def start(self) -> None:
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        check = subprocess.run([haproxy, "-c", "-f", str(self.config)], capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, check.stdout + check.stderr
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen([haproxy, "-db", "-f", str(self.config)], stdout=out, stderr=out)
        self.wait_up()

    def wait_up(self, timeout: float = 30) -> None:
        """Until the balancer answers a health check through a node."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"haproxy exited: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("the balancer did not come up")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(20)


@dataclass
class Hall:
    """Nodes, the balancer in front, the shared data dir and one registered kiosk."""

    nodes: list[Node]
    balancer: Balancer
    database_url: str
    data_dir: Path
    kiosk_token: str
    helper_passwords: dict[str, str] = field(default_factory=dict)
    staff_password: str = ""  # the supervisor account `supervisor1`


def start_all(nodes: list[Node]) -> None:
    """Start the nodes side by side (each takes seconds to import), then wait for each to answer."""
    for node in nodes:
        node.spawn()
    for node in nodes:
        node.wait()


def node_env(data_dir: Path, port: int, database_url: str) -> dict[str, str]:
    env = hub_env(data_dir, port)
    env |= {"KIOSKHUB_DATABASE_URL": database_url, "KIOSKHUB_LOG_LEVEL": "WARNING",
            "KIOSKHUB_CALL_RING_SECONDS": "60", "KIOSKHUB_CALL_GRACE_SECONDS": "60"}
    return env


def stop_all(nodes: list[Node]) -> None:
    """SIGTERM to every node at once, then wait for each (each ends its own calls on the way out)."""
    for node in nodes:
        if node.process is not None and node.process.poll() is None:
            node.process.send_signal(signal.SIGTERM)
    for node in nodes:
        node.stop()
