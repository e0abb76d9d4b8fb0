"""A slow line between kioskd and the hub: a TCP relay on 127.0.0.1 that delays and splits what it carries.

Every chunk waits ``delay_s`` (with jitter) and goes on in pieces of at most ``piece`` bytes, both ways,
so a kill of either side lands in the middle of a request or of its answer far more often than on
loopback. Bytes are relayed as they are: it knows nothing of HTTP.
"""

from __future__ import annotations

import contextlib
import random
import socket
import threading
import time


class SlowRelay:
    def __init__(self, upstream_port: int, *, delay_s: float = 0.03, piece: int = 4096, seed: int = 0) -> None:
        self.upstream_port = upstream_port
        self.delay_s = delay_s
        self.piece = piece
        self._rng = random.Random(seed)
        self._closing = threading.Event()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        threading.Thread(target=self._accept, name="slow-relay", daemon=True).start()

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
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
            except OSError:  # the hub is down: the kiosk sees its connection closed, as on a real line
                conn.close()
                continue
            for source, sink in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while not self._closing.is_set():
                data = source.recv(65536)
                if not data:
                    break
                time.sleep(self.delay_s * self._rng.uniform(0.5, 1.5))
                for start in range(0, len(data), self.piece):
                    sink.sendall(data[start:start + self.piece])
        except OSError:
            pass
        finally:
            for sock in (source, sink):  # one side gone: the other hears it, as with a cut line
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
