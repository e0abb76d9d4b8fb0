"""A certificate from a flow: time from the citizen's tap to the A4 job completed, through kioskd and a real hub.

Run: .venv/bin/python tests/bench/bench_certificate_flow.py [--runs N]
A real kioskhub and kioskd run as processes; the item is 社会保险参保缴费证明打印 with a 确认打印 review
step put before its print step (as a hall may, through KIOSK_FLOWS_DIR), so that the clock starts at a tap:
the POST of ``next`` on that step. It stops when kioskd's session shows the certificate printed (polled
every 5 ms). In between: the hub builds and signs the certificate, kioskd checks and holds it, and the
A4 printer takes the job and reports it completed. Measured with the sim A4 printer (a PDF file per job)
and, when the tools are installed, with ippeveprinter over IPP.

The baseline is one POST /api/v1/certificates to the same hub from this process (a new key each time,
so each one is built and signed), interleaved with the runs: the ratio says what kioskd, the engine and
the printer add to the hub's own work.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from flows.loader import DEFINITIONS_DIR  # noqa: E402
from tests.daemon import kioskd  # noqa: E402
from tests.hub_process import kioskhub  # noqa: E402

LI = {"name": "李建国", "birth_date": "1980-07-15", "sex_code": "1", "id_number": "640104198007152039"}
CONFIRM = """  - id: confirm
    kind: review
    title: 确认打印
    prompt: 请确认后点击打印。
    idle_timeout_s: 120
"""
KEYS = itertools.count()  # a key per baseline request: a repeated key is answered from what the hub kept


def hall_flows(folder: Path) -> Path:
    folder.mkdir(parents=True)
    own = (DEFINITIONS_DIR / "si_record_certificate.yaml").read_text(encoding="utf-8")
    (folder / "si_record_certificate.yaml").write_text(own.replace("  - id: print\n", CONFIRM + "  - id: print\n"),
                                                       encoding="utf-8")
    return folder


def wait(c, sid: str, check, timeout: float = 60.0, every: float = 0.005) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        snap = c.get(f"/sessions/{sid}").json()
        if check(snap):
            return snap
        if snap.get("notice") and snap["notice"]["level"] == "error":
            raise RuntimeError(f"the session stopped: {snap['notice']}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"still at {snap['step']['id']} {snap['step']['data']}")
        time.sleep(every)


def one_run(c) -> float:
    """Seconds from the tap on 确认打印 to the certificate printed."""
    c.post("/sim/id_reader/remove")
    sid = c.post("/sessions", json={"item_code": "si_record_certificate"}).json()["id"]
    c.post(f"/sessions/{sid}/events", json={"type": "next"})
    c.post(f"/sessions/{sid}/events", json={"type": "consent", "data": {"accepted": True}})
    c.post("/sim/id_reader/place", json={"card": "resident", "fields": LI})
    wait(c, sid, lambda s: s["step"]["id"] == "face", every=0.02)
    c.post(f"/sessions/{sid}/events", json={"type": "consent", "data": {"accepted": True}})  # 人证核验 first
    wait(c, sid, lambda s: s["step"]["id"] == "confirm", timeout=120, every=0.05)
    start = time.perf_counter()
    c.post(f"/sessions/{sid}/events", json={"type": "next"})
    wait(c, sid, lambda s: s["step"]["kind"] == "print" and s["step"]["data"]["state"] == "printed")
    spent = time.perf_counter() - start
    c.delete("/sessions/current")
    return spent


def measure(hub, daemon, runs: int) -> tuple[float, float]:
    """Median ms of the tap-to-printed runs and of the baseline hub requests, interleaved."""
    flow, alone = [], []
    with daemon.client() as c, hub.api() as api:
        one_run(c)  # warm up: the hub's first certificate cuts its font

        def hub_only() -> float:
            start = time.perf_counter()
            answer = api.post("/certificates", headers={"Idempotency-Key": f"bench-{os.getpid()}-{next(KEYS)}"},
                              json={"kind": "social_insurance_contribution", "identity_check": "card_read",
                                    "holder": {"id_type": "111", "id_number": LI["id_number"]}})
            assert answer.status_code == 200, answer.text
            return time.perf_counter() - start

        for _ in range(runs):
            flow.append(one_run(c))
            alone.append(hub_only())
    return statistics.median(flow) * 1000, statistics.median(alone) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp_:
        tmp = Path(tmp_)
        flows = hall_flows(tmp / "flows")
        with kioskhub(tmp / "hub", "bench-kiosk", start=False) as hub:
            hub.env["KIOSKHUB_ID_LOOKUPS_PER_WINDOW"] = "10000"  # a benchmark is not a citizen being looked up
            hub.start()
            common = {"KIOSK_DEVICES": "sim", "KIOSK_VOICE": "none:", "KIOSK_FACE_CAMERA": "sim:?play=1",
                      "KIOSK_KIOSK_ID": "bench-kiosk",
                      "KIOSK_HUB_URL": hub.url, "KIOSK_HUB_TOKEN": hub.kiosk_token, "KIOSK_DEVICE_POLL_S": "0.05",
                      "KIOSK_FLOWS_DIR": str(flows), "KIOSK_ITEMS": "si_record_certificate",
                      "KIOSK_LOG_LEVEL": "WARNING"}
            with kioskd(tmp / "kiosk-sim", KIOSK_A4_PRINTER=f"sim://{tmp / 'a4'}", **common) as daemon:
                results.append(("sim A4 printer", *measure(hub, daemon, args.runs)))
            results += ipp_run(tmp, hub, common, args.runs)
    for name, flow_ms, hub_ms in results:
        print(f"{name:>16}: tap → printed {flow_ms:8.1f} ms median of {args.runs}; hub POST alone (baseline) "
              f"{hub_ms:7.1f} ms; x{flow_ms / hub_ms:.2f}")
    print(f"load average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


def ipp_run(tmp: Path, hub, common: dict[str, str], runs: int) -> list[tuple[str, float, float]]:
    from tests.ipp_printers import IppEvePrinter, SystemBus, missing_tools

    if reason := missing_tools():
        print(f"ippeveprinter not measured: {reason}")
        return []
    bus = SystemBus().start()
    try:
        server = IppEvePrinter(bus, tmp / "printer").start()
        try:
            with kioskd(tmp / "kiosk-ipp", KIOSK_A4_PRINTER=server.uri, **common) as daemon:
                return [("ippeveprinter", *measure(hub, daemon, runs))]
        finally:
            server.stop()
    finally:
        bus.stop()


if __name__ == "__main__":
    main()
