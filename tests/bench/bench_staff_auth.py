"""Staff accounts: what a staff request costs with the session cookie, with HTTP Basic (a scrypt check per request),
and what the audit row adds to a case page.

Run: .venv/bin/python tests/bench/bench_staff_auth.py [--runs N]
In-process (FastAPI TestClient) on SQLite. Baseline: GET /api/v1/health in the same process, interleaved.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from hub.app import create_app  # noqa: E402
from hub.registry import add_kiosk  # noqa: E402
from hub.settings import HubSettings  # noqa: E402
from hub.staff import accounts  # noqa: E402
from hub.staff.roles import Role  # noqa: E402
from tests.bench.timing import interleaved  # noqa: E402
from tests.integration.hub.helpers import multipart  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(HubSettings(data_dir=Path(tmp) / "hub"))
        with TestClient(app, base_url="http://localhost", headers={"Origin": "http://localhost"}) as client:
            state = app.state.hub
            now = dt.datetime.now(dt.UTC)
            with state.db.write() as db, db.begin():
                token = add_kiosk(db, "k1", "hall-1", now)
                password = accounts.add(db, "clerk1", "王芳", Role.CLERK, now)
            case_no = client.post("/api/v1/cases", headers={"Authorization": f"Bearer {token}",
                                                            "Idempotency-Key": "b1"}, **multipart()).json()["case_no"]
            basic = TestClient(app, base_url="http://localhost")
            cookie = TestClient(app, base_url="http://localhost", headers={"Origin": "http://localhost"})
            assert cookie.post("/staff/login", data={"username": "clerk1", "password": password},
                               follow_redirects=False).status_code == 303
            page = f"/staff/cases/{case_no}"
            queue = "/api/v1/staff/queue/hall-1/windows/1"
            calls = {
                "health (baseline)": lambda: client.get("/api/v1/health"),
                "queue window JSON, cookie": lambda: cookie.get(queue),
                "queue window JSON, Basic": lambda: basic.get(queue, auth=("clerk1", password)),
                "case page, cookie (+ audit row)": lambda: cookie.get(page),
            }
            for fn in calls.values():
                fn()  # warm up
            medians = interleaved(list(calls.values()), args.runs)
    base = medians[0]
    print(json.dumps({name: {"median_ms": round(m, 2), "ratio_to_health": round(m / base, 1)}
                      for name, m in zip(calls, medians, strict=True)}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
