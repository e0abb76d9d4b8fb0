"""Three kioskhub nodes over one PostgreSQL behind a real HAProxy: cases, tickets and calls, and a node killed.

The processes start once for the module; each test goes on from the state the last one left.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from websockets.sync.client import connect

from hub.db.call_models import CallRecord
from hub.db.models import Case, Material
from hub.db.session import Database, migrate
from hub.queue.services import add_service
from hub.registry import add_kiosk
from hub.staff import accounts
from hub.staff.roles import Role
from hub.video.accounts import add_helper
from tests.daemon import free_port
from tests.integration.hub.helpers import application, multipart
from tests.integration.hub.nodes.balancer import Balancer, Hall, Node, node_env, start_all, stop_all
from tests.integration.hub.video.conftest import Peer

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(shutil.which("haproxy") is None and not Path("/usr/sbin/haproxy").exists(),
                       reason="HAProxy not installed (Debian: apt-get install haproxy, or ./dev setup)"),
]
OFFER = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
ANSWER = OFFER.replace("o=- 1 1", "o=- 2 2")
CALL = {"item_code": "11640100MB1D00000A441080011002", "item_name": "城乡居民养老保险参保登记",
        "step_title": "请放置身份证"}
WAIT = 30.0


@pytest.fixture(scope="module")
def hall(pg_server, tmp_path_factory) -> Iterator[Hall]:
    root = tmp_path_factory.mktemp("hall")
    data_dir = root / "shared"  # what every node mounts: secrets, helper sessions, materials, recordings
    url = pg_server.create_database()
    db = Database(url, 1)
    migrate(db.engine)
    now = dt.datetime.now(dt.UTC)
    with db.write() as s, s.begin():
        token = add_kiosk(s, "k1", "yc-hall", now)
        add_service(s, "yc-hall", "social_security", "A", "社保医保", 6, 2)
        passwords = {user: add_helper(s, user, name, now) for user, name in (("wang", "王芳"), ("li", "李明"))}
        staff_password = accounts.add(s, "supervisor1", "赵敏", Role("supervisor"), now)
    db.dispose()
    nodes = []
    for n in (1, 2, 3):
        port = free_port()
        nodes.append(Node(f"node{n}", port, node_env(data_dir, port, url), root / f"node{n}.log"))
    balancer = Balancer.write(root, nodes)
    try:
        start_all(nodes)
        balancer.start()
        yield Hall(nodes, balancer, url, data_dir, token, passwords, staff_password)
    finally:
        balancer.stop()
        stop_all(nodes)


def kiosk(hall: Hall, base: str) -> httpx.Client:
    return httpx.Client(base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {hall.kiosk_token}"},
                        timeout=WAIT)


def helper(hall: Hall, base: str, user: str) -> httpx.Client:
    client = httpx.Client(base_url=base, headers={"Origin": base, "Accept": "text/html"}, timeout=WAIT)
    r = client.post("/helper/login", data={"username": user, "password": hall.helper_passwords[user]})
    assert r.status_code == 303, r.text
    return client


@contextlib.contextmanager
def socket(base: str, path: str, *, token: str | None = None, browser: httpx.Client | None = None) -> Iterator[Peer]:
    headers = {"Authorization": f"Bearer {token}"} if token else {"Origin": base}
    if browser is not None:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    with connect(base.replace("http://", "ws://") + path, additional_headers=headers, open_timeout=WAIT) as ws:
        yield Peer(ws)


def submit(client: httpx.Client, key: str, scan: bytes, attempts: int = 3) -> httpx.Response:
    """As the kiosk's outbox does: the same Idempotency-Key again after a gateway error or a cut connection."""
    for attempt in range(attempts):
        try:
            r = client.post("/cases", headers={"Idempotency-Key": key},
                            **multipart(application(), [("hukou.jpg", scan, "image/jpeg")]))
            if r.status_code not in (502, 503, 504):
                return r
        except httpx.TransportError:
            if attempt == attempts - 1:
                raise
    return r


def db_rows(hall: Hall, query):
    db = Database(hall.database_url, 1)
    try:
        with db.read() as s:
            return list(s.execute(query))
    finally:
        db.dispose()


def test_cases_through_the_balancer_are_kept_once_and_every_node_serves_their_materials(hall):
    scans = {f"m{i}": b"\xff\xd8\xff\xe0" + f"scan {i} ".encode() * 500 for i in range(6)}
    with kiosk(hall, hall.balancer.url) as client:
        numbers = {key: submit(client, key, scan).json()["case_no"] for key, scan in scans.items()}
        again = submit(client, "m0", scans["m0"])
    assert again.status_code == 200 and again.json()["case_no"] == numbers["m0"]  # the first case, not a new one
    rows = db_rows(hall, select(Case.case_no, Material.id).join(Material, Material.case_id == Case.id)
                   .where(Case.case_no.in_(numbers.values())))
    material_of = dict(rows)
    assert len(material_of) == 6
    basic = "Basic " + base64.b64encode(f"supervisor1:{hall.staff_password}".encode()).decode()
    for node in hall.nodes:  # a file handed in through any node is there for staff on every node
        for key, case_no in numbers.items():
            r = httpx.get(f"{node.url}/staff/materials/{material_of[case_no]}", headers={"Authorization": basic})
            assert r.status_code == 200 and r.content == scans[key], (node.name, case_no)


def test_a_kiosk_and_a_helper_on_different_nodes_talk(hall):
    one, two, three = (n.url for n in hall.nodes)
    with kiosk(hall, one) as client:
        call_id = client.post("/calls", json=CALL).json()["call_id"]  # rings on node 1
    wang = helper(hall, three, "wang")
    with socket(two, f"/api/v1/calls/{call_id}/kiosk", token=hall.kiosk_token) as kiosk_ws:
        assert kiosk_ws.expect("ringing")
        assert wang.post(f"/helper/calls/{call_id}/accept").status_code == 303  # through node 3
        assert kiosk_ws.expect("accepted") == {"type": "accepted", "helper": "王芳"}
        with socket(three, f"/helper/calls/{call_id}/ws", browser=wang) as page:
            assert kiosk_ws.expect("peer-joined")
            kiosk_ws.send(json.dumps({"type": "offer", "sdp": OFFER}))
            assert page.expect("offer") == {"type": "offer", "sdp": OFFER}
            page.send({"type": "answer", "sdp": ANSWER})
            assert kiosk_ws.expect("answer") == {"type": "answer", "sdp": ANSWER}
            page.send({"type": "hangup"})
            assert kiosk_ws.expect("hangup")["reason"] == "helper_hangup"
    (status,) = db_rows(hall, select(CallRecord.status).where(CallRecord.id == call_id))
    assert status == ("ended",)
    wang.close()


def test_a_node_killed_mid_way_ends_only_its_calls_and_the_balancer_sends_the_rest_elsewhere(hall):
    one, _two, three = hall.nodes
    with kiosk(hall, three.url) as client:
        doomed = client.post("/calls", json=CALL).json()["call_id"]  # lives on node 3
    submitted: list[str] = []
    halfway = threading.Event()

    def kiosk_submitting() -> None:
        with kiosk(hall, hall.balancer.url) as lb:
            for i in range(30):
                r = submit(lb, f"kill-{i}", b"\xff\xd8\xff\xe0" + bytes([i]) * 200 * 1024)
                assert r.status_code == 201, r.text
                submitted.append(r.json()["case_no"])
                if i == 9:
                    halfway.set()

    with kiosk(hall, one.url) as client:
        kept = client.post("/calls", json=CALL).json()["call_id"]  # lives on node 1, its helper is on node 3
    wang = helper(hall, one.url, "wang")
    worker = threading.Thread(target=kiosk_submitting)
    with contextlib.ExitStack() as sockets:
        kiosk_ws = sockets.enter_context(socket(one.url, f"/api/v1/calls/{doomed}/kiosk", token=hall.kiosk_token))
        assert kiosk_ws.expect("ringing")
        kept_ws = sockets.enter_context(socket(one.url, f"/api/v1/calls/{kept}/kiosk", token=hall.kiosk_token))
        assert wang.post(f"/helper/calls/{kept}/accept").status_code == 303
        sockets.enter_context(socket(three.url, f"/helper/calls/{kept}/ws", browser=wang))
        assert kept_ws.expect("peer-joined")
        worker.start()
        assert halfway.wait(WAIT)
        three.kill()
        # node 1 holds the kiosk's socket and learns within a second that the call's node is gone
        assert kiosk_ws.expect("hangup") == {"type": "hangup", "by": "hub", "reason": "hub_restart"}
        assert kiosk_ws.closed()[0] == 1000
        # the helper's page comes back through another node and the call it had goes on
        page = sockets.enter_context(socket(hall.balancer.url, f"/helper/calls/{kept}/ws", browser=wang))
        assert kept_ws.expect("peer-joined") == {"type": "peer-joined", "role": "helper"}
        kept_ws.send(json.dumps({"type": "offer", "sdp": OFFER}))
        assert page.expect("offer") == {"type": "offer", "sdp": OFFER}
        page.send({"type": "hangup"})
        assert kept_ws.expect("hangup")["reason"] == "helper_hangup"
    worker.join(120)
    assert not worker.is_alive() and len(submitted) == 30
    rows = db_rows(hall, select(Case.case_no).where(Case.case_no.in_(submitted)))
    assert len(rows) == 30  # every case once, none twice despite the retries
    (ended,) = db_rows(hall, select(CallRecord.status, CallRecord.end_reason).where(CallRecord.id == doomed))
    assert tuple(ended) == ("cancelled", "hub_restart")
    lb = hall.balancer.url
    with kiosk(hall, lb) as client:  # after the kill, everything through the balancer still works
        for _ in range(4):
            ticket = client.post("/queue/tickets", json={"service": "social_security"})
            assert ticket.status_code == 201, ticket.text
        call_id = client.post("/calls", json=CALL).json()["call_id"]
    li = helper(hall, lb, "li")
    with socket(lb, f"/api/v1/calls/{call_id}/kiosk", token=hall.kiosk_token) as kiosk_ws:
        assert kiosk_ws.expect("ringing")
        assert li.post(f"/helper/calls/{call_id}/accept").status_code == 303
        with socket(lb, f"/helper/calls/{call_id}/ws", browser=li) as page:
            assert kiosk_ws.expect("peer-joined")
            kiosk_ws.send(json.dumps({"type": "offer", "sdp": OFFER}))
            assert page.expect("offer")["sdp"] == OFFER
    li.close()
