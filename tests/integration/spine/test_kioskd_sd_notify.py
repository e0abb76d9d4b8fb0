"""kioskd tells systemd it is ready, then pings its watchdog from its serving loop (no systemd needed:
the test binds the notify socket itself, as systemd does for a Type=notify unit)."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import time

import httpx

from tests.daemon import kioskd

QUIET = {"KIOSK_DEVICES": "real", "KIOSK_VOICE": "none:"}


def _messages(sock: socket.socket, seconds: float) -> list[tuple[float, str]]:
    """Every datagram that arrives within ``seconds``, with its arrival time."""
    got, deadline = [], time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            got.append((time.monotonic(), sock.recv(4096).decode()))
        except TimeoutError:
            break
    return got


def test_ready_once_serving_then_watchdog_pings_that_stop_while_hung(tmp_path):
    path = tmp_path / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(path))
        # WatchdogSec=3: pings must come at least every 1.5 s (sd_watchdog_enabled(3) asks for half)
        with kioskd(tmp_path / "data", NOTIFY_SOCKET=str(path), WATCHDOG_USEC="3000000", **QUIET) as d:
            sock.settimeout(10)
            first = sock.recv(4096).decode().split("\n")
            assert first[0] == "READY=1" and first[1] == f"STATUS=serving on 127.0.0.1:{d.port}"
            assert httpx.get(f"{d.url}/health").status_code == 200

            pings = _messages(sock, 5)
            assert {text for _, text in pings} == {"WATCHDOG=1"}
            gaps = [b - a for (a, _), (b, _) in itertools.pairwise(pings)]
            assert len(pings) >= 2 and max(gaps) < 2.5, pings  # well inside WatchdogSec=3

            # A stopped process is a hung one: no pings, so systemd would restart it.
            os.kill(d.process.pid, signal.SIGSTOP)
            try:
                _messages(sock, 0.5)  # what was already on its way
                assert _messages(sock, 3.5) == []
            finally:
                os.kill(d.process.pid, signal.SIGCONT)
            assert [text for _, text in _messages(sock, 3)][:1] == ["WATCHDOG=1"]


def test_no_watchdog_asked_only_ready(tmp_path):
    path = tmp_path / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(path))
        with kioskd(tmp_path / "data", NOTIFY_SOCKET=str(path), **QUIET):
            got = [text for _, text in _messages(sock, 4)]
    assert len(got) == 1 and got[0].startswith("READY=1\n")
