"""The maintenance screen's hub part: the state in plain Chinese, the backlog, and enrolment on the keypad."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kiosk.client import EnrolError
from local_api.schemas import HealthView, HubEnrolOut, HubHealth, OutboxBacklog

from .flows import open_maintenance
from .test_rendering import _compare, _overflows

pytestmark = pytest.mark.ui

WORDS = {
    "ok": "已连接",
    "unreachable": "无法连接平台",
    "unauthorised": "平台拒绝了本机的凭据，请重新登记",
    "wrong_url": "平台地址有误",
    "tls_error": "证书错误",
    "not_configured": "未配置平台",
}
HUB = "https://intake.example.gov.cn"


def health(state: str, *, pending: int = 0, url: str | None = HUB) -> HealthView:
    last_ok = datetime(2026, 11, 21, 1, 5, tzinfo=UTC) if state != "not_configured" else None
    return HealthView(status="ok", version="test", kiosk_id="yc-hall-01", uptime_s=60.0,
                      hub=HubHealth(state=state, last_ok_at=last_ok, detail="(for technicians)",
                                    url=url if state != "not_configured" else None),
                      outbox=OutboxBacklog(pending=pending, oldest_pending_age_s=750.0 if pending else None))




def test_the_hub_state_is_told_in_plain_words_with_the_backlog(kiosk, monkeypatch, tmp_path):
    app, fake, p = kiosk.app, kiosk.fake, kiosk.pilot
    shown = {"now": health("unauthorised", pending=3)}
    monkeypatch.setattr(fake, "health", lambda: shown["now"])
    open_maintenance(kiosk)
    p.wait_until(lambda: p.find("tech.hub.state") is not None, "the hub's state")
    assert p.text("tech.hub.state") == "平台连接：平台拒绝了本机的凭据，请重新登记"
    assert p.text("tech.hub.last_ok") == "上次连接成功：11-21 09:05"  # the hall's time
    assert p.text("tech.hub.backlog") == "待上报平台：3 件，最早的已等待 12 分钟"
    assert "yc-hall-01" in p.text("tech.hub.kiosk") and HUB in p.text("tech.hub.kiosk")
    assert p.text("tech.device.a4_printer") == "A4打印机（模拟）：正常  ready; toner-low"
    assert "(for technicians)" not in p.all_text()  # the English detail is for kioskctl, not this screen
    app.screenshot_dir = tmp_path
    p.shot("maintenance-hub")
    _compare("maintenance-hub", app.shots[-1], tmp_path)
    assert not _overflows(app)

    for state, words in WORDS.items():
        shown["now"] = health(state)
        p.tap("tech.refresh")
        p.wait_until(lambda w=words: p.text("tech.hub.state") == f"平台连接：{w}", f"the words for {state}")
    assert p.text("tech.hub.last_ok") == "本次启动以来尚未连接成功"
    assert p.text("tech.hub.backlog") == "待上报平台：无"
    p.tap("tech.exit")
    p.wait_screen("home")


def test_enrolment_with_the_pairing_code_on_the_keypad(kiosk, monkeypatch, tmp_path):
    app, fake, p = kiosk.app, kiosk.fake, kiosk.pilot
    monkeypatch.setattr(fake, "health", lambda: health("unauthorised"))
    asked: list[tuple[str, str]] = []

    def enrol_hub(hub_url: str, code: str) -> HubEnrolOut:
        asked.append((hub_url, code))
        if len(asked) == 1:
            raise EnrolError("pairing_code_used", "enrolment refused (409): this pairing code was already used")
        return HubEnrolOut(kiosk_id="yc-hall-01", enrolled_kiosk_id="yc-hall-01", site_id="yc-hall", hub_url=hub_url,
                           hub=HubHealth(state="ok", url=hub_url))

    monkeypatch.setattr(fake, "enrol_hub", enrol_hub, raising=False)
    open_maintenance(kiosk)
    p.wait_until(lambda: p.find("tech.hub.state") is not None, "the hub's state")
    p.tap("tech.enrol")
    p.wait_until(lambda: p.find("tech.enrol.code") is not None, "the enrolment form")
    assert p.text("tech.enrol.url") == HUB  # the address kioskd knows is kept; the keypad types the code
    for absent in ("0", "1", "I", "L", "O"):  # look-alikes are in no code, so they have no key
        assert p.find(f"key.{absent}") is None
    for key in "K7QF3MX":
        p.tap(f"key.{key}")
    assert p.text("tech.enrol.code") == "K7QF-3MX▏"
    p.tap("key.P")
    app.screenshot_dir = tmp_path
    p.shot("maintenance-enrol")
    _compare("maintenance-enrol", app.shots[-1], tmp_path)
    assert not _overflows(app)

    p.tap("tech.enrol_submit")
    p.wait_until(lambda: "已经用过" in p.text("tech.enrol.message"), "the refusal")
    assert p.text("tech.enrol.message") == "这个配对码已经用过，请向平台管理员索取新的配对码。"
    assert p.text("tech.enrol.code") == "▏___-____"  # cleared, to be typed again from the paper
    for key in "K7QF3MXQ":
        p.tap(f"key.{key}")
    p.tap("key.OK")  # OK on the code keypad enrols, as the button does
    p.wait_until(lambda: app.current == "maintenance" and p.find("tech.enrol") is not None
                 and "登记成功" in p.text("tech.result"), "the enrolment")
    assert p.text("tech.result") == "登记成功：本机编号 yc-hall-01，站点 yc-hall。平台连接：已连接"
    assert asked == [(HUB, "K7QF3MXP"), (HUB, "K7QF3MXQ")]
    assert "K7QF" not in p.all_text()  # the code is gone from the screen
    p.tap("tech.exit")
    p.wait_screen("home")


def test_without_a_known_hub_the_address_is_typed_first(kiosk, monkeypatch):
    fake, p = kiosk.fake, kiosk.pilot
    monkeypatch.setattr(fake, "health", lambda: health("not_configured"))
    open_maintenance(kiosk)
    p.wait_until(lambda: p.find("tech.hub.state") is not None, "the hub's state")
    assert p.text("tech.hub.state") == "平台连接：未配置平台"
    p.tap("tech.enrol")
    p.wait_until(lambda: p.find("key.:") is not None, "the address keypad")
    p.tap("tech.enrol_submit")
    assert p.text("tech.enrol.message").startswith("请先输入平台地址")
    for key in "https://hub.gov.cn":
        p.tap(f"key.{key}")
    assert p.text("tech.enrol.url") == "https://hub.gov.cn▏"
    assert not _overflows(kiosk.app)  # ten keys a row, and 清空 / 删除 beside the punctuation
    p.tap("key.OK")  # on to the code
    p.wait_until(lambda: p.find("key.K") is not None, "the code keypad")
    p.tap("tech.enrol_submit")
    assert p.text("tech.enrol.message").startswith("配对码应为8位")
    p.tap("tech.enrol_cancel")
    p.wait_until(lambda: p.find("tech.enrol") is not None, "the maintenance screen")
    p.tap("tech.exit")
    p.wait_screen("home")
