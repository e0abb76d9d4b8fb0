"""The 帮办代办 台账: an assisted case arrives with who helped, how, and the signed 委托书; staff list, filter and
export it, and ``kioskhub assisted list --json`` prints it."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os

from sqlalchemy import select
from typer.testing import CliRunner

from hub.cli import app as cli
from hub.db.assist_models import CaseSignature
from tests.integration.hub.helpers import application, multipart

WEITUO = "本人自愿委托政务服务中心帮办代办工作人员协助填写。"
CHENGNUO = "本人承诺所填写的信息真实、有效。"
PNG = b"\x89PNG\r\n\x1a\n" + b"s" * 1500


def signed(document: str, text: str, file: str) -> dict:
    return {"document": document, "text": text, "text_sha256": hashlib.sha256(text.encode()).hexdigest(),
            "signed_at": "2026-11-21T10:20:00+08:00", "file": file, "image_sha256": hashlib.sha256(PNG).hexdigest()}


def assisted_case(hub, key: str, helper: str = "h-wang", **changes):
    body = application(**{
        "materials": [{"file": "hukou.jpg", "label": "户口簿"}, {"file": "sig-1.png", "label": "委托书（申请人签名）"},
                      {"file": "sig-2.png", "label": "告知承诺书（申请人签名）"}],
        "signatures": [signed("委托书", WEITUO, "sig-1.png"), signed("告知承诺书", CHENGNUO, "sig-2.png")],
        "assisted": {"helper_id": helper, "mode": "video_filling", "entered": ["地址", "参保档次"],
                     "authorisation_file": "sig-1.png"},
        **changes})
    files = [("hukou.jpg", b"\xff\xd8\xff\xe0" + b"x" * 2048, "image/jpeg"), ("sig-1.png", PNG, "image/png"),
             ("sig-2.png", PNG, "image/png")]
    return hub.client.post("/api/v1/cases", headers={**hub.auth(), "Idempotency-Key": key}, **multipart(body, files))


def test_assisted_cases_are_listed_with_helper_authorisation_progress_and_rating(hub):
    staff = hub.staff("clerk")
    r = assisted_case(hub, "a1")
    assert r.status_code == 201, r.text
    case_no = r.json()["case_no"]
    alone = hub.client.post("/api/v1/cases", headers={**hub.auth(), "Idempotency-Key": "c2"}, **multipart())
    assert alone.status_code == 201  # a case without help is not in the ledger
    assert hub.client.post("/api/v1/ratings", headers=hub.auth(),
                           json={"case_no": case_no, "level": "very_satisfied"}).status_code in (200, 201)
    rows = hub.client.get("/api/v1/staff/assisted", auth=staff).json()
    assert [(r["case_no"], r["helper_id"], r["mode_label"], r["authorised"], r["status_label"], r["rating"])
            for r in rows] == [(case_no, "h-wang", "视频帮办", True, "已提交", "非常满意")]
    assert rows[0]["entered"] == ["地址", "参保档次"] and rows[0]["applicant_name_masked"] == "张*"
    assert hub.client.get("/api/v1/staff/assisted?helper=h-li", auth=staff).json() == []
    assert hub.client.get("/api/v1/staff/assisted?mode=window", auth=staff).json() == []
    assert len(hub.client.get("/api/v1/staff/assisted?site=hall-1&since=2026-11-21&until=2026-11-21",
                              auth=staff).json()) == 1
    assert hub.client.get("/api/v1/staff/assisted?since=2026-11-22", auth=staff).json() == []
    assert hub.client.get("/api/v1/staff/assisted?mode=bogus", auth=staff).status_code == 422
    assert hub.client.get("/api/v1/staff/assisted").status_code == 401
    exported = hub.client.get("/staff/assisted.csv?helper=h-wang", auth=staff)
    assert exported.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert table[0][:3] == ["受理时间", "办件编号", "事项"]
    assert table[1][1] == case_no and "张三" not in exported.text and table[1][9] == "已签"
    page = hub.client.get("/staff/assisted", auth=staff)
    assert page.status_code == 200 and case_no in page.text and "视频帮办" in page.text
    with hub.state.db.read() as db:
        kept = db.scalars(select(CaseSignature).order_by(CaseSignature.id)).all()
    assert [(s.document, s.text) for s in kept] == [("委托书", WEITUO), ("告知承诺书", CHENGNUO)]


def test_a_changed_text_or_an_authorisation_that_is_no_signed_weituo_is_refused(hub):
    body = signed("委托书", WEITUO, "sig-1.png")
    r = assisted_case(hub, "a2", signatures=[{**body, "text": WEITUO + "另加一条"},
                                             signed("告知承诺书", CHENGNUO, "sig-2.png")])
    assert r.status_code == 422 and "signed text was changed" in r.text
    r = assisted_case(hub, "a3", assisted={"helper_id": "h-wang", "mode": "window",
                                           "authorisation_file": "sig-2.png"})
    assert r.status_code == 422 and "委托书" in r.text


def test_the_command_prints_the_ledger_as_json(hub, hub_settings):
    case_no = assisted_case(hub, "a4", helper="h-li").json()["case_no"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSKHUB_")}
    env["KIOSKHUB_DATA_DIR"] = str(hub_settings.data_dir)
    if hub_settings.database_url:
        env["KIOSKHUB_DATABASE_URL"] = hub_settings.database_url
    result = CliRunner().invoke(cli, ["assisted", "list", "--json"], env=env)
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(r["case_no"], r["helper_id"], r["mode"]) for r in rows] == [(case_no, "h-li", "video_filling")]
    bad = CliRunner().invoke(cli, ["assisted", "list", "--mode", "phone"], env=env)
    assert bad.exit_code == 2 and "video_filling" in bad.stderr
