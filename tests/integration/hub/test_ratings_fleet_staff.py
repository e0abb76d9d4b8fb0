"""好差评, heartbeats and the staff page."""

from __future__ import annotations

import datetime as dt

from tests.integration.hub.helpers import PERSON, multipart

RATINGS = "/api/v1/ratings"


def new_case(hub, key: str = "c1") -> str:
    r = hub.client.post("/api/v1/cases", headers={**hub.auth(), "Idempotency-Key": key}, **multipart())
    return r.json()["case_no"]


def test_good_rating_is_recorded_without_follow_up(hub):
    case_no = new_case(hub)
    r = hub.client.post(RATINGS, headers=hub.auth(), json={"case_no": case_no, "level": "very_satisfied"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["stars"], body["label"], body["channel_code"]) == (5, "非常满意", "5")
    assert body["needs_followup"] is False and body["followup_due"] is None


def test_bad_rating_needs_a_reason_and_is_flagged_with_a_deadline(hub):
    case_no = new_case(hub)
    no_reason = hub.client.post(RATINGS, headers=hub.auth(), json={"case_no": case_no, "level": "dissatisfied"})
    assert no_reason.status_code == 422
    assert "reason" in no_reason.json()["detail"][0]["msg"]
    r = hub.client.post(
        RATINGS,
        headers=hub.auth(),
        json={"case_no": case_no, "level": "very_dissatisfied", "reasons": ["打印机卡纸"], "comment": "等了很久"},
    )
    assert r.status_code == 201
    body = r.json()
    assert body["needs_followup"] is True and body["stars"] == 1
    # Saturday 2026-11-21 in the hall + 15 working days.
    assert body["followup_due"] == "2026-12-11"


def test_staff_close_a_bad_rating_with_the_follow_up_outcome(hub):
    case_no = new_case(hub)
    rating = hub.client.post(
        RATINGS, headers=hub.auth(), json={"case_no": case_no, "level": "dissatisfied", "reasons": ["排队久"]}
    ).json()
    auth = hub.staff()
    assert "待回访" in hub.client.get("/staff", auth=auth).text
    done = hub.client.post(
        f"/staff/ratings/{rating['rating_id']}/followup", data={"note": "已电话回访，增开窗口"}, auth=auth
    )
    assert done.status_code == 200  # followed the redirect back to /staff
    assert "待回访" not in done.text and "已电话回访，增开窗口" in done.text
    empty = hub.client.post(f"/staff/ratings/{rating['rating_id']}/followup", data={"note": ""}, auth=auth)
    assert empty.status_code == 422


def test_rating_retry_with_the_same_key_is_one_rating(hub):
    case_no = new_case(hub)
    headers = {**hub.auth(), "Idempotency-Key": "rate-1"}
    first = hub.client.post(RATINGS, headers=headers, json={"case_no": case_no, "level": "satisfied"})
    again = hub.client.post(RATINGS, headers=headers, json={"case_no": case_no, "level": "satisfied"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["rating_id"] == again.json()["rating_id"]


def test_rating_bad_input_names_the_field(hub):
    case_no = new_case(hub)
    unknown = hub.client.post(RATINGS, headers=hub.auth(), json={"case_no": "NOPE", "level": "satisfied"})
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["body", "case_no"]
    level = hub.client.post(RATINGS, headers=hub.auth(), json={"case_no": case_no, "level": "5"})
    assert level.status_code == 422 and level.json()["detail"][0]["loc"] == ["body", "level"]
    assert hub.client.post(RATINGS, json={"case_no": case_no, "level": "satisfied"}).status_code == 401


def test_heartbeat_is_kept_for_the_fleet_view(hub):
    report = {
        "software_version": "0.1.0",
        "devices": {
            "printer": {"health": "error", "message": "缺纸", "sensors": {"paper_out": True}},
            "id_reader": {"health": "online"},
        },
        "outbox_pending": 2,
        "items_offered": 6,
        "catalog_problems": ["hall-flows/parking_permit.yaml:3: not valid YAML: expected ',' or ']'"],
    }
    r = hub.client.post("/api/v1/heartbeat", headers=hub.auth(), json=report)
    assert r.status_code == 200 and r.json()["kiosk_id"] == "k1"
    bad = hub.client.post("/api/v1/heartbeat", headers=hub.auth(), json={"devices": {"printer": {"health": "meh"}}})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "devices", "printer", "health"]
    page = hub.client.get("/staff", auth=hub.staff())
    assert "printer: error" in page.text and "缺纸" in page.text
    assert "事项定义未加载: hall-flows/parking_permit.yaml:3" in page.text  # the technician sees which file to fix


def test_staff_page_needs_a_staff_account(hub):
    r = hub.client.get("/staff", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/staff/login?next=/staff"
    assert hub.client.get("/staff", auth=("staff", "wrong")).status_code == 401


def test_staff_changes_from_another_site_are_refused(hub):
    case_no = new_case(hub)
    r = hub.client.post(
        f"/staff/cases/{case_no}/status",
        data={"status": "completed"},
        auth=hub.staff(),
        headers={"Origin": "https://evil.example"},
    )
    assert r.status_code == 403
    assert hub.client.get(f"/api/v1/cases/{case_no}", headers=hub.auth()).json()["status"] == "submitted"


def test_staff_page_lists_cases_with_masked_id_and_serves_materials(hub):
    case_no = new_case(hub)
    hub.client.post(
        RATINGS, headers=hub.auth(), json={"case_no": case_no, "level": "dissatisfied", "reasons": ["<b>慢</b>"]}
    )
    auth = hub.staff()
    index = hub.client.get("/staff", auth=auth).text
    assert case_no in index and "6401**********" in index and PERSON not in index
    assert "待回访" in index and "&lt;b&gt;慢&lt;/b&gt;" in index
    detail = hub.client.get(f"/staff/cases/{case_no}", auth=auth)
    assert detail.status_code == 200
    assert "张三" in detail.text and "户口簿" in detail.text and PERSON not in detail.text
    file = hub.client.get("/staff/materials/1", auth=auth)
    assert file.content == b"\xff\xd8\xff\xe0" + b"x" * 2048
    assert file.headers["x-content-type-options"] == "nosniff"
    assert file.headers["content-disposition"].startswith("inline; filename*=utf-8''")
    on_disk = [hub.state.store.path(name).read_bytes() for name, _ in hub.state.store.published()]
    assert on_disk and not any(b"x" * 64 in blob for blob in on_disk)  # the scan is sealed at rest
    assert hub.client.get("/staff/cases/NOPE", auth=auth).status_code == 404


def test_times_are_utc_on_the_wire(hub):
    case_no = new_case(hub)
    received = hub.client.get(f"/api/v1/cases/{case_no}", headers=hub.auth()).json()["received_at"]
    assert dt.datetime.fromisoformat(received) == dt.datetime(2026, 11, 21, 2, 30, tzinfo=dt.UTC)
