"""The outbox tests' fakes: a clock, a hub behind httpx.MockTransport, and a stored application."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from local_api.crypto import Sealer
from local_api.db.engine import make_engine, migrate, session_factory
from local_api.outbox import MaterialFile, Outbox

START = datetime(2026, 11, 21, 2, 30, tzinfo=UTC)
SCAN = b"\xff\xd8\xff\xe0 scan of a hukou page"
ID_NUMBER = "64010419900101123X"


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class FakeHub:
    """Idempotent POST /cases and /ratings; ``mode`` injects the faults a real network has."""

    def __init__(self) -> None:
        self.cases: dict[str, dict] = {}
        self.ratings: list[dict] = []
        self.rating_keys: dict[str, int] = {}  # Idempotency-Key -> index in ratings, as the real hub keeps them
        self.notices: dict[str, dict] = {}
        self.requests = 0
        self.mode = "ok"

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.mode == "down":
            raise httpx.ConnectError("connection refused", request=request)
        if self.mode == "500":
            return httpx.Response(500, json={"detail": "database is locked"})
        if self.mode == "401":
            return httpx.Response(401, json={"detail": "unknown kiosk token"})
        if self.mode == "422":
            return httpx.Response(422, json={"detail": [{"loc": ["body", "form"], "msg": "too big"}]})
        if request.url.path.endswith("/ratings"):
            key = request.headers["Idempotency-Key"]
            created = key not in self.rating_keys
            body = json.loads(request.content)
            if created and any(r.get("case_no") == body.get("case_no") for r in self.ratings):
                # as the real hub: one rating per case, a second under another key is refused
                return httpx.Response(409, json={"detail": "this case has already been rated",
                                                 "code": "already_rated", "case_no": body.get("case_no")})
            if created:
                self.ratings.append(json.loads(request.content))
                self.rating_keys[key] = len(self.ratings)
            if self.mode == "cut":
                raise httpx.RemoteProtocolError("peer closed connection", request=request)
            return httpx.Response(201 if created else 200, json={"rating_id": self.rating_keys[key]})
        if request.url.path.endswith("/notices"):
            self.notices.setdefault(request.headers["Idempotency-Key"], {
                "case_no": request.url.path.split("/")[-2], **json.loads(request.content)})
            return httpx.Response(201, json={"ok": True})
        key = request.headers["Idempotency-Key"]
        created = key not in self.cases
        if created:
            self.cases[key] = {"case_no": f"C{len(self.cases) + 1:04d}", "body": request.content}
        if self.mode == "cut":  # the case is made, then the answer is lost on the way back
            raise httpx.RemoteProtocolError("peer closed connection without sending complete message body",
                                            request=request)
        return httpx.Response(201 if created else 200, json={"case_no": self.cases[key]["case_no"]})


def make_outbox(tmp_path: Path, clock: Clock, **options) -> Outbox:
    engine = make_engine(tmp_path / "kioskd.sqlite3")
    migrate(engine)
    return Outbox(session_factory(engine), tmp_path / "outbox", Sealer(tmp_path / "outbox.key"), lambda: "k1",
                  clock=clock, min_free_bytes=0, **options)


def application(n: int = 1) -> dict:
    return {"item_code": "ITEM", "applicant": {"name": "张三", "id_type": "111", "id_number": ID_NUMBER},
            "form": {"n": n}, "materials": [{"file": "hukou.jpg", "label": "户口簿"}]}


def store(outbox: Outbox, n: int = 1, files: bool = True):
    scans = [MaterialFile("hukou.jpg", "image/jpeg", "户口簿", SCAN + bytes([n]))] if files else []
    return outbox.store_case(f"key-{n}", "elderly_card", application(n), scans)


