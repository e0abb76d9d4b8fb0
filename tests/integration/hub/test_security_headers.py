"""Pages carry CSP, framing, nosniff and referrer rules; personal answers are never cached; HSTS and Secure
cookies once the hub is reached over https or off this machine."""

from __future__ import annotations

import subprocess

import httpx
from fastapi.testclient import TestClient

from hub.headers import secure_cookie
from tests.daemon import BIN
from tests.hub_process import kioskhub


def test_staff_pages_are_not_framed_sniffed_cached_or_referred(hub):
    auth = hub.staff()
    for path in ("/staff", "/staff/lookups", "/staff/queue"):
        r = hub.client.get(path, auth=auth)
        assert r.status_code == 200
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split(
            "script-src")[1].split(";")[0]
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
        assert r.headers["cache-control"] == "no-store"
        assert "strict-transport-security" not in r.headers  # plain http: HSTS would mean nothing
    login = hub.client.get("/helper/login")
    assert "frame-ancestors 'none'" in login.headers["content-security-policy"]
    assert login.headers["cache-control"] == "no-store"


def test_kiosk_answers_are_not_cached_and_public_files_may_be(hub):
    r = hub.client.get("/api/v1/kiosk", headers=hub.auth())
    assert r.headers["cache-control"] == "no-store" and r.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in r.headers  # JSON, not a page
    refused = hub.client.get("/api/v1/kiosk")
    assert refused.status_code == 401 and refused.headers["cache-control"] == "no-store"
    static = hub.client.get("/helper/static/helper.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("cache-control", "")


def test_the_window_chooser_works_without_inline_script(hub):
    auth = hub.staff()
    page = hub.client.get("/staff/queue", auth=auth).text
    assert "onsubmit" not in page and "<script" not in page
    r = hub.client.get("/staff/queue/go?site=hall 1&window=3", auth=auth, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/staff/queue/hall%201/windows/3"


def test_over_https_pages_get_hsts(hub):
    secure = TestClient(hub.client.app, base_url="https://testserver")
    r = secure.get("/staff", auth=hub.staff())
    assert r.headers["strict-transport-security"] == "max-age=63072000"


def test_the_helper_cookie_is_secure_except_on_this_machine_over_http():
    assert secure_cookie("https", "127.0.0.1:8780")
    assert secure_cookie("http", "hub.hall.lan:8780") and secure_cookie("http", "10.0.0.5")
    assert not secure_cookie("http", "127.0.0.1:8780") and not secure_cookie("http", "localhost")
    assert not secure_cookie("http", "[::1]:8780")


def test_behind_the_trusted_proxy_the_hub_sees_https_and_sends_hsts_and_a_secure_cookie(tmp_path):
    with kioskhub(tmp_path / "hub") as hub:
        added = subprocess.run([str(BIN / "kioskhub"), "helpers", "add", "--username", "wang", "--name", "王"],
                               env=hub.env, capture_output=True, text=True, timeout=60, check=True)
        password = added.stdout.split()[-1]
        proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7", "Host": "hub.example.gov.cn"}
        page = httpx.get(f"{hub.url}/helper/login", headers=proxied)
        assert page.headers["strict-transport-security"] == "max-age=63072000"
        login = httpx.post(f"{hub.url}/helper/login", headers={**proxied, "Origin": "https://hub.example.gov.cn"},
                           data={"username": "wang", "password": password})
        assert login.status_code == 303, login.text
        cookie = login.headers["set-cookie"].lower()
        assert "; secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
        # plain http to the hub's own loopback address (a developer's laptop): no HSTS, a cookie that works there
        local = httpx.post(f"{hub.url}/helper/login", headers={"Origin": hub.url},
                           data={"username": "wang", "password": password})
        assert local.status_code == 303 and "; secure" not in local.headers["set-cookie"].lower()
        assert "strict-transport-security" not in httpx.get(f"{hub.url}/helper/login").headers
