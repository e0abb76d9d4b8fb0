"""One ticket's public follow page (扫码看进度): an unguessable link, the live status, nothing personal."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest

from hub.personal import Keys
from hub.queue.follow import follow_ticket_id, follow_token
from hub.settings import ConfigError, load_settings
from tests.integration.hub.queue_helpers import SQLITE_ONLY, Clock, staff, take

PERSON = {"id_type": "111", "id_number": "64010419900101123X", "name": "张三丰"}


def page(hub, url: str):
    return hub.client.get(urlsplit(url).path)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_token_verifies_and_a_tampered_one_is_refused():
    keys, other = Keys(b"k" * 32), Keys(b"o" * 32)
    token = follow_token(keys, 42)
    head, mac = token.split(".")
    assert head == "42" and len(mac) >= 16  # at least 96 bits of MAC
    assert follow_ticket_id(keys, token) == 42
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    for bad in (f"43.{mac}", f"42.{flipped}", f"042.{mac}", "42", f"42.{mac[:-2]}", follow_token(other, 42), ""):
        assert follow_ticket_id(keys, bad) is None, bad


def test_follow_url_uses_the_public_url_setting_or_the_request_address(qhub):
    url = take(qhub).json()["follow_url"]
    assert re.fullmatch(r"http://testserver/q/\d+\.[A-Za-z0-9_-]{20}", url), url
    assert take(qhub).json()["follow_url"] != url
    assert load_settings(public_url="https://hall.example.gov.cn/").public_url == "https://hall.example.gov.cn"
    with pytest.raises(ConfigError, match="KIOSKHUB_PUBLIC_URL"):
        load_settings(public_url="hall.example.gov.cn")


@SQLITE_ONLY
@pytest.mark.parametrize("settings_overrides", [{"public_url": "https://hall.example.gov.cn"}])
def test_follow_url_behind_a_public_address(qhub):
    url = take(qhub).json()["follow_url"]
    assert url.startswith("https://hall.example.gov.cn/q/")
    assert page(qhub, url).status_code == 200


@SQLITE_ONLY
def test_the_page_follows_the_ticket_from_waiting_to_called_to_done(qhub, clock):
    take(qhub)
    take(qhub)
    mine = take(qhub).json()
    assert mine["number"] == "A003"
    first = page(qhub, mine["follow_url"])
    assert first.status_code == 200 and first.headers["cache-control"] == "no-store"
    assert 'http-equiv="refresh" content="10"' in first.text and "cdn" not in first.text.lower()
    shown = text(first.text)
    assert "A003" in shown and "社保业务" in shown and "等候中" in shown
    assert f"前面还有 {mine['people_ahead']} 人" in shown and mine["people_ahead"] == 2
    assert f"预计等候约 {mine['estimated_wait_minutes']} 分钟" in shown
    staff(qhub, "next", 1, "social_security")
    assert "前面还有 1 人" in text(page(qhub, mine["follow_url"]).text)
    clock.advance(1)
    staff(qhub, "next", 2, "social_security")
    assert "前面还有 0 人" in text(page(qhub, mine["follow_url"]).text)
    clock.advance(1)
    staff(qhub, "next", 1, "social_security")
    called = text(page(qhub, mine["follow_url"]).text)
    assert "请到 1 号窗口" in called and "等候中" not in called
    staff(qhub, "done", 1)
    done = page(qhub, mine["follow_url"]).text
    assert "已办结" in text(done) and "http-equiv" not in done  # nothing left to follow


@SQLITE_ONLY
def test_no_show_and_transfer_are_shown(qhub):
    a = take(qhub).json()
    b = take(qhub).json()
    staff(qhub, "next", 1, "social_security")
    staff(qhub, "no-show", 1)
    assert "已过号" in text(page(qhub, a["follow_url"]).text)
    staff(qhub, "next", 1, "social_security")
    staff(qhub, "transfer", 1, "residence")
    moved = text(page(qhub, b["follow_url"]).text)
    assert "已转到 户籍业务" in moved and "等候中" in moved and "前面还有 0 人" in moved


@SQLITE_ONLY
def test_a_bad_or_forged_token_is_a_plain_404_page(qhub):
    url = take(qhub).json()["follow_url"]
    token = urlsplit(url).path.rsplit("/", 1)[1]
    forged = follow_token(Keys(b"x" * 32), int(token.split(".")[0]))
    for bad in (forged, token[:-1], "1", "not-a-token", f"99999.{token.split('.')[1]}"):
        r = qhub.client.get(f"/q/{bad}")
        assert r.status_code == 404 and "找不到该号码" in r.text and "A001" not in r.text, bad


@SQLITE_ONLY
def test_the_appointment_ticket_page_shows_nothing_personal(qhub):
    clock: Clock = qhub.state.clock  # type: ignore[assignment]
    clock.at = dt.datetime(2026, 11, 21, 1, 0, tzinfo=dt.UTC)  # 09:00 hall time
    body = {"service": "social_security", "start": "2026-11-21T09:20:00+08:00", **PERSON}
    assert qhub.client.post("/api/v1/appointments", json=body, headers=qhub.auth()).status_code == 201
    ticket = qhub.client.post(
        "/api/v1/appointments/check-in", json={"id_type": "111", "id_number": PERSON["id_number"]}, headers=qhub.auth()
    ).json()
    assert ticket["priority_category"] == "appointment" and ticket["follow_url"].startswith("http://testserver/q/")
    for state in ("waiting", "called"):
        html = page(qhub, ticket["follow_url"]).text
        assert ticket["number"] in html
        for personal in ("张", "三丰", PERSON["id_number"], "6401", "123X", ticket["appointment_no"]):
            assert personal not in html, (state, personal)
        staff(qhub, "next", 1, "social_security")
