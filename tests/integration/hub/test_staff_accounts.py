"""Staff as people: each logs in with their own account, sees what their role allows, and is audited."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from hub.db.staff_models import AuditEvent
from hub.staff import accounts
from hub.state import StaffDep
from tests.integration.hub.test_ratings_fleet_staff import RATINGS, new_case


def browser(hub, address: str = "127.0.0.1") -> TestClient:
    """A browser on the hub's machine (plain http is allowed there), from ``address``."""
    return TestClient(hub.client.app, base_url="http://localhost", headers={"Origin": "http://localhost"},
                      client=(address, 50000), follow_redirects=False)


def log_in(client: TestClient, username: str, password: str, next: str = ""):
    return client.post("/staff/login", data={"username": username, "password": password, "next": next})


def trail(hub, **where) -> list[tuple]:
    with hub.state.db.read() as db:
        rows = db.scalars(select(AuditEvent).filter_by(**where).order_by(AuditEvent.id))
        return [(r.actor, r.action, r.target, r.case_no, r.source) for r in rows]


def test_a_person_logs_in_with_their_own_account_and_their_views_and_changes_are_audited(hub):
    case_no = new_case(hub)
    username, password = hub.staff("supervisor")
    page = browser(hub, "10.1.2.3")
    assert page.get(f"/staff/cases/{case_no}").headers["location"] == f"/staff/login?next=/staff/cases/{case_no}"
    assert log_in(page, username, "wrong").status_code == 401
    r = log_in(page, username, password, next=f"/staff/cases/{case_no}")
    assert r.status_code == 303 and r.headers["location"] == f"/staff/cases/{case_no}"
    assert "HttpOnly" in r.headers["set-cookie"] and "Path=/staff" in r.headers["set-cookie"]
    shown = page.get(f"/staff/cases/{case_no}")
    assert shown.status_code == 200 and "张三" in shown.text and "测试supervisor" in shown.text
    assert shown.headers["cache-control"] == "no-store"
    assert page.post(f"/staff/cases/{case_no}/status", data={"status": "accepted"}).status_code == 303
    assert trail(hub, case_no=case_no) == [
        (username, "case.view", case_no, case_no, "10.1.2.3"),
        (username, "case.status", case_no, case_no, "10.1.2.3"),
    ]
    assert trail(hub, action="login") == [(username, "login", None, None, "10.1.2.3")]
    assert page.post("/staff/logout").status_code == 303
    assert page.get(f"/staff/cases/{case_no}").status_code == 303  # the session has ended, on every device


def test_the_cookie_is_secure_off_this_machine_and_a_disabled_account_loses_its_session_at_once(hub):
    username, password = hub.staff("clerk")
    remote = TestClient(hub.client.app, headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert "Secure" in log_in(remote, username, password).headers["set-cookie"]
    page = browser(hub)
    log_in(page, username, password)
    assert page.get("/staff/queue").status_code == 200
    with hub.state.db.write() as db, db.begin():
        accounts.disable(db, username, hub.state.now())
    assert page.get("/staff/queue").status_code == 303
    assert log_in(browser(hub), username, password).status_code == 401


@pytest.mark.parametrize("database_url", [None], ids=["sqlite"])
def test_each_role_reaches_only_its_own_pages(hub):
    case_no = new_case(hub)
    rating = hub.client.post(RATINGS, headers=hub.auth(),
                             json={"case_no": case_no, "level": "dissatisfied", "reasons": ["慢"]}).json()
    followup = f"/staff/ratings/{rating['rating_id']}/followup"
    pages = {
        "case": ("GET", f"/staff/cases/{case_no}"), "queue": ("GET", "/staff/queue"),
        "followup": ("POST", followup), "kiosk": ("GET", "/staff/kiosks/k1"), "lookups": ("GET", "/staff/lookups"),
        "audit": ("GET", "/staff/audit"), "accounts": ("GET", "/staff/accounts"),
        "appointments": ("GET", "/api/v1/staff/appointments?site=hall-1"),
    }
    allowed = {
        "clerk": {"case", "queue", "appointments"},
        "supervisor": {"case", "queue", "followup", "kiosk", "lookups", "appointments"},
        "admin": {"kiosk", "accounts"},
        "auditor": {"lookups", "audit"},
    }
    for role, may in allowed.items():
        page = browser(hub)
        log_in(page, *hub.staff(role))  # one password check per role, then the cookie
        for name, (method, path) in pages.items():
            if path.startswith("/api/"):  # the JSON routes take Basic, not the cookie of /staff
                r = hub.client.request(method, path, auth=hub.staff(role))
            else:
                r = page.request(method, path, data={"note": "已回访"} if method == "POST" else None)
            assert (r.status_code != 403) == (name in may), (role, name, r.status_code)
    refused = hub.client.get(f"/staff/cases/{case_no}", auth=hub.staff("auditor"), headers={"Accept": "text/html"})
    assert refused.status_code == 403 and "无权访问" in refused.text
    assert "审计员（auditor）无权执行此操作" in refused.text
    assert trail(hub, action="access.denied")[-1][:3] == ("auditor1", "access.denied", f"GET /staff/cases/{case_no}")
    auditor = hub.client.get("/staff", auth=hub.staff("auditor"), follow_redirects=False)
    assert auditor.headers["location"] == "/staff/audit"
    admin = hub.client.get("/staff", auth=hub.staff("admin")).text
    assert "k1" in admin and case_no not in admin  # the fleet, not the cases


def test_wrong_passwords_slow_down_their_source_only(hub):
    username, password = hub.staff("clerk")
    stranger = browser(hub, "198.51.100.7")
    said = [log_in(stranger, username, "guess").text for _ in range(accounts.MAX_FAILED)]
    assert "用户名或密码错误" in said[0] and "请 15 分钟后再试" in said[-1]
    assert log_in(stranger, username, password).status_code == 401  # that source waits, even with the password
    assert log_in(browser(hub, "10.0.0.5"), username, password).status_code == 303  # the person at their desk
    with hub.state.db.write() as db, db.begin():
        assert accounts.unlock(db, username)
    assert log_in(stranger, username, password).status_code == 303


@pytest.mark.parametrize("database_url", [None], ids=["sqlite"])
def test_auditors_read_the_trail_filtered_and_their_reading_is_noted_too(hub):
    first, second = new_case(hub, "c1"), new_case(hub, "c2")
    clerk = hub.staff("clerk")
    for case_no in (first, second):
        assert hub.client.get(f"/staff/cases/{case_no}", auth=clerk).status_code == 200
    auditor = hub.staff("auditor")
    page = hub.client.get("/staff/audit", params={"case": first}, auth=auditor)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert first in page.text and second not in page.text and "查看办件" in page.text and "clerk1" in page.text
    assert trail(hub, action="audit.view")[0][0] == "auditor1"
    assert hub.client.get("/staff/audit", params={"since": "yesterday"}, auth=auditor).status_code == 422
    assert hub.client.delete("/staff/audit", auth=auditor).status_code == 405


def test_the_database_refuses_to_change_or_delete_audit_rows(hub):
    case_no = new_case(hub)
    hub.client.get(f"/staff/cases/{case_no}", auth=hub.staff("clerk"))
    for statement in ("DELETE FROM audit_events", "UPDATE audit_events SET actor = 'nobody'"):
        with pytest.raises(DBAPIError, match="append-only"), hub.state.db.write() as db, db.begin():
            db.execute(text(statement))
    assert [row[0] for row in trail(hub, case_no=case_no)] == ["clerk1"]


@pytest.mark.parametrize("database_url", [None], ids=["sqlite"])
def test_a_route_written_against_the_old_staff_dependency_takes_a_fleet_role_and_gets_the_user_name(hub):
    def older(staff: StaffDep) -> dict[str, str]:
        return {"who": staff}

    hub.client.app.router.add_api_route("/staff/older-route", older)
    assert hub.client.get("/staff/older-route", auth=hub.staff("supervisor")).json() == {"who": "supervisor1"}
    assert hub.client.get("/staff/older-route", auth=hub.staff("clerk")).status_code == 403
    assert hub.client.get("/staff/older-route", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("database_url", [None], ids=["sqlite"])
def test_every_staff_route_asks_who_is_there(hub):
    import importlib
    import pkgutil
    import re

    from fastapi.routing import APIRoute

    package = importlib.import_module("hub.routes")
    modules = [importlib.import_module(f"hub.routes.{m.name}") for m in pkgutil.iter_modules(package.__path__)]
    routes = {(method, route.path) for module in modules for route in getattr(module, "router", None).routes
              if isinstance(route, APIRoute) and route.path.startswith(("/staff", "/api/v1/staff"))
              for method in route.methods}
    assert len(routes) > 20
    for method, path in sorted(routes - {("GET", "/staff/login"), ("POST", "/staff/login")}):
        r = hub.client.request(method, re.sub(r"\{[^}]+\}", "1", path), follow_redirects=False)
        expected = 303 if method == "GET" and path.startswith("/staff") else 401
        assert r.status_code == expected, (method, path, r.status_code)
