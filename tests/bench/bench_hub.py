"""Hub intake throughput: cases per second with a 200 KB attachment, concurrent kiosks, SQLite and PostgreSQL.

Run: .venv/bin/python tests/bench/bench_hub.py [--cases N] [--kiosks K] [--rounds R] [--nodes N]
With --nodes, N hub nodes (processes) over one PostgreSQL behind HAProxy, against one node direct.
The hub runs as a real ``kioskhub serve`` process on 127.0.0.1; kiosks are client threads. PostgreSQL
is a throwaway server (initdb + pg_ctl) when its binaries are installed, and is skipped otherwise.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from common.idnumber import check_char  # noqa: E402
from hub.db.session import Database, migrate  # noqa: E402
from hub.registry import add_kiosk  # noqa: E402
from tests.hub_pg import PgServer, find_bindir  # noqa: E402

ATTACHMENT = os.urandom(200 * 1024)
ITEM = "11640100MB1D00000A441080011002"


def _id_number(body17: str = "64010419900101123") -> str:
    return body17 + check_char(body17)


APPLICATION = json.dumps(
    {
        "item_code": ITEM,
        "item_name": "城乡居民养老保险参保登记",
        "applicant": {"name": "张三", "id_number": _id_number()},
        "form": {"地址": "银川市兴庆区解放西街1号", "参保档次": "500"},
        "materials": [{"file": "scan.pdf", "label": "户口簿"}],
    },
    ensure_ascii=False,
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServedHub:
    """A kioskhub process with `kiosks` registered kiosks."""

    def __init__(self, data_dir: Path, database_url: str | None, kiosks: int, workers: int = 1) -> None:
        self.port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSKHUB_")}
        env |= {"KIOSKHUB_DATA_DIR": str(data_dir), "KIOSKHUB_PORT": str(self.port), "KIOSKHUB_LOG_LEVEL": "WARNING"}
        if database_url:
            env["KIOSKHUB_DATABASE_URL"] = database_url
        env["KIOSKHUB_WORKERS"] = str(workers)
        db = Database(database_url or f"sqlite:///{data_dir / 'kioskhub.sqlite3'}", 1)
        migrate(db.engine)
        self.tokens = []
        with db.write() as session, session.begin():
            for n in range(kiosks):
                now = dt.datetime.now(dt.UTC)
                self.tokens.append(add_kiosk(session, f"bench-{n}", "hall-1", now))
        db.dispose()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from hub.cli import main; main()", "serve"], env=env, cwd=data_dir
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{self.base}/api/v1/health", timeout=2)
                return
            except httpx.TransportError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("kioskhub did not start") from None
                time.sleep(0.1)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


class ServedNodes:
    """`nodes` kioskhub processes over one PostgreSQL and one data dir, HAProxy (the shipped example) in front."""

    def __init__(self, data_dir: Path, database_url: str, kiosks: int, nodes: int) -> None:
        from tests.integration.hub.nodes.balancer import Balancer, Node, node_env, start_all

        db = Database(database_url, 1)
        migrate(db.engine)
        with db.write() as session, session.begin():
            now = dt.datetime.now(dt.UTC)
            self.tokens = [add_kiosk(session, f"bench-{n}", "hall-1", now) for n in range(kiosks)]
        db.dispose()
        self.nodes = []
        for n in range(nodes):
            port = _free_port()
            self.nodes.append(Node(f"node{n + 1}", port, node_env(data_dir, port, database_url),
                                   data_dir.parent / f"node{n + 1}.log"))
        self.balancer = Balancer.write(data_dir.parent, self.nodes)
        start_all(self.nodes)
        self.balancer.start()
        self.base = self.balancer.url

    def stop(self) -> None:
        from tests.integration.hub.nodes.balancer import stop_all

        self.balancer.stop()
        stop_all(self.nodes)


def run_round(hub: ServedHub | ServedNodes, cases: int, kiosks: int, round_no: int) -> float:
    """Cases per second for `cases` submissions spread over `kiosks` concurrent kiosks."""
    counter = iter(range(cases))
    lock = threading.Lock()

    def kiosk(n: int, client: httpx.Client) -> int:
        done = 0
        headers = {"Authorization": f"Bearer {hub.tokens[n]}"}
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return done
            r = client.post(
                "/api/v1/cases",
                headers=headers | {"Idempotency-Key": f"r{round_no}-{i}"},
                data={"application": APPLICATION},
                files=[("materials", ("scan.pdf", ATTACHMENT, "application/pdf"))],
            )
            if r.status_code != 201:
                raise RuntimeError(f"unexpected {r.status_code}: {r.text[:200]}")
            done += 1

    clients = [httpx.Client(base_url=hub.base, timeout=120) for _ in range(kiosks)]
    try:
        start = time.perf_counter()
        with ThreadPoolExecutor(kiosks) as pool:
            total = sum(pool.map(kiosk, range(kiosks), clients))
        elapsed = time.perf_counter() - start
    finally:
        for c in clients:
            c.close()
    assert total == cases
    return cases / elapsed


def measure(label: str, database_url: str | None, args: argparse.Namespace, workers: int = 1,
            nodes: int = 0) -> dict[int, float]:
    results: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="hubbench-") as tmp:
        hub: ServedHub | ServedNodes
        if nodes:
            assert database_url is not None
            hub = ServedNodes(Path(tmp) / "shared", database_url, max(args.kiosks), nodes)
        else:
            hub = ServedHub(Path(tmp), database_url, max(args.kiosks), workers)
        try:
            run_round(hub, 20, 2, -1)  # warm-up
            for kiosks in args.kiosks:
                rates = [run_round(hub, args.cases, kiosks, r + kiosks * 100) for r in range(args.rounds)]
                results[kiosks] = statistics.median(rates)
                print(f"{label:10s} kiosks={kiosks:<3d} median {results[kiosks]:7.1f} cases/s  (rounds: "
                      + ", ".join(f"{x:.1f}" for x in rates) + ")", flush=True)  # fmt: skip
        finally:
            hub.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=150, help="cases per round")
    parser.add_argument("--kiosks", type=int, nargs="+", default=[1, 8, 32], help="concurrent kiosk counts")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pg-workers", type=int, default=2, help="also measure PostgreSQL with this many workers")
    parser.add_argument("--nodes", type=int, default=0,
                        help="instead: this many hub nodes behind HAProxy against one PostgreSQL node (needs haproxy)")
    args = parser.parse_args()
    print(f"hub intake, 200 KB attachment, {args.cases} cases/round, {args.rounds} rounds, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    if args.nodes:
        measure_nodes(args)
        return
    sqlite = measure("sqlite", None, args)
    bindir = find_bindir()
    if bindir is None:
        print("postgresql: skipped (no server binaries found)")
        return
    server = PgServer(bindir).start()
    try:
        pg = measure("postgresql", server.create_database(), args)
        pgw = measure(f"pg x{args.pg_workers}", server.create_database(), args, args.pg_workers)
    finally:
        server.stop()
    base = sqlite[args.kiosks[0]]
    for kiosks in args.kiosks:
        print(
            f"kiosks={kiosks:<3d} sqlite {sqlite[kiosks] / base:4.2f}x  postgresql {pg[kiosks] / base:4.2f}x  "
            f"postgresql with {args.pg_workers} workers {pgw[kiosks] / base:4.2f}x "
            f"(baseline: sqlite, {args.kiosks[0]} kiosk)"
        )


def measure_nodes(args: argparse.Namespace) -> None:
    """One PostgreSQL node direct (the baseline), then ``--nodes`` nodes behind HAProxy, in the same process."""
    bindir = find_bindir()
    if bindir is None:
        print("postgresql: no server binaries found")
        return
    server = PgServer(bindir).start()
    try:
        one = measure("pg 1 node", server.create_database(), args)
        many = measure(f"pg {args.nodes} nodes", server.create_database(), args, nodes=args.nodes)
    finally:
        server.stop()
    for kiosks in args.kiosks:
        print(f"kiosks={kiosks:<3d} {args.nodes} nodes behind haproxy {many[kiosks] / one[kiosks]:4.2f}x "
              f"one node direct")


if __name__ == "__main__":
    main()
