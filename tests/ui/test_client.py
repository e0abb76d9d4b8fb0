"""The HTTP client against a kioskd stand-in over real HTTP and WebSocket, and the CLI's guards."""

from __future__ import annotations

import threading
import time

import pytest

from kiosk import cli
from kiosk.client import EventRejectedError, HttpKioskd, SessionGone, Unauthorized, Unreachable
from local_api.schemas import EventIn, SessionStart

from .fake_kioskd import Served


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with Served(tmp_path_factory.mktemp("kioskd")) as server:
        yield server


@pytest.fixture
def client(served):
    served.fake.reset()
    client = HttpKioskd(f"http://127.0.0.1:{served.port}", token=served.token)
    yield client
    client.close()


def test_session_round_trip_over_http(client, served):
    assert client.health().status == "ok"
    assert "hj-zm" in [item.code for item in client.items()]
    assert client.current_session() is None
    snap = client.start_session(SessionStart(item_code="hj-zm", elder_mode=True))
    assert snap.step.kind == "guide"
    snap = client.send_event(snap.id, EventIn(type="next"))
    assert snap.step.kind == "consent"
    assert client.current_session().id == snap.id
    client.set_voice_muted(True)
    assert served.fake.muted is True
    assert client.camera_preview()[:2] == b"\xff\xd8"  # a JPEG
    assert {d.name for d in client.devices()} == {"id_reader", "printer", "camera", "voice", "a4_printer"}
    assert client.device_test("printer", "print") == "online"
    assert client.device_test("fax", "print") == "not-configured"
    assert client.camera_state()["hint"] == "empty"
    assert client.face_live().active is False and client.face_preview() is None  # no face check running


def test_rejected_event_and_ended_session_are_told_apart(client):
    snap = client.start_session(SessionStart(item_code="hj-zm"))
    with pytest.raises(EventRejectedError) as rejected:
        client.send_event(snap.id, EventIn(type="rate", data={"level": 5}))
    assert rejected.value.rejected.step == "guide"
    assert "next" in rejected.value.rejected.expected
    client.send_event(snap.id, EventIn(type="next"))
    restarted = client.send_event(snap.id, EventIn(type="start_over"))
    assert restarted.step.kind == "guide"
    with pytest.raises(SessionGone):
        client.send_event("no-such-session", EventIn(type="next"))


def test_wrong_token_and_no_daemon_give_clear_errors(served):
    bad = HttpKioskd(f"http://127.0.0.1:{served.port}", token="wrong")
    with pytest.raises(Unauthorized, match="api-token"):
        bad.items()
    nobody = HttpKioskd("http://127.0.0.1:9", token="x", timeout=1)
    with pytest.raises(Unreachable, match="is it running"):
        nobody.health()


def test_pushed_snapshots_arrive_over_the_websocket(client, served):
    got: list = []
    arrived = threading.Event()
    stop = threading.Event()

    def on_message(message):
        got.append(message)
        if message.type == "session" and message.session.step.kind == "form":
            arrived.set()

    attached_before = served.fake.listener_count
    listener = threading.Thread(target=client.listen, args=(on_message, stop), daemon=True)
    listener.start()
    # Act only once the websocket is attached: a push made before that is rightly never seen.
    deadline = time.monotonic() + 30  # generous: a loaded CI machine connects slowly
    while served.fake.listener_count <= attached_before and time.monotonic() < deadline:
        time.sleep(0.05)
    snap = client.start_session(SessionStart(item_code="hj-zm"))
    snap = client.send_event(snap.id, EventIn(type="next"))
    snap = client.send_event(snap.id, EventIn(type="consent", data={"accepted": True}))
    assert snap.step.kind == "identify"
    client.place_card("resident")
    arrived.wait(10)
    stop.set()
    listener.join(timeout=3)
    assert arrived.is_set()
    assert got[-1].session.applicant.name_masked == "欧**兰"


def test_cli_refuses_a_demo_without_kioskd_and_bad_sizes(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("KIOSK_API_PORT", "9")
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path))
    assert cli.main(["--headless", "--script", "demo"]) == 1
    assert "start kioskd" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--size", "big"])
    assert exit_.value.code == 2
    monkeypatch.setenv("KIOSK_API_PORT", "eighty")
    assert cli.main(["--headless", "--check-config"]) == 2  # without it the UI shows 暂停服务 and the reason
    assert "KIOSK_API_PORT" in capsys.readouterr().err  # (test_settings_screen.py shows that screen)


def test_start_daemon_never_starts_a_second_one(monkeypatch, served):
    monkeypatch.setenv("KIOSK_API_PORT", str(served.port))
    started = []
    monkeypatch.setattr(cli.Daemon, "start", lambda self: started.append(self))
    monkeypatch.setattr(cli, "run_ui", lambda args, settings, client: 0)
    assert cli.main(["--start-daemon", "--headless"]) == 0
    assert started == []


def test_an_item_kioskd_will_not_start_comes_back_with_its_words_for_the_citizen(client, served):
    from kiosk.client import ItemNotReady

    served.fake.a4_media = "empty"
    with pytest.raises(ItemNotReady) as refused:
        client.start_session(SessionStart(item_code="sb-cx"))
    assert refused.value.code == "a4_not_ready" and refused.value.message.startswith("A4打印机缺纸")
    assert client.start_session(SessionStart(item_code="hj-zm")).step.kind == "guide"  # no A4: it starts
