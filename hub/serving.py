"""Serving the hub with several worker processes, with Nagle's algorithm off as with one.

uvicorn binds the workers' shared socket itself with ``proto`` 0; the sockets it accepts inherit
that, and asyncio sets TCP_NODELAY only on sockets whose ``proto`` is IPPROTO_TCP. Without it each
keep-alive request after the first waits for the client's delayed ACK (about 40 ms on Linux): one
kiosk's intake fell from 85 to 18.8 cases/s with two workers. The one-process path is not affected
(asyncio binds from getaddrinfo, which names the protocol). Upstream: uvicorn issue 3149.
"""

from __future__ import annotations

import contextlib
import socket
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess


class TcpConfig(uvicorn.Config):
    """uvicorn's settings, binding a TCP socket that says it is TCP."""

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.proto == socket.IPPROTO_TCP:
            return sock
        fixed = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
        fixed.set_inheritable(True)
        return fixed


def serve_workers(app: str, workers: int, **options: Any) -> None:
    """As ``uvicorn.run(app, factory=True, workers=workers, ...)``, with the socket bound by ``TcpConfig``."""
    config = TcpConfig(app, factory=True, workers=workers, **options)
    with contextlib.suppress(KeyboardInterrupt):
        Multiprocess(config, sockets=[config.bind_socket()]).run()
