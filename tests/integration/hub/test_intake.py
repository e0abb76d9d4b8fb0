"""Case intake over HTTP: numbers, idempotency, progress, lookups, and every kind of bad input."""

from __future__ import annotations

import json

from sqlalchemy import text

from tests.integration.hub.helpers import ITEM, PERSON, application, id_number, multipart

CASES = "/api/v1/cases"


def submit(hub, key: str = "sub-1", **kwargs):
    return hub.client.post(CASES, headers={**hub.auth(), "Idempotency-Key": key}, **(kwargs or multipart()))


def test_health_needs_no_token(hub):
    r = hub.client.get("/api/v1/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_new_case_gets_a_hub_number_from_item_date_and_sequence(hub):
    first = submit(hub, "a")
    second = submit(hub, "b")
    assert first.status_code == 201, first.text
    assert first.json()["case_no"] == f"{ITEM}202611210001"
    assert second.json()["case_no"] == f"{ITEM}202611210002"
    body = first.json()
    assert body["status"] == "submitted" and body["pro_status"] == 1
    assert body["provisional_no"] == "K1-20261121-0007"
    assert body["materials"][0] | {"sha256": None} == {
        "label": "户口簿",
        "filename": "hukou.jpg",
        "content_type": "image/jpeg",
        "size": 2052,
        "sha256": None,
    }
    assert [step["status"] for step in body["history"]] == ["submitted"]


def test_same_idempotency_key_returns_the_same_case_never_a_second(hub):
    first = submit(hub, "retry-me")
    again = submit(hub, "retry-me")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    with hub.state.db.read() as db:
        assert db.execute(text("SELECT count(*) FROM cases")).scalar_one() == 1
        assert db.execute(text("SELECT count(*) FROM materials")).scalar_one() == 1
    assert len(hub.state.store.published()) == 1 and hub.state.store.staged() == []


def test_key_reused_for_a_different_application_is_refused_with_the_first_case(hub):
    first = submit(hub, "k")
    other = submit(hub, "k", **multipart(application(item_name="另一个事项")))
    assert other.status_code == 409
    assert other.json()["case_no"] == first.json()["case_no"]


def test_idempotency_keys_are_per_kiosk(hub):
    other_token = hub.register("k2", "post-7")
    a = submit(hub, "same")
    b = hub.client.post(CASES, headers={**hub.auth(other_token), "Idempotency-Key": "same"}, **multipart())
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["case_no"] != b.json()["case_no"]


def test_json_body_without_materials_is_accepted(hub):
    r = hub.client.post(CASES, headers={**hub.auth(), "Idempotency-Key": "j"}, json=application(materials=[]))
    assert r.status_code == 201, r.text
    assert r.json()["materials"] == []


def test_unknown_missing_and_revoked_tokens_get_401(hub):
    from hub.registry import revoke_kiosk

    assert hub.client.post(CASES, headers={"Idempotency-Key": "x"}, **multipart()).status_code == 401
    bad = hub.client.post(CASES, headers={"Authorization": "Bearer nope", "Idempotency-Key": "x"}, **multipart())
    assert bad.status_code == 401 and "kioskhub kiosks add" in bad.json()["detail"]
    with hub.state.db.write() as db, db.begin():
        revoke_kiosk(db, "k1", hub.state.now())
    revoked = submit(hub, "x")
    assert revoked.status_code == 401 and "revoked" in revoked.json()["detail"]
    assert hub.client.get(f"{CASES}/whatever", headers=hub.auth()).status_code == 401


def test_progress_shows_status_history_after_staff_accept(hub):
    case_no = submit(hub).json()["case_no"]
    r = hub.client.post(
        f"/staff/cases/{case_no}/status",
        data={"status": "accepted", "note": "材料齐全"},
        auth=hub.staff(),
        follow_redirects=False,
    )
    assert r.status_code == 303
    progress = hub.client.get(f"{CASES}/{case_no}", headers=hub.auth()).json()
    assert progress["status"] == "accepted" and progress["status_label"] == "已受理"
    assert progress["pro_status"] == 2
    assert [(s["status"], s["note"]) for s in progress["history"]] == [
        ("submitted", "自助终端提交"),
        ("accepted", "材料齐全"),
    ]
    assert hub.client.get(f"{CASES}/NOPE", headers=hub.auth()).status_code == 404


def test_provisional_number_finds_the_case_for_that_kiosk_only(hub):
    case_no = submit(hub).json()["case_no"]
    found = hub.client.get(CASES, params={"provisional_no": "K1-20261121-0007"}, headers=hub.auth())
    assert [c["case_no"] for c in found.json()["cases"]] == [case_no]
    other = hub.register("k2")
    elsewhere = hub.client.get(CASES, params={"provisional_no": "K1-20261121-0007"}, headers=hub.auth(other))
    assert elsewhere.json()["cases"] == []


def test_citizen_finds_own_cases_by_id_number_which_is_never_stored_in_clear(hub):
    mine = submit(hub, "1").json()["case_no"]
    stranger = id_number("11010519491231002")
    submit(hub, "2", **multipart(application(applicant={"name": "李四", "id_number": stranger})))
    r = hub.client.post(f"{CASES}/lookup", headers=hub.auth(), json={"id_number": PERSON.lower()})
    assert [c["case_no"] for c in r.json()["cases"]] == [mine]
    assert r.json()["cases"][0]["applicant_id_number"] == PERSON[:4] + "*" * 10 + PERSON[-4:]
    assert r.json()["cases"][0]["applicant_name"] == "张*"
    with hub.state.db.read() as db:
        dump = json.dumps([list(row) for row in db.execute(text("SELECT * FROM cases"))], default=str)
    assert PERSON not in dump and "张三" not in dump and "银川市" not in dump


def errors(r) -> list[tuple[list, str]]:
    assert r.status_code == 422, r.text
    return [(e["loc"], e["msg"]) for e in r.json()["detail"]]


def test_bad_id_number_is_a_422_naming_the_field_without_echoing_it(hub):
    bad = PERSON[:-1] + ("0" if PERSON[-1] != "0" else "1")
    r = submit(hub, **multipart(application(applicant={"name": "张三", "id_number": bad})))
    ((loc, msg),) = errors(r)
    assert loc == ["body", "application", "applicant", "id_number"]
    assert "check character" in msg
    assert bad not in r.text


def test_kiosk_cannot_choose_the_case_number(hub):
    r = submit(hub, **multipart(application(case_no="MINE-0001")))
    ((loc, msg),) = errors(r)
    assert loc == ["body", "application"] and "provisional_no" in msg


def test_missing_and_malformed_fields_are_named(hub):
    app = application()
    del app["item_code"]
    assert errors(submit(hub, **multipart(app)))[0][0] == ["body", "application", "item_code"]
    bad_code = submit(hub, **multipart(application(item_code="../../etc")))
    assert errors(bad_code)[0][0] == ["body", "application", "item_code"]
    naive = submit(hub, **multipart(application(submitted_at="2026-11-21T09:00:00")))
    assert errors(naive)[0][0] == ["body", "application", "submitted_at"]
    not_json = submit(hub, **(multipart() | {"data": {"application": "{not json"}}))
    assert errors(not_json)[0] == (["body", "application"], "is not valid JSON")
    no_key = hub.client.post(CASES, headers=hub.auth(), **multipart())
    assert errors(no_key)[0][0] == ["header", "Idempotency-Key"]
    bad_key = submit(hub, "has space", **multipart())
    assert errors(bad_key)[0][0] == ["header", "Idempotency-Key"]


def test_path_tricks_in_file_names_are_refused(hub):
    for name in ("../../etc/passwd", "..\\evil.jpg", ".hidden.jpg", "a/b.jpg"):
        r = submit(hub, **multipart(application(materials=[]), [(name, b"\xff\xd8", "image/jpeg")]))
        assert r.status_code == 422, name
        assert r.json()["detail"][0]["loc"] == ["body", "materials", 0]
    assert hub.state.store.published() == [] and hub.state.store.staged() == []


def test_file_types_duplicates_and_labels_are_checked(hub):
    html = submit(hub, **multipart(application(materials=[]), [("x.html", b"<script>", "text/html")]))
    assert "not accepted" in errors(html)[0][1]
    twice = [("a.jpg", b"1", "image/jpeg"), ("a.jpg", b"2", "image/jpeg")]
    assert errors(submit(hub, **multipart(application(materials=[]), twice)))[0][0] == ["body", "materials", 1]
    unlabelled = submit(hub, **multipart(application(), [("other.pdf", b"%PDF", "application/pdf")]))
    assert errors(unlabelled)[0][0] == ["body", "application", "materials", 0, "file"]


def test_oversized_material_is_413_and_leaves_no_file(hub):
    big = [("scan.pdf", b"%PDF" + b"0" * (300 * 1024), "application/pdf")]
    r = submit(hub, **multipart(application(materials=[]), big))
    assert r.status_code == 413
    assert hub.state.store.published() == [] and hub.state.store.staged() == []
    with hub.state.db.read() as db:
        assert db.execute(text("SELECT count(*) FROM cases")).scalar_one() == 0
    ok = submit(hub, "after", **multipart())
    assert ok.json()["case_no"].endswith("0001")


def test_too_many_files_is_refused(hub):
    files = [(f"p{i}.jpg", b"\xff\xd8", "image/jpeg") for i in range(hub.state.settings.max_files + 1)]
    r = submit(hub, **multipart(application(materials=[]), files))
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "materials"]


def test_whole_request_over_the_limit_is_413(hub_settings):
    from fastapi.testclient import TestClient

    from hub.app import create_app

    small = hub_settings.model_copy(update={"max_request_bytes": 8192})
    with TestClient(create_app(small)) as client:
        r = client.post(CASES, content=b"x" * 10000, headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert "8192" in r.json()["detail"]


def test_other_content_types_are_415(hub):
    r = hub.client.post(CASES, headers={**hub.auth(), "Idempotency-Key": "t"}, content=b"hi")
    assert r.status_code == 415


def test_openapi_documents_the_intake_body(hub):
    doc = hub.client.get("/api/v1/openapi.json").json()
    body = doc["paths"]["/api/v1/cases"]["post"]["requestBody"]["content"]
    assert set(body) == {"multipart/form-data", "application/json"}
    assert "applicant" in doc["components"]["schemas"]["CaseApplication"]["properties"]
    assert "Applicant" in doc["components"]["schemas"]


def test_chunked_body_over_the_limit_is_413(hub_settings):
    from fastapi.testclient import TestClient

    from hub.app import create_app
    from hub.registry import add_kiosk

    small = hub_settings.model_copy(update={"max_request_bytes": 8192})

    def chunks():
        for _ in range(10):
            yield b"x" * 1024

    app = create_app(small)
    with TestClient(app) as client:
        with app.state.hub.db.write() as db, db.begin():
            token = add_kiosk(db, "k9", "hall-1", app.state.hub.now())
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}", "Idempotency-Key": "c"}
        r = client.post(CASES, content=chunks(), headers=headers)
    assert r.status_code == 413


def test_id_numbers_never_reach_the_logs(hub, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    submit(hub, "logged")
    bad = PERSON[:-1] + ("0" if PERSON[-1] != "0" else "1")
    submit(hub, "bad", **multipart(application(applicant={"name": "张三", "id_number": bad})))
    hub.client.post(f"{CASES}/lookup", headers=hub.auth(), json={"id_number": PERSON})
    assert caplog.records  # the hub and its libraries did log something
    assert PERSON not in caplog.text and bad not in caplog.text and "张三" not in caplog.text
