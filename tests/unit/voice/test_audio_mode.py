"""The audio mode: a citizen who cannot see the screen takes a queue number (取号) with the numeric keypad
alone, hearing every step, against kioskd with simulated devices. The test reads only what is spoken."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from kiosk.audio import CHOOSE, HELP, KEYPAD, NEXT, PREVIOUS, REPEAT, AudioGuide
from local_api.schemas import SessionSnapshot
from local_api.settings import Settings


@pytest.fixture(scope="module")
def kioskd(tmp_path_factory):
    from local_api.main import create_app

    data = tmp_path_factory.mktemp("audio-mode")
    app = create_app(Settings(data_dir=data, devices="sim", voice="none:", items=("queue_ticket",)),
                     configure_logging=False)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        client.headers["Authorization"] = f"Bearer {app.state.token}"
        yield client


class BlindCitizen:
    """Presses keypad keys after hearing the kiosk; never looks at a snapshot field."""

    def __init__(self, client: TestClient) -> None:
        self.client, self.guide, self.heard, self.keys = client, AudioGuide(), [], 0
        self.snapshot: SessionSnapshot | None = None

    def listen(self) -> list[str]:
        said = self.guide.show(self.snapshot)
        self.heard += said
        return said

    def wait_for_something_to_hear(self) -> list[str]:
        deadline = time.monotonic() + 20  # printing and submitting run on kioskd's pool: poll until it moves
        while time.monotonic() < deadline:
            answer = self.client.get("/v1/sessions/current")
            if answer.status_code != 200:
                return []
            self.snapshot = SessionSnapshot.model_validate(answer.json())
            said = self.listen()
            if said:
                return said
            time.sleep(0.02)
        raise AssertionError(f"the kiosk said nothing new; last heard {self.heard[-3:]}")

    def press(self, key: str) -> list[str]:
        self.keys += 1
        said, chosen = self.guide.move(KEYPAD[key])
        self.heard += said
        if chosen is not None:
            answer = self.client.post(f"/v1/sessions/{self.snapshot.id}/events",
                                      json={"type": chosen.event, "data": chosen.data})
            assert answer.status_code == 200, answer.text
            self.snapshot = SessionSnapshot.model_validate(answer.json())
            said += self.listen()
        return said

    def choose(self, wanted: str) -> None:
        """Move through the choices until one says ``wanted``, then choose it."""
        for _ in range(len(self.guide.choices) + 1):
            current = self.guide.choices[self.guide.focus].label
            if wanted in current:
                self.press("5")
                return
            self.press("2")
        raise AssertionError(f"no choice says {wanted!r}; heard {self.heard[-4:]}")


def test_a_blind_citizen_takes_a_queue_number_with_the_keypad_alone(kioskd):
    started = kioskd.post("/v1/sessions", json={"item_code": "queue_ticket"})
    assert started.status_code == 201
    citizen = BlindCitizen(kioskd)
    citizen.snapshot = SessionSnapshot.model_validate(started.json())
    first = citizen.listen()
    assert first[0] == "请选择要办理的业务" and "共7项可以选择" in " ".join(first)
    assert first[-1] == "第1项：社保医保，参保登记、转移接续、待遇申领"
    citizen.choose("住房公积金")
    said = citizen.heard
    assert "第2项，共7项：住房公积金，提取、贷款、账户变更" in said
    assert "已选择住房公积金，提取、贷款、账户变更。" in said
    assert any("是否需要优先办理" in s for s in citizen.heard)
    citizen.choose("直接取号")
    heard = []
    while not any(s.startswith("您的号码是") for s in heard):  # taking the number, printing, done
        heard += citizen.wait_for_something_to_hear()
    assert "出纸口在屏幕右下方，纸会从那里出来。" in citizen.heard  # where the ticket comes out
    number = next(s for s in heard if s.startswith("您的号码是"))
    assert number.removeprefix("您的号码是").rstrip("。").replace(" ", "")[:1].isalpha()  # e.g. Z 0 0 1, spelt out
    citizen.choose("结束办理")
    assert kioskd.get("/v1/sessions/current").json()["code"] == "no_session"  # ended and wiped
    assert citizen.keys <= 6


def test_keys_move_the_focus_round_and_repeat_the_step():
    guide = AudioGuide()
    snap = SessionSnapshot.model_validate({
        "id": "s", "item_code": "x", "item_name": "x", "status": "active", "step_number": 1, "step_total": 2,
        "updated_at": "2026-12-08T09:00:00Z",
        "step": {"id": "consent", "kind": "consent", "title": "个人信息使用告知", "prompt": "同意请选择同意。",
                 "accepts": ["consent", "back", "call_helper"],
                 "data": {"consent_id": "c", "version": "1", "purpose": "办理"}}})
    said = guide.show(snap)
    assert said[:2] == ["个人信息使用告知", "同意请选择同意。"] and said[-1] == "第1项：同意并继续"
    assert guide.show(snap) == []  # the same step again says nothing new
    assert guide.move(PREVIOUS)[0] == ["第3项，共3项：返回上一步"]  # round from the first to the last
    assert guide.move(NEXT)[0] == ["第1项，共3项：同意并继续"]
    assert guide.move(REPEAT)[0] == said
    _, chosen = guide.move(NEXT)
    _, chosen = guide.move(CHOOSE)
    assert (chosen.event, chosen.data) == ("consent", {"accepted": False})
    assert guide.move(HELP)[1].event == "call_helper"
