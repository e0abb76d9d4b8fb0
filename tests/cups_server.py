"""A throwaway CUPS server with one raw queue, for the A4 printer's tests: cupsd -f on a free port.

Everything lives in a private temporary folder (configuration, spool, logs, a socket), the queue is
written into ``printers.conf`` before cupsd starts (no lpadmin, no authentication), and its device
is a small backend of our own, ``kioskpaper:``, that "prints" by appending the job's title to
``printed.log`` and acts out the mode in ``mode``: ``ok``, ``empty`` (reports ``media-empty-error``
and fails, as a printer out of paper: CUPS then stops the queue, its default error policy), or
``slow:SECONDS``. It runs as whoever runs the tests: as root cupsd runs the backend (mode 0700) as
root too; as anyone else, as that user.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

CUPSD = "/usr/sbin/cupsd"
CUPS_LIB = Path("/usr/lib/cups")

BACKEND = """#!/bin/sh
# CUPS backend: argv job-id user title copies options [file]; DEVICE_URI=kioskpaper:/folder
if [ $# -eq 0 ]; then echo 'direct kioskpaper "Unknown" "Kiosk test paper"'; exit 0; fi
here="${DEVICE_URI#kioskpaper:}"
mode="$(cat "$here/mode" 2>/dev/null)"
case "$mode" in
  empty)
    echo "STATE: +media-empty-error" >&2
    echo "ERROR: out of paper" >&2
    exit 1;;
  slow:*)
    sleep "${mode#slow:}";;
esac
echo "$3" >> "$here/printed.log"
exit 0
"""


def missing() -> str:
    """Why a CUPS server cannot be started here, or an empty string."""
    if not Path(CUPSD).exists() or not (CUPS_LIB / "daemon" / "cups-exec").exists():
        return "cupsd not installed: apt-get install cups-daemon (./dev setup installs it)"
    return ""


def _group_exists(name: str) -> bool:
    try:
        grp.getgrnam(name)
    except KeyError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CupsServer:
    """cupsd with one queue, ``A4``, on 127.0.0.1:``port`` and a socket in its folder."""

    queue = "A4"

    def __init__(self, *, accepting: bool = True) -> None:
        self.accepting = accepting
        # Not pytest's tmp_path: cupsd checks that the folders it runs things from belong to it alone.
        self.root = Path(tempfile.mkdtemp(prefix="kiosk-cups-"))
        self.port = _free_port()
        self.socket = self.root / "cups.sock"
        self.paper = self.root / "paper"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"cups://{self.queue}?server=127.0.0.1:{self.port}"

    @property
    def socket_uri(self) -> str:
        return f"cups://{self.queue}?socket={self.socket}"

    def set_mode(self, mode: str) -> None:
        (self.paper / "mode").write_text(mode, encoding="utf-8")

    def printed(self) -> list[str]:
        log = self.paper / "printed.log"
        return log.read_text(encoding="utf-8").split() if log.exists() else []

    def _write_config(self) -> None:
        if os.getuid() == 0:  # cupsd will not run jobs as root: its own account, as Debian's cupsd does
            user, group = "lp", "lp"
            system_group = "lpadmin" if _group_exists("lpadmin") else "root"
        else:
            user = pwd.getpwuid(os.getuid()).pw_name
            group = system_group = grp.getgrgid(os.getgid()).gr_name
        conf, server_bin = self.root / "conf", self.root / "bin"
        for folder in ("conf", "spool", "spool/tmp", "state", "cache", "log", "bin/backend", "paper"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        for name in ("daemon", "filter", "notifier", "cgi-bin", "driver", "monitor"):
            if (CUPS_LIB / name).exists():
                (server_bin / name).symlink_to(CUPS_LIB / name)
        backend = server_bin / "backend" / "kioskpaper"
        backend.write_text(BACKEND, encoding="utf-8")
        backend.chmod(0o700)  # 0700: run as cupsd's own user (root when the tests run as root)
        (self.paper / "printed.log").touch()
        self.set_mode("ok")
        (conf / "cups-files.conf").write_text(f"""User {user}
Group {group}
SystemGroup {system_group}
ServerRoot {conf}
ServerBin {server_bin}
RequestRoot {self.root / 'spool'}
TempDir {self.root / 'spool/tmp'}
StateDir {self.root / 'state'}
CacheDir {self.root / 'cache'}
ErrorLog {self.root / 'log/error_log'}
AccessLog {self.root / 'log/access_log'}
PageLog {self.root / 'log/page_log'}
FileDevice No
""", encoding="utf-8")
        (conf / "cupsd.conf").write_text(f"""LogLevel debug
Listen 127.0.0.1:{self.port}
Listen {self.socket}
Browsing Off
WebInterface No
DefaultAuthType None
DefaultEncryption Never
PreserveJobHistory Yes
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
    Allow all
  </Limit>
</Policy>
""", encoding="utf-8")
        (conf / "printers.conf").write_text(f"""<DefaultPrinter {self.queue}>
Info Kiosk A4 test queue
DeviceURI kioskpaper:{self.paper}
State Idle
Accepting {"Yes" if self.accepting else "No"}
Shared No
ErrorPolicy stop-printer
</DefaultPrinter>
""", encoding="utf-8")

    def start(self) -> CupsServer:
        self._write_config()
        log = self.root / "log" / "cupsd.out"
        with open(log, "wb") as out:
            self.process = subprocess.Popen(
                [CUPSD, "-f", "-c", str(self.root / "conf" / "cupsd.conf"),
                 "-s", str(self.root / "conf" / "cups-files.conf")],
                stdout=out, stderr=out, start_new_session=True)
        deadline = time.monotonic() + 20
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"cupsd exited {self.process.returncode}: {self.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"cupsd did not listen in time: {self.log_tail()}") from None
                time.sleep(0.05)

    def log_tail(self) -> str:
        parts = [p.read_text(errors="replace")[-1500:] for p in (self.root / "log").glob("*") if p.is_file()]
        return "\n".join(parts)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)
