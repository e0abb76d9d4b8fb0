"""Test helper: run a real kioskhub process on a free port, with one registered kiosk."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.daemon import BIN, free_port, wait_healthy

SAMPLES = Path(__file__).resolve().parent.parent / "hub" / "sample_records"


@dataclass
class RunningHub:
    process: subprocess.Popen[bytes] | None
    port: int
    data_dir: Path
    env: dict[str, str]
    kiosk_token: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=f"{self.url}/api/v1", headers={"Authorization": f"Bearer {self.kiosk_token}"},
                            timeout=30)

    def start(self, timeout: float = 60) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # To a file, not a pipe: a pipe nobody reads fills up and blocks the hub's logging.
        stderr_path = self.data_dir / "kioskhub.stderr"
        with open(stderr_path, "ab") as stderr:
            self.process = subprocess.Popen([str(BIN / "kioskhub"), "serve"], env=self.env,
                                            stdout=subprocess.DEVNULL, stderr=stderr)
        wait_healthy(self.process, f"{self.url}/api/v1/health", stderr_path, timeout, "kioskhub")

    def kill(self) -> None:
        """SIGKILL, as a power cut or the OOM killer would: no shutdown code runs."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def hub_env(data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIOSK_", "KIOSKHUB_"))}
    env.update({"KIOSKHUB_DATA_DIR": str(data_dir), "KIOSKHUB_PORT": str(port)})
    return env


@contextmanager
def kioskhub(data_dir: Path, kiosk_id: str = "test-kiosk", *, start: bool = True) -> Iterator[RunningHub]:
    """A hub with ``kiosk_id`` registered; ``start=False`` registers it but leaves the hub down."""
    port = free_port()
    env = hub_env(data_dir, port)
    added = subprocess.run([str(BIN / "kioskhub"), "kiosks", "add", "--init", "--id", kiosk_id, "--site", "yc-hall"],
                           env=env, capture_output=True, text=True, timeout=60, check=True)
    hub = RunningHub(None, port, data_dir, env, added.stdout.split()[-1])
    subprocess.run([str(BIN / "kioskhub"), "queue", "add-service", "--site", "yc-hall", "--code", "social_security",
                    "--prefix", "A", "--name", "社保医保"], env=env, capture_output=True, timeout=60, check=True)
    for kind in ("housing_fund", "social_insurance"):  # the reference records the query items read
        subprocess.run([str(BIN / "kioskhub"), "records", "import", "--kind", kind, str(SAMPLES / f"{kind}.json")],
                       env=env, capture_output=True, timeout=60, check=True)
    if start:
        hub.start()
    try:
        yield hub
    finally:
        hub.stop()
