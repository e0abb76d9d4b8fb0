"""A TCP proxy on 127.0.0.1 in front of the hub that misbehaves on demand, one HTTP/1.1 exchange at a time."""

from __future__ import annotations

import socket
import threading

ERROR_BODY = b'{"detail": "internal server error"}'


def read_message(sock: socket.socket) -> bytes | None:
    """One HTTP message (head and Content-Length body) from ``sock``; None when the peer closed first."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        body += chunk
    return head + b"\r\n\r\n" + body


class FaultyProxy:
    """``mode``: pass (relay), 500 (answer it ourselves), hang (never answer), cut (relay to the hub, then
    close the connection halfway through the hub's answer, so the case exists but the kiosk never hears)."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.mode = "pass"
        self.seen: list[str] = []
        self._closing = threading.Event()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._closing.set()
        self._server.close()

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            while (request := read_message(conn)) is not None:
                mode = self.mode
                self.seen.append(mode)
                if mode == "500":
                    conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
                                 b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(ERROR_BODY), ERROR_BODY))
                    return
                if mode == "hang":
                    self._closing.wait(30)
                    return
                with socket.create_connection(("127.0.0.1", self.upstream_port), timeout=30) as upstream:
                    upstream.sendall(request)
                    response = read_message(upstream)
                if response is None:
                    return
                if mode == "cut":
                    conn.sendall(response[: len(response) // 2])
                    return
                conn.sendall(response)
