"""Tell systemd how a service is doing (the sd_notify protocol): ``READY=1`` once it serves, then
``WATCHDOG=1`` at least every ``WatchdogSec=`` / 2 while it is alive.

The protocol is one datagram per message on the unix socket named by ``$NOTIFY_SOCKET`` (a path,
or ``@name`` for the abstract namespace); ``$WATCHDOG_USEC`` says how often systemd wants a sign
of life and ``$WATCHDOG_PID``, when set, which process it expects it from. Outside systemd there
is no ``NOTIFY_SOCKET`` and every call here does nothing, so development and tests run the same code.

kioskd and the UI both use it; standard library only, as all of ``common`` (a dependency for a
dozen lines of protocol is not worth its upkeep).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping


def notify(*messages: str, env: Mapping[str, str] | None = None) -> bool:
    """Send ``messages`` (e.g. ``"READY=1"``, ``"STATUS=..."``) as one datagram to systemd.

    Returns False when there is no systemd to tell or the datagram could not be sent: a service
    must keep running when its supervisor is away, and systemd notices missing pings by itself.
    """
    address = (os.environ if env is None else env).get("NOTIFY_SOCKET", "")
    if address.startswith("@"):
        address = "\0" + address[1:]  # abstract namespace
    elif not address.startswith("/"):
        return False  # unset, or a transport this module does not speak (e.g. vsock)
    payload = "\n".join(messages).encode("utf-8")
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.sendto(payload, address)
    except OSError:
        return False
    return True


def watchdog_seconds(env: Mapping[str, str] | None = None) -> float | None:
    """systemd's ``WatchdogSec=`` for this process in seconds, or None when no watchdog is asked for.

    Ping at least twice within it (sd_watchdog_enabled(3)). A ``WATCHDOG_PID`` naming another
    process means the setting was inherited from a parent and is not meant for us.
    """
    env = os.environ if env is None else env
    try:
        usec = int(env.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    pid = env.get("WATCHDOG_PID", "")
    if usec <= 0 or (pid and pid != str(os.getpid())):
        return None
    return usec / 1_000_000
