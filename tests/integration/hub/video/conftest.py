"""A real served hub (uvicorn in a thread) for the video-help tests: kiosks, helpers, their sockets."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from hub.app import create_app
from hub.registry import add_kiosk
from hub.settings import HubSettings
from hub.state import HubState
from hub.video.accounts import add_helper
from tests.daemon import free_port

WAIT = 20.0  # generous: the machine may be loaded; every wait ends as soon as the condition holds


class Peer:
    """One side's signaling socket with bounded waits."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    def send(self, message: dict[str, Any] | str | bytes) -> None:
        self.ws.send(message if isinstance(message, str | bytes) else json.dumps(message))

    def recv(self, timeout: float = WAIT) -> dict[str, Any]:
        return json.loads(self.ws.recv(timeout=timeout))

    def expect(self, kind: str, timeout: float = WAIT) -> dict[str, Any]:
        """The next message of this type (skipping others, e.g. ringing updates)."""
        deadline = time.monotonic() + timeout
        while True:
            msg = self.recv(max(0.1, deadline - time.monotonic()))
            if msg["type"] == kind:
                return msg

    def closed(self, timeout: float = WAIT) -> tuple[int | None, str]:
        """Read until the hub closes the socket; its close code and reason."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                self.ws.recv(timeout=max(0.1, deadline - time.monotonic()))
        except ConnectionClosed as exc:
            return (exc.rcvd.code, exc.rcvd.reason) if exc.rcvd else (None, "")
        except TimeoutError:
            pass
        raise AssertionError("the hub did not close the socket")

    def close(self) -> None:
        self.ws.close()


@dataclass
class VideoHub:
    url: str
    state: HubState
    kiosk_token: str
    clients: list[httpx.Client] = field(default_factory=list)
    sockets: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    stop: Callable[[], None] = lambda: None
    board: Any = None

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://")

    def kiosk(self, token: str | None = None) -> httpx.Client:
        client = httpx.Client(
            base_url=f"{self.url}/api/v1",
            headers={"Authorization": f"Bearer {token or self.kiosk_token}"},
            timeout=WAIT,
        )
        self.clients.append(client)
        return client

    def register_kiosk(self, kiosk_id: str, site: str = "yc-hall") -> str:
        with self.state.db.write() as db, db.begin():
            return add_kiosk(db, kiosk_id, site, dt.datetime.now(dt.UTC))

    def add_helper(self, username: str, name: str) -> str:
        with self.state.db.write() as db, db.begin():
            return add_helper(db, username, name, dt.datetime.now(dt.UTC))

    def browser(self) -> httpx.Client:
        """A client like a browser: keeps cookies, sends the hub's own Origin, does not follow redirects."""
        client = httpx.Client(base_url=self.url, headers={"Origin": self.url, "Accept": "text/html"}, timeout=WAIT)
        self.clients.append(client)
        return client

    def helper(self, username: str, name: str) -> httpx.Client:
        """A new helper, logged in through the login form."""
        password = self.add_helper(username, name)
        client = self.browser()
        r = client.post("/helper/login", data={"username": username, "password": password})
        assert r.status_code == 303, r.text
        return client

    def call(self, **changes: Any) -> str:
        body = {
            "item_code": "11640100MB1D00000A441080011002",
            "item_name": "城乡居民养老保险参保登记",
            "step_id": "read_card",
            "step_title": "请放置身份证",
            **changes,
        }
        r = self.kiosk().post("/calls", json=body)
        assert r.status_code == 201, r.text
        return r.json()["call_id"]

    def kiosk_socket(self, call_id: str, token: str | None = None) -> Peer:
        headers = {"Authorization": f"Bearer {token or self.kiosk_token}"}
        return self._open(f"/api/v1/calls/{call_id}/kiosk", headers)

    def helper_socket(self, path: str, client: httpx.Client | None) -> Peer:
        headers = {"Origin": self.url}
        if client is not None:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        return self._open(path, headers)

    def _open(self, path: str, headers: dict[str, str]) -> Peer:
        return Peer(
            self.sockets.enter_context(connect(self.ws_url + path, additional_headers=headers, open_timeout=WAIT))
        )

    def accept(self, client: httpx.Client, call_id: str) -> httpx.Response:
        return client.post(f"/helper/calls/{call_id}/accept")

    def history(self, call_id: str) -> dict[str, Any]:
        from hub.db.call_models import CallRecord

        with self.state.db.read() as db:
            row = db.get(CallRecord, call_id)
            assert row is not None
            return {c.name: getattr(row, c.name) for c in CallRecord.__table__.columns}

    def wait_for(self, check: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + WAIT
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.02)


@contextmanager
def served_hub(data_dir, kiosk_token: str | None = None, **settings: Any) -> Iterator[VideoHub]:
    """The hub's app under uvicorn on a free port, with one kiosk registered (``kiosk_token``: already is)."""
    port = free_port()
    app = create_app(HubSettings(data_dir=data_dir, port=port, **settings))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the hub did not start")
        time.sleep(0.02)
    state: HubState = app.state.hub
    hub = VideoHub(f"http://127.0.0.1:{port}", state, "")
    hub.kiosk_token = kiosk_token or hub.register_kiosk("k1")
    hub.board = app.state.calls

    def stop() -> None:
        server.should_exit = True
        thread.join(30)

    hub.stop = stop
    try:
        yield hub
    finally:
        hub.sockets.close()
        for client in hub.clients:
            client.close()
        stop()


@pytest.fixture
def video_hub(tmp_path) -> Iterator[VideoHub]:
    with served_hub(tmp_path / "hub", call_ring_seconds=60, call_grace_seconds=60) as hub:
        yield hub


@pytest.fixture
def hub_with(tmp_path) -> Iterator[Callable[..., VideoHub]]:
    """A served hub with the given settings, e.g. ``hub_with(call_ring_seconds=0.5)``."""
    with contextlib.ExitStack() as stack:

        def make(**settings: Any) -> VideoHub:
            return stack.enter_context(served_hub(tmp_path / "hub", **settings))

        yield make
