"""Video help across two hub nodes over one PostgreSQL: the kiosk and the helper on different nodes."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

import pytest

from hub.video import store
from hub.video.calls import Call, new_call_id
from tests.integration.hub.video.conftest import VideoHub, served_hub
from tests.integration.hub.video.test_console import queue_until

pytestmark = pytest.mark.postgres

OFFER = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
ANSWER = OFFER.replace("o=- 1 1", "o=- 2 2")


@pytest.fixture(scope="module")
def nodes(pg_server, tmp_path_factory) -> Iterator[tuple[VideoHub, VideoHub]]:
    """Two nodes over one database and one shared data dir (secrets, helper sessions, materials)."""
    data_dir = tmp_path_factory.mktemp("nodes") / "hub"
    url = pg_server.create_database()
    timers = {"call_ring_seconds": 60, "call_grace_seconds": 60}
    with contextlib.ExitStack() as stack:
        a = stack.enter_context(served_hub(data_dir, database_url=url, **timers))
        b = stack.enter_context(served_hub(data_dir, kiosk_token=a.kiosk_token, database_url=url, **timers))
        yield a, b


def test_a_call_rung_on_one_node_is_taken_and_talked_through_another(nodes):
    a, b = nodes
    helper = b.helper("zhao", "赵敏")  # logged in through node b; the session works on a as well
    console = a.helper_socket("/helper/ws", helper)
    call_id = a.call()  # rings on node a
    kiosk = b.kiosk_socket(call_id)  # the kiosk's socket lands on node b
    assert kiosk.expect("ringing")["waiting_helpers"] == 1
    assert queue_until(console, lambda m: any(c["id"] == call_id for c in m["calls"]), "the call")
    assert b.accept(helper, call_id).status_code == 303  # accepted through node b
    assert kiosk.expect("accepted") == {"type": "accepted", "helper": "赵敏"}
    assert "赵敏" in helper.get(f"/helper/calls/{call_id}").text  # the call page, through node b
    page = b.helper_socket(f"/helper/calls/{call_id}/ws", helper)
    assert kiosk.expect("peer-joined") == {"type": "peer-joined", "role": "helper"}
    sdp = OFFER + "a=x-pad:" + "9" * 20_000 + "\r\n"  # far over one NOTIFY payload
    kiosk.send({"type": "offer", "sdp": sdp})
    assert page.expect("offer") == {"type": "offer", "sdp": sdp}
    page.send({"type": "answer", "sdp": ANSWER})
    assert kiosk.expect("answer") == {"type": "answer", "sdp": ANSWER}
    a.wait_for(lambda: a.history(call_id)["status"] == "connected", "the call to be connected")
    step = {"id": "form", "kind": "form", "title": "填写联系方式", "fields": {"手机号": "138****0000"}}
    kiosk.send({"type": "state", "step": step})
    assert page.expect("state") == {"type": "state", "step": step}
    kiosk.send({"type": "offer"})
    assert "needs 'sdp'" in kiosk.expect("error")["detail"]  # checked on the kiosk's own node
    page.send({"type": "hangup"})
    assert kiosk.expect("hangup") == {"type": "hangup", "by": "helper", "reason": "helper_hangup"}
    assert kiosk.closed()[0] == 1000
    row = a.history(call_id)
    assert (row["status"], row["end_reason"], row["helper_name"]) == ("ended", "helper_hangup", "赵敏")


def test_a_second_helper_on_another_node_is_told_the_call_is_taken_and_the_kiosk_hangs_up_remotely(nodes):
    a, b = nodes
    first, second = a.helper("qian", "钱进"), b.helper("sun", "孙丽")
    call_id = b.call()  # rings on node b
    kiosk = a.kiosk_socket(call_id)
    assert kiosk.expect("ringing")
    assert a.accept(first, call_id).status_code == 303
    refused = second.post(f"/helper/calls/{call_id}/accept", headers={"Accept": "application/json"})
    assert refused.status_code == 409 and "已由其他工作人员接听" in refused.text
    page = a.helper_socket(f"/helper/calls/{call_id}/ws", first)
    assert kiosk.expect("peer-joined")
    r = a.kiosk().delete(f"/calls/{call_id}")  # hang up through node a, the call lives on b
    assert r.status_code == 200 and r.json()["end_reason"] == "kiosk_hangup"
    assert page.expect("hangup") == {"type": "hangup", "by": "kiosk", "reason": "kiosk_hangup"}
    assert a.kiosk().delete(f"/calls/{call_id}").status_code == 409  # ended: no second hang-up


def test_a_call_left_live_by_a_node_that_is_gone_is_recorded_as_ended_by_the_nodes_still_running(nodes):
    a, _b = nodes
    orphan = Call(id=new_call_id("deadbeef"), kiosk_id="k1", site_id="yc-hall", item_code="c", item_name="养老",
                  step_id="s", step_title="请放置身份证", elder_mode=False, language="zh_CN",
                  created_at=dt.datetime.now(dt.UTC))
    with a.state.db.write() as db, db.begin():  # as a node killed mid-call leaves it
        store.save_call(db, orphan)
    a.wait_for(lambda: a.history(orphan.id)["status"] == "cancelled", "the orphaned call to be ended")
    assert a.history(orphan.id)["end_reason"] == "hub_restart"
