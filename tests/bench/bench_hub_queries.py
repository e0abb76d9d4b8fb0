"""Hub record queries: import speed of reference records and per-query latency against /cases/lookup.

Run: .venv/bin/python tests/bench/bench_hub_queries.py [--people N] [--queries Q]
In-process (FastAPI TestClient) on SQLite, and on a throwaway PostgreSQL server when its binaries are
installed. The baseline is POST /cases/lookup for the same person, measured in the same process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from common.idnumber import check_char  # noqa: E402
from hub.app import create_app  # noqa: E402
from hub.records import import_records, parse_entries  # noqa: E402
from hub.registry import add_kiosk  # noqa: E402
from hub.settings import HubSettings  # noqa: E402
from tests.hub_pg import PgServer, find_bindir  # noqa: E402

BORN = dt.date(1950, 1, 1)


def id_number(n: int) -> str:
    """Distinct for n below 1000 * 20000 days; a real birth date, as the hub checks it."""
    body = f"640104{BORN + dt.timedelta(days=n // 1000):%Y%m%d}{n % 1000:03d}"
    return body + check_char(body)


def people(n: int) -> tuple[bytes, bytes]:
    months = [f"2026-{m:02d}" for m in range(10, 0, -1)] + ["2025-12", "2025-11"]
    fund, social = [], []
    for i in range(n):
        person = {"id_type": "111", "id_number": id_number(i), "name": "测试人员"}
        fund.append(
            person
            | {
                "status": "正常",
                "balance": "12345.67",
                "monthly_deposit": "1000.00",
                "deposit_base": "5000.00",
                "last_deposit_month": "2026-10",
                "deposits": [{"month": m, "amount": "1000.00"} for m in months],
            }
        )
        social.append(
            person
            | {
                "contribution_months": 120,
                "insurances": [{"type": "养老", "status": "参保缴费", "start_month": "2010-01"}],
                "recent": [{"month": m, "base": "5000", "personal": "525", "unit": "1127.5"} for m in months],
            }
        )
    return json.dumps(fund, ensure_ascii=False).encode(), json.dumps(social, ensure_ascii=False).encode()


def median_ms(call, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def run(label: str, data_dir: Path, database_url: str | None, n: int, queries: int) -> None:
    settings = HubSettings(data_dir=data_dir, database_url=database_url, log_level="WARNING")
    fund_raw, social_raw = people(n)
    app = create_app(settings)
    with TestClient(app) as client:
        state = app.state.hub
        with state.db.write() as db, db.begin():
            token = add_kiosk(db, "bench", "hall-1", dt.datetime.now(dt.UTC))
        auth = {"Authorization": f"Bearer {token}"}
        start = time.perf_counter()
        entries = parse_entries("housing_fund", fund_raw)
        parsed = time.perf_counter()
        import_records(state.db.write, state.keys, "housing_fund", entries, dt.datetime.now(dt.UTC))
        stored = time.perf_counter()
        social = parse_entries("social_insurance", social_raw)
        import_records(state.db.write, state.keys, "social_insurance", social, dt.datetime.now(dt.UTC))
        start_again = time.perf_counter()
        import_records(state.db.write, state.keys, "housing_fund", entries, dt.datetime.now(dt.UTC))
        replaced = time.perf_counter()
        print(
            f"{label}: import {n} housing_fund records: parse {n / (parsed - start):,.0f}/s, "
            f"store new {n / (stored - parsed):,.0f}/s, replace all {n / (replaced - start_again):,.0f}/s"
        )
        person = {"id_type": "111", "id_number": id_number(n // 2)}

        def post(path: str, body: dict) -> None:
            r = client.post(path, headers=auth, json=body)
            assert r.status_code == 200, r.text

        for _ in range(20):  # warm up
            post("/api/v1/cases/lookup", person)
        baseline = median_ms(lambda: post("/api/v1/cases/lookup", person), queries)
        print(f"{label}:   POST /cases/lookup (baseline)     median {baseline:6.2f} ms")
        for query, form in (
            ("housing-fund-query", {}),
            ("si-record-certificate", {"certificate": "enrolment"}),
            ("case-progress-query", {}),
        ):
            ms = median_ms(lambda q=query, f=form: post(f"/api/v1/queries/{q}", person | {"form": f}), queries)
            print(f"{label}:   POST /queries/{query:<22} median {ms:6.2f} ms  ({ms / baseline:.2f}x baseline)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run("sqlite", Path(tmp) / "sqlite", None, args.people, args.queries)
        bindir = find_bindir()
        if bindir is None:
            print("postgres: skipped (server binaries not found)")
            return
        server = PgServer(bindir).start()
        try:
            run("postgres", Path(tmp) / "pg", server.create_database(), args.people, args.queries)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
