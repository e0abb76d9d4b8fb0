"""The sd_notify protocol against a real unix datagram socket, as systemd listens for it."""

from __future__ import annotations

import os
import socket
import uuid

import pytest

from common import sdnotify


@pytest.fixture
def listener(tmp_path):
    """A datagram socket bound where NOTIFY_SOCKET will point, like systemd's notify socket."""
    path = tmp_path / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(path))
        sock.settimeout(2)
        yield str(path), sock


def test_ready_and_status_go_as_one_datagram(listener):
    path, sock = listener
    assert sdnotify.notify("READY=1", "STATUS=serving on 127.0.0.1:8765", env={"NOTIFY_SOCKET": path})
    assert sock.recv(4096).decode() == "READY=1\nSTATUS=serving on 127.0.0.1:8765"


def test_every_call_is_its_own_datagram(listener):
    path, sock = listener
    for _ in range(3):
        assert sdnotify.notify("WATCHDOG=1", env={"NOTIFY_SOCKET": path})
    assert [sock.recv(4096) for _ in range(3)] == [b"WATCHDOG=1"] * 3


def test_abstract_socket_names_start_with_an_at_sign():
    name = f"kiosk-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(2)
        assert sdnotify.notify("READY=1", env={"NOTIFY_SOCKET": "@" + name})
        assert sock.recv(4096) == b"READY=1"


def test_utf8_status_text(listener):
    path, sock = listener
    assert sdnotify.notify("STATUS=打印机缺纸", env={"NOTIFY_SOCKET": path})
    assert sock.recv(4096).decode("utf-8") == "STATUS=打印机缺纸"


@pytest.mark.parametrize("value", ["", "relative/path", "vsock:2:1234"])
def test_nothing_is_sent_without_a_unix_socket_to_send_to(value):
    assert sdnotify.notify("READY=1", env={"NOTIFY_SOCKET": value}) is False
    assert sdnotify.notify("READY=1", env={}) is False


def test_a_socket_that_is_gone_is_not_an_error(tmp_path):
    assert sdnotify.notify("WATCHDOG=1", env={"NOTIFY_SOCKET": str(tmp_path / "gone")}) is False


def test_reads_notify_socket_from_the_environment(listener, monkeypatch):
    path, sock = listener
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    assert sdnotify.notify("READY=1")
    assert sock.recv(4096) == b"READY=1"


@pytest.mark.parametrize(("env", "seconds"), [
    ({"WATCHDOG_USEC": "30000000"}, 30.0),
    ({"WATCHDOG_USEC": "6000000", "WATCHDOG_PID": str(os.getpid())}, 6.0),
    ({"WATCHDOG_USEC": "6000000", "WATCHDOG_PID": "1"}, None),  # meant for another process
    ({"WATCHDOG_USEC": "0"}, None),
    ({"WATCHDOG_USEC": "soon"}, None),
    ({}, None),
])
def test_watchdog_seconds(env, seconds):
    assert sdnotify.watchdog_seconds(env) == seconds
