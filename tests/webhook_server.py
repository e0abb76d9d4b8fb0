"""Test helper: a real HTTP server on a free port that keeps the JSON posted to it and can refuse on cue."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    """What the server got, in order; ``fail_next`` posts answered 503 before it accepts again."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.received_at: list[float] = []  # time.perf_counter() of each accepted post
        self.refused = 0
        self.fail_next = 0
        self._changed = threading.Condition()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The posts once at least ``count`` were accepted; AssertionError after ``timeout``."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.posts) >= count, timeout):
                raise AssertionError(f"{len(self.posts)} post(s) arrived, {count} expected: {self.posts}")
            return list(self.posts)

    def wait_refused(self, count: int, timeout: float = 10.0) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: self.refused >= count, timeout), f"refused {self.refused}"

    def take(self, body: bytes) -> int:
        with self._changed:
            if self.fail_next > 0:
                self.fail_next -= 1
                self.refused += 1
                self._changed.notify_all()
                return 503
            self.posts.append(json.loads(body))
            self.received_at.append(time.perf_counter())
            self._changed.notify_all()
            return 200


@contextmanager
def webhook_server() -> Iterator[tuple[str, Receiver]]:
    """``(url, receiver)`` of a server on 127.0.0.1 that runs until the block ends."""
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status = receiver.take(body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/kiosk-alerts", receiver
    finally:
        server.shutdown()
        server.server_close()
