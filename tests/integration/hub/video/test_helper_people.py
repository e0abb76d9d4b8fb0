"""Helpers as people: kioskhub helpers disable, enable, reset and unlock, ending sessions that are open right now."""

from __future__ import annotations

import os

import pytest
from typer.testing import CliRunner

from hub.cli import app
from hub.routes import helper as helper_routes
from hub.video import accounts


def kioskhub(video_hub, *args: str) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSKHUB_")}
    env["KIOSKHUB_DATA_DIR"] = str(video_hub.state.settings.data_dir)
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout if result.exit_code == 0 else result.stderr


@pytest.fixture(autouse=True)
def quick_recheck(monkeypatch):
    monkeypatch.setattr(helper_routes, "SESSION_RECHECK_S", 0.2)


def log_in(video_hub, password: str, username: str = "wang"):
    browser = video_hub.browser()
    r = browser.post("/helper/login", data={"username": username, "password": password})
    return browser, r


def test_disabling_a_helper_ends_their_open_console_and_log_in(video_hub):
    password = video_hub.add_helper("wang", "王芳")
    browser, r = log_in(video_hub, password)
    assert r.status_code == 303
    console = video_hub.helper_socket("/helper/ws", browser)
    console.expect("queue")

    code, out = kioskhub(video_hub, "helpers", "disable", "--username", "wang")
    assert code == 0 and out.strip() == "helper wang disabled; their sessions have ended"
    assert console.closed()[0] == 4401  # the page open at that moment, not only the next one
    assert browser.get("/helper").status_code == 303
    assert log_in(video_hub, password)[1].status_code == 401

    assert kioskhub(video_hub, "helpers", "enable", "--username", "wang")[0] == 0
    assert log_in(video_hub, password)[1].status_code == 303


def test_reset_gives_a_new_password_and_ends_the_old_sessions(video_hub):
    old = video_hub.add_helper("wang", "王芳")
    browser, _ = log_in(video_hub, old)
    code, out = kioskhub(video_hub, "helpers", "reset", "--username", "wang")
    assert code == 0 and "sessions ended" in out
    new = out.split()[-1]
    assert new != old and len(new) == 12
    assert browser.get("/helper").status_code == 303
    assert log_in(video_hub, old)[1].status_code == 401
    assert log_in(video_hub, new)[1].status_code == 303


def test_unlock_lifts_a_lock_left_by_wrong_passwords(video_hub):
    password = video_hub.add_helper("wang", "王芳")
    for _ in range(accounts.MAX_FAILED):
        log_in(video_hub, "wrong")
    assert "次数过多" in log_in(video_hub, password)[1].text
    code, out = kioskhub(video_hub, "helpers", "unlock", "--username", "wang")
    assert (code, out.strip()) == (0, "helper wang unlocked")
    assert log_in(video_hub, password)[1].status_code == 303
    assert kioskhub(video_hub, "helpers", "unlock", "--username", "wang")[1].strip() == "helper wang was not locked"


def test_an_unknown_helper_is_one_line_and_exit_2(video_hub):
    code, out = kioskhub(video_hub, "helpers", "disable", "--username", "nobody")
    assert code == 2 and out.strip().splitlines()[-1] == "kioskhub: no helper 'nobody'; see kioskhub helpers list"
