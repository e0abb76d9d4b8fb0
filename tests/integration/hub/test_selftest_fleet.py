"""The hub keeps each kiosk's last self-test from its heartbeats and shows it to staff only."""

from __future__ import annotations

SELFTEST = {
    "at": "2026-11-21T01:30:00+00:00",
    "ok": False,
    "devices": {
        "printer": {"ok": False, "detail": "缺纸；装入新纸卷后再自检"},
        "id_reader": {"ok": True, "detail": "正常，安全模块编号 0501"},
    },
}


def beat(hub, **extra):
    r = hub.client.post("/api/v1/heartbeat", headers=hub.auth(),
                        json={"software_version": "0.1.0", "devices": {"printer": {"health": "offline"}}, **extra})
    assert r.status_code == 200, r.text


def staff(hub):
    return hub.staff()


def test_the_last_selftest_is_kept_and_shown_on_the_fleet_and_kiosk_pages(hub):
    beat(hub, selftest=SELFTEST)
    beat(hub)  # a later heartbeat without one keeps the last self-test there was
    fleet = hub.client.get("/staff", auth=staff(hub)).text
    assert 'href="/staff/kiosks/k1"' in fleet and "有设备异常" in fleet and "printer: 缺纸" in fleet
    page = hub.client.get("/staff/kiosks/k1", auth=staff(hub))
    assert page.status_code == 200
    assert "最近一次自检" in page.text and "2026-11-21 09:30:00" in page.text  # the hall's time
    assert "缺纸；装入新纸卷后再自检" in page.text and "正常，安全模块编号 0501" in page.text

    newer = {**SELFTEST, "at": "2026-11-21T02:00:00+00:00", "ok": True,
             "devices": {"printer": {"ok": True, "detail": "正常"}}}
    beat(hub, selftest=newer)
    page = hub.client.get("/staff/kiosks/k1", auth=staff(hub)).text
    assert "全部正常" in page and "缺纸" not in page


def test_the_kiosk_page_is_for_staff_only_and_names_unknown_kiosks(hub):
    r = hub.client.get("/staff/kiosks/k1", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/staff/login")
    assert hub.client.get("/staff/kiosks/k1", auth=hub.staff("clerk")).status_code == 403  # not the fleet
    assert hub.client.get("/staff/kiosks/k1", auth=("staff", "wrong")).status_code == 401
    missing = hub.client.get("/staff/kiosks/nope", auth=staff(hub))
    assert missing.status_code == 404 and "kioskhub kiosks list" in missing.text
    page = hub.client.get("/staff/kiosks/k1", auth=staff(hub)).text
    assert "尚未上报自检结果" in page


def test_a_selftest_carries_verdicts_only(hub):
    """Anything beyond time, verdicts and the devices' own words is refused, so nothing personal is kept."""
    extra = {**SELFTEST, "card": {"name": "张三丰"}}
    r = hub.client.post("/api/v1/heartbeat", headers=hub.auth(), json={"selftest": extra})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][:2] == ["body", "selftest"]
    device_extra = {**SELFTEST, "devices": {"camera": {"ok": True, "detail": "", "image": "..."}}}
    r = hub.client.post("/api/v1/heartbeat", headers=hub.auth(), json={"selftest": device_extra})
    assert r.status_code == 422
