"""kioskd answers its own names only (DNS rebinding), refuses foreign-origin WebSockets and bodies over its limit."""

from __future__ import annotations

import socket

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.daemon import kioskd

QUIET = {"KIOSK_DEVICES": "real", "KIOSK_VOICE": "none:"}


def test_a_rebinding_host_is_refused_and_loopback_names_answer(tmp_path):
    with kioskd(tmp_path, **QUIET, KIOSK_API_ALLOWED_HOSTS="kiosk-07.hall.lan") as d:
        headers = {"Authorization": f"Bearer {d.token}"}
        for host in ("127.0.0.1", "localhost", f"localhost:{d.port}", "kiosk-07.hall.lan"):
            r = httpx.get(f"{d.url}/devices", headers={**headers, "Host": host})
            assert r.status_code == 200, (host, r.text)
        # a page on attacker.example whose name now resolves to 127.0.0.1 asks with its own name
        rebound = httpx.get(f"{d.url}/devices", headers={**headers, "Host": f"attacker.example:{d.port}"})
        assert rebound.status_code == 400
        assert rebound.json()["detail"] == ("kioskd answers only to its own names (localhost, 127.0.0.1 or "
                                            "KIOSK_API_ALLOWED_HOSTS), not to Host 'attacker.example'")
        assert httpx.get(f"{d.url}/health", headers={"Host": "attacker.example"}).status_code == 400


def test_a_websocket_from_a_foreign_origin_is_refused_and_the_uis_is_taken(tmp_path):
    with kioskd(tmp_path, **QUIET) as d:
        url = f"ws://127.0.0.1:{d.port}/v1/events?token={d.token}"
        with pytest.raises(InvalidStatus) as refused:
            connect(url, origin="http://attacker.example", open_timeout=10).close()
        assert refused.value.response.status_code == 403
        with pytest.raises(InvalidStatus):
            connect(url, additional_headers={"Host": "attacker.example"}, open_timeout=10).close()
        for origin in (None, f"http://localhost:{d.port}"):  # the UI sends none; a local page its own
            with connect(url, origin=origin, open_timeout=10) as ws:
                ws.send('{"type": "ping"}')  # accepted: the socket is open


def test_a_body_over_the_limit_is_refused_before_it_is_read(tmp_path):
    with kioskd(tmp_path, **QUIET) as d:
        size = 60 * 1000 * 1000
        with socket.create_connection(("127.0.0.1", d.port), timeout=30) as s:
            s.sendall(f"POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {d.token}\r\n"
                      f"Content-Type: application/json\r\nContent-Length: {size}\r\n\r\n".encode())
            s.sendall(b"{" + b" " * 1000)  # kioskd answers without waiting for the other 60 MB
            answer_bytes = b""
            while not answer_bytes.endswith(b"}"):
                more = s.recv(4096)
                if not more:
                    break
                answer_bytes += more
        answer = answer_bytes.decode()
        assert answer.startswith("HTTP/1.1 413")
        assert "request body over 1048576 bytes" in answer

        def chunks():
            for _ in range(40):
                yield b" " * 65536

        with d.client() as c:
            streamed = c.post("/sessions", content=chunks(), headers={"Content-Type": "application/json"})
        assert streamed.status_code == 413
        with d.client() as c:
            assert c.post("/sessions", json={"item_code": "no-such-item"}).status_code in (404, 409, 422)
