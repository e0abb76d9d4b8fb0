"""Connections to a hub served by several workers have Nagle's algorithm off, as with one worker."""

from __future__ import annotations

import asyncio
import socket

import uvicorn

from hub.serving import TcpConfig


def _nodelay_of_accepted(config: uvicorn.Config) -> int:
    """TCP_NODELAY on the server side of a connection accepted on ``config.bind_socket()``, as asyncio sets it."""

    async def run() -> int:
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Probe, sock=config.bind_socket())
        port = server.sockets[0].getsockname()[1]
        _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            return await asyncio.wait_for(accepted, 10)
        finally:
            writer.close()
            server.close()
            await server.wait_closed()

    return asyncio.run(run())


def test_the_workers_socket_gives_accepted_connections_tcp_nodelay():
    assert _nodelay_of_accepted(TcpConfig("hub.app:app_from_env", factory=True, host="127.0.0.1", port=0)) != 0


def test_uvicorns_own_workers_socket_does_not_which_is_why_the_hub_binds_its_own():
    # the day uvicorn fixes this (issue 3149), this test fails and hub.serving can go
    assert _nodelay_of_accepted(uvicorn.Config("hub.app:app_from_env", factory=True, host="127.0.0.1", port=0)) == 0
