"""Real IPP printers for tests and benchmarks: CUPS's ``ippeveprinter`` as a process, on a private D-Bus.

``ippeveprinter`` refuses to start when it cannot reach a DNS-SD daemon ("Unable to initialize
DNS-SD"), even with ``-r off``. Avahi's client library only needs the D-Bus *system bus* to answer
(``AVAHI_CLIENT_NO_FAIL`` then waits for avahi-daemon in the background), so a private bus of our own,
named by ``DBUS_SYSTEM_BUS_ADDRESS``, is enough: no avahi-daemon, no root, nothing machine-wide.

The printer "prints" by running a small command per job (``-c``): it appends the job's file to
``printed.log`` and acts out the mode written in ``mode``: ``ok``; ``empty`` (reports
``media-empty-error`` and fails the job: the paper ran out); ``slow:SECONDS`` (takes that long);
``late-empty:SECONDS`` (runs out of paper after that long). Once out of paper, ippeveprinter holds
every later job until paper is loaded.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
"""

PRINT_COMMAND = """#!/bin/sh
# $1: the job's spool file. Output: one line per finished page run in printed.log.
here="$(dirname "$0")"
mode="$(cat "$here/mode" 2>/dev/null)"
case "$mode" in
  empty)
    echo "STATE: +media-empty-error" >&2
    exit 1;;
  slow:*)
    sleep "${mode#slow:}";;
  late-empty:*)
    sleep "${mode#late-empty:}"
    echo "STATE: +media-empty-error" >&2
    exit 1;;
esac
echo "$(basename "$1")" >> "$here/printed.log"
exit 0
"""


def missing_tools() -> str:
    """Why the real-printer tests cannot run here, or an empty string."""
    lacking = [name for name in ("ippeveprinter", "dbus-daemon") if shutil.which(name) is None]
    if lacking:
        return (f"{' and '.join(lacking)} not installed: apt-get install cups-ipp-utils dbus-daemon "
                "(./dev setup installs them)")
    return ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SystemBus:
    """A private D-Bus daemon of type "system", for Avahi's client inside ippeveprinter."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="kiosk-bus-"))
        self.socket = self.root / "bus"
        (self.root / "bus.conf").write_text(BUS_CONFIG.format(socket=self.socket), encoding="utf-8")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"unix:path={self.socket}"

    def start(self) -> SystemBus:
        self.process = subprocess.Popen(["dbus-daemon", "--nofork", f"--config-file={self.root / 'bus.conf'}"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not self.socket.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the private D-Bus daemon did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)


class IppEvePrinter:
    """One ``ippeveprinter`` process: an IPP Everywhere printer on 127.0.0.1:``port``."""

    def __init__(self, bus: SystemBus, root: Path, *, formats: str = "application/pdf,image/pwg-raster",
                 name: str = "KioskA4", port: int | None = None) -> None:
        self.bus = bus
        self.root = root
        self.formats = formats
        self.name = name
        self.port = port or free_port()
        self.root.mkdir(parents=True, exist_ok=True)
        self.command = self.root / "print.sh"
        self.command.write_text(PRINT_COMMAND, encoding="utf-8")
        self.command.chmod(0o755)
        self.set_mode("ok")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"ipp://localhost:{self.port}/ipp/print"

    @property
    def tls_uri(self) -> str:
        """The same printer over TLS (a self-signed certificate it makes itself, kept under ``keys``)."""
        return f"ipps://localhost:{self.port}/ipp/print"

    def set_mode(self, mode: str) -> None:
        (self.root / "mode").write_text(mode, encoding="utf-8")

    def printed(self) -> list[str]:
        """The spool files the printer finished, one per copy that came out."""
        log = self.root / "printed.log"
        return log.read_text(encoding="utf-8").split() if log.exists() else []

    def start(self) -> IppEvePrinter:
        env = {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": self.bus.address}
        spool = self.root / "spool"
        shutil.rmtree(spool, ignore_errors=True)  # a restarted printer remembers no jobs
        spool.mkdir()
        (self.root / "keys").mkdir(exist_ok=True)  # its self-signed TLS certificate goes here
        self.log = open(self.root / "ippeveprinter.log", "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            ["ippeveprinter", "-r", "off", "-K", str(self.root / "keys"), "-p", str(self.port), "-d", str(spool),
             "-c", str(self.command), "-f", self.formats, "-s", "60", self.name],
            env=env, stdout=self.log, stderr=self.log, start_new_session=True)
        self._wait_listening()
        return self

    def _wait_listening(self) -> None:
        deadline = time.monotonic() + 15
        while True:
            if self.process is not None and self.process.poll() is not None:
                tail = (self.root / "ippeveprinter.log").read_text(errors="replace")[-1500:]
                raise RuntimeError(f"ippeveprinter exited {self.process.returncode}: {tail}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("ippeveprinter did not listen in time") from None
                time.sleep(0.05)

    def freeze(self, frozen: bool = True) -> None:
        """Stop answering without closing anything (SIGSTOP), or carry on (SIGCONT)."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGSTOP if frozen else signal.SIGCONT)

    def kill(self) -> None:
        """Gone at once with the job it was printing, as a printer whose power is cut."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)  # its own session: the print command goes too
            self.process.wait(10)
        self.log.close()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if not self.log.closed:
            self.log.close()
