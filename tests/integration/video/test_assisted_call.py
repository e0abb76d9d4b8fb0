"""帮办 over a video call, end to end: the helper asks to fill in, the citizen agrees on the kiosk, the helper's
keystrokes reach the session through kioskd's engine and come back on the UI's event stream marked as the
helper's; the card's fields stay the citizen's, taking the control back drops unconfirmed typing, and a call
that ends ends the control."""

from __future__ import annotations

import json
import statistics
import time
from typing import Any

from websockets.sync.client import connect

from tests.citizen import ELDER_CARD
from tests.integration.video.test_call_api import Helper, call_id_of, daemon, hub, wait_for  # noqa: F401

ITEM = "individual_business_precheck"
FILLED = {"premises": "宁夏回族自治区银川市金凤区正源北街1号", "form_of_organization": "个人经营",
          "employees": "2", "capital": "5", "phone": "13900001234"}


def session_of(kiosk) -> dict[str, Any]:
    return kiosk.get("/sessions/current").json()


def field(session: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in session["step"]["fields"] if f["name"] == name)


def to_the_form(kiosk) -> str:
    kiosk.post("/sim/id_reader/remove")
    sid = kiosk.post("/sessions", json={"item_code": ITEM}).json()["id"]
    kiosk.post(f"/sessions/{sid}/events", json={"type": "next"})
    kiosk.post(f"/sessions/{sid}/events", json={"type": "consent", "data": {"accepted": True}})
    assert kiosk.post("/sim/id_reader/place", json={"card": "resident", "fields": ELDER_CARD}).status_code == 200
    wait_for("the form after the card", lambda: session_of(kiosk)["step"]["id"] == "business")
    return sid


def pushed_field(ui, name: str, value: str, timeout: float = 10) -> dict[str, Any]:
    """The next session push showing ``name`` as ``value`` (what the kiosk's screen is given)."""
    deadline = time.monotonic() + timeout
    while True:
        msg = json.loads(ui.recv(timeout=max(0.1, deadline - time.monotonic())))
        if msg["type"] == "session" and msg["session"]["step"]["kind"] == "form":
            shown = field(msg["session"], name)
            if shown["value"] == value:
                return shown


def test_the_helper_fills_in_only_with_the_citizens_consent_and_through_the_engine(hub, daemon):  # noqa: F811
    app, hub_url = hub
    with daemon.client() as kiosk, connect(daemon.url.replace("http", "ws") + f"/events?token={daemon.token}") as ui:
        sid = to_the_form(kiosk)
        assert kiosk.post("/call", json={"camera": False}).status_code == 201
        call_id = call_id_of(kiosk)
        helper = Helper(hub_url)
        try:
            helper.accept(call_id)
            helper.join(call_id)
            helper.next("offer")
            assert kiosk.put("/call/assist", json={"accept": True}).status_code == 409  # nobody asked
            helper.send(type="assist_input", action="set_field", field="scope", value="不该写入")
            helper.send(type="assist_request")  # handled in order: its answer means the entry was handled too
            wait_for("the citizen asked", lambda: kiosk.get("/call").json()["assist"] == "asked")
            assert helper.next("assist")["state"] == "asked"
            assert field(session_of(kiosk), "scope")["value"] == ""  # not before the citizen agreed

            assert kiosk.put("/call/assist", json={"accept": True}).json()["assist"] == "on"
            assert helper.next("assist")["state"] == "on"
            form = wait_for("the step as a form", lambda: _last_form(app, call_id))
            names = {f["name"]: f for f in form["fields"]}
            assert names["operator_name"]["may_set"] is False and names["operator_name"]["value"] == "王*兰"
            assert names["scope"]["may_set"] is True and form["next"] is True

            # each keystroke goes through kioskd's engine and back to the screen, marked as the helper's
            latencies = []
            typed = ""
            for char in "日用百货零售":
                typed += char
                sent = time.perf_counter()
                helper.send(type="assist_input", action="set_field", field="scope", value=typed)
                shown = pushed_field(ui, "scope", typed)
                latencies.append((time.perf_counter() - sent) * 1000)
                assert shown["by_helper"] is True
            print(f"\nkeystroke to the kiosk's event stream: median {statistics.median(latencies):.1f} ms "
                  f"(max {max(latencies):.1f} ms, {len(latencies)} keystrokes)")

            helper.send(type="assist_input", action="set_field", field="operator_name", value="李四")
            refused = helper.next("assist")
            assert refused["state"] == "on" and refused["reason"] == "refused"
            assert field(session_of(kiosk), "operator_name")["value"] == "王*兰"

            # the citizen takes it back: the helper's unconfirmed typing is gone, their entries no longer land
            assert kiosk.put("/call/assist", json={"accept": False}).json()["assist"] == "off"
            assert helper.next("assist")["state"] == "off"
            assert field(session_of(kiosk), "scope")["value"] == ""
            helper.send(type="assist_input", action="set_field", field="scope", value="又写")
            helper.send(type="assist_request")
            wait_for("asked again", lambda: kiosk.get("/call").json()["assist"] == "asked")
            assert field(session_of(kiosk), "scope")["value"] == ""
            assert session_of(kiosk)["assist"]["active"] is False
            kiosk.put("/call/assist", json={"accept": True})
            for name, value in {"scope": "日用百货零售", **FILLED}.items():
                helper.send(type="assist_input", action="set_field", field=name, value=value)
            wait_for("the helper's typing", lambda: field(session_of(kiosk), "phone")["value"] == FILLED["phone"])
            helper.send(type="assist_input", action="next")
            wait_for("the next step, by the form's own rules",
                     lambda: session_of(kiosk)["step"]["id"] == "capture_basic")
            state = wait_for("a state without a form at the camera step",
                             lambda: _last_state(app, call_id, "capture_basic"))
            assert "form" not in state["step"]  # the citizen's papers are the citizen's

            helper.send(type="hangup")
            wait_for("the call ended", lambda: kiosk.get("/call").json()["state"] == "ended")
            assist = wait_for("the control ended with the call",
                              lambda: (a := session_of(kiosk)["assist"]) and not a["active"] and a)
            assert assist["entered"] == ["scope", *FILLED]
        finally:
            helper.close()
            kiosk.delete("/sessions/current")
        assert sid


def _last_form(app: Any, call_id: str) -> dict[str, Any] | None:
    states = [m for m in app.state.rooms[call_id].kiosk_log if m["type"] == "state" and "form" in m["step"]]
    return states[-1]["step"]["form"] if states else None


def _last_state(app: Any, call_id: str, step_id: str) -> dict[str, Any] | None:
    states = [m for m in app.state.rooms[call_id].kiosk_log if m["type"] == "state"]
    return states[-1] if states and states[-1]["step"]["id"] == step_id else None
