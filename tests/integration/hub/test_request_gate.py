"""Limits before parsing: a request's size and the kiosk's token are judged before its body is read."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from tests.integration.hub.helpers import PERSON

MB = 1000 * 1000


@dataclass
class Sent:
    """A request driven straight into the ASGI app, counting how much of the body the hub asked for."""

    chunks: int
    chunk_bytes: int
    taken: int = 0
    status: int = 0
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def send(hub, path: str, headers: dict[str, str], sent: Sent, declare: bool = True) -> Sent:
    app = hub.client.app
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    if declare:
        raw.append((b"content-length", str(sent.chunks * sent.chunk_bytes).encode()))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "headers": raw,
             "client": ("127.0.0.1", 50000), "server": ("testserver", 80), "root_path": "", "app": app}
    chunk = b"x" * sent.chunk_bytes

    async def receive():
        if sent.taken < sent.chunks:
            sent.taken += 1
            return {"type": "http.request", "body": chunk, "more_body": sent.taken < sent.chunks}
        return {"type": "http.disconnect"}

    async def reply(message):
        if message["type"] == "http.response.start":
            sent.status = message["status"]
            sent.headers = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            sent.body += message.get("body", b"")

    hub.client.portal.call(app, scope, receive, reply)
    return sent


def test_an_unauthenticated_60_mb_post_is_refused_without_reading_it(hub):
    declared = send(hub, "/api/v1/cases", {"content-type": "multipart/form-data; boundary=x"}, Sent(60, MB))
    assert declared.status == 401 and declared.taken == 0
    assert "Bearer" in json.loads(declared.body)["detail"]

    chunked = send(hub, "/api/v1/cases", {"content-type": "multipart/form-data; boundary=x",
                                          "authorization": "Bearer not-a-token"}, Sent(60, MB), declare=False)
    assert chunked.status == 401 and chunked.taken == 0
    assert chunked.headers["www-authenticate"] == "Bearer"


def test_a_token_used_under_another_kiosk_id_is_refused_before_the_body(hub):
    sent = send(hub, "/api/v1/queries/housing-fund-query",
                {"authorization": f"Bearer {hub.token}", "x-kiosk-id": "k2", "content-type": "application/json"},
                Sent(1, 1000))
    assert sent.status == 403 and sent.taken == 0


def test_json_routes_take_about_one_mebibyte_and_say_so(hub):
    big = send(hub, "/api/v1/queries/housing-fund-query",
               {"authorization": f"Bearer {hub.token}", "content-type": "application/json"}, Sent(2, 600 * 1024))
    assert big.status == 413 and big.taken == 0
    assert json.loads(big.body)["detail"] == ("request body over 1048576 bytes; this route takes at most 1 MiB; "
                                              "files go with POST /api/v1/cases")

    streamed = send(hub, "/api/v1/heartbeat", {"authorization": f"Bearer {hub.token}",
                                               "content-type": "application/json"}, Sent(40, 64 * 1024), declare=False)
    assert streamed.status == 413
    assert streamed.taken <= 17  # cut off just past 1 MiB, not read to the end

    padded = {"id_type": "111", "id_number": PERSON, "form": {"note": "x" * 900_000}}
    r = hub.client.post("/api/v1/queries/case-progress-query", headers=hub.auth(), json=padded)
    assert r.status_code == 422  # under the limit: read and judged on its content (the form answer is too long)
    assert r.json()["detail"][0]["loc"][:2] == ["body", "form"]


def test_the_upload_route_keeps_its_large_limit_for_a_kiosk(hub):
    sent = send(hub, "/api/v1/cases", {"authorization": f"Bearer {hub.token}", "idempotency-key": "big",
                                       "content-type": "multipart/form-data; boundary=x"}, Sent(3, MB))
    assert sent.status == 422 and sent.taken >= 1  # read and parsed (a broken multipart), not refused for its size
    assert json.loads(sent.body)["detail"][0]["msg"] == "Invalid multipart data."


def test_staff_and_public_routes_are_not_asked_for_a_kiosk_token(hub):
    assert hub.client.get("/api/v1/health").status_code == 200
    assert hub.client.post("/api/v1/enrol", json={"code": "AAAA-BBBB"}).status_code in (400, 404, 410, 422)
    auth = hub.staff()
    assert hub.client.get("/api/v1/staff/appointments?site=hall-1", auth=auth).status_code != 401
    wrong = hub.client.post("/api/v1/appointments", auth=("staff", "wrong"), json={})
    assert wrong.status_code == 401
