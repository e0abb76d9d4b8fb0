"""Record queries: reference records imported with the CLI answer 公积金/社保 queries; own cases answer 办件进度."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

import hub as hub_package
from hub import intake
from hub.cli import app
from hub.registry import revoke_kiosk
from tests.integration.hub.helpers import PERSON, application, id_number

QUERIES = "/api/v1/queries"
SAMPLES = Path(hub_package.__file__).parent / "sample_records"
WANG = id_number("64010419520312124")  # 王秀兰: retired, fund account sealed, draws a pension
LI = id_number("64010419800715203")  # 李建国: paying in
YANG = id_number("64010219750320451")  # 杨志强: social insurance only
NOBODY = id_number("64010420000101002")


@pytest.fixture
def env(hub, hub_settings) -> dict[str, str]:
    """The environment of a `kioskhub` command working on the same data dir and database as ``hub``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("KIOSKHUB_")}
    base["KIOSKHUB_DATA_DIR"] = str(hub_settings.data_dir)
    if hub_settings.database_url:
        base["KIOSKHUB_DATABASE_URL"] = hub_settings.database_url
    return base


def kioskhub(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, args, env=env)
    return result.exit_code, result.stdout, result.stderr


def import_samples(env: dict[str, str]) -> None:
    for kind in ("housing_fund", "social_insurance"):
        code, _, err = kioskhub(["records", "import", "--kind", kind, str(SAMPLES / f"{kind}.json")], env)
        assert code == 0, err


def ask(hub, query: str, number: str, form: dict | None = None, token: str | None = None):
    body = {"id_type": "111", "id_number": number, "form": form or {}}
    return hub.client.post(f"{QUERIES}/{query}", headers=hub.auth(token), json=body)


def test_housing_fund_record_imported_with_the_cli_is_shown_masked(hub, env):
    code, out, err = kioskhub(["records", "import", "--kind", "housing_fund", str(SAMPLES / "housing_fund.json")], env)
    assert code == 0, err
    assert out.strip() == "imported 3 housing_fund record(s): 3 new, 0 replaced"
    assert kioskhub(["records", "count", "--json"], env)[1].strip() == '{"housing_fund": 3, "social_insurance": 0}'

    r = ask(hub, "housing-fund-query", LI)
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["title"] == "住房公积金个人账户信息"
    assert list(result["fields"].items())[:6] == [
        ("职工姓名", "李*国"),
        ("单位名称", "宁夏示例建设工程有限公司"),
        ("账户状态", "正常"),
        ("账户余额", "86,452.30 元"),
        ("月缴存额", "1,488.00 元"),
        ("缴存基数", "6,200.00 元"),
    ]
    assert result["fields"]["最近缴存月份"] == "2026-10"
    assert result["lines"][0] == "近12个月缴存明细："
    assert result["lines"][1:3] == ["2026-10  缴存 1,488.00 元", "2026-09  缴存 1,488.00 元"]
    assert len(result["lines"]) == 13 and result["lines"][-1].startswith("2025-11")
    assert result["footer"] == "以上信息以市住房公积金管理中心系统记录为准。"
    assert result["as_of"].startswith(dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"))  # when it was imported

    sealed = ask(hub, "housing-fund-query", WANG.lower()).json()  # a lower-case x would index the same person
    assert sealed["fields"]["职工姓名"] == "王*兰" and sealed["fields"]["账户状态"] == "封存"
    assert sealed["lines"] == ["近12个月没有缴存记录"]


def test_social_insurance_certificate_enrolment_payments_and_pension(hub, env):
    import_samples(env)
    enrolment = ask(hub, "si-record-certificate", LI, {"certificate": "enrolment"}).json()
    assert enrolment["title"] == "社会保险个人参保证明"
    fields = enrolment["fields"]
    assert fields["参保人"] == "李*国" and not any(LI[-4:] in v for v in fields.values())
    assert fields["累计缴费月数"] == "238 个月"
    assert [k for k in fields if k.endswith("保险")] == ["养老保险", "医疗保险", "失业保险", "工伤保险", "生育保险"]
    assert fields["养老保险"] == "参保缴费（2007-01起）"
    assert enrolment["lines"][1] == "2026-10 基数 6,200.00 个人 651.00 单位 1,398.10"
    assert len(enrolment["lines"]) == 13

    period = {"certificate": "payments", "from_date": "2026-08-01", "to_date": "20261031"}
    payments = ask(hub, "si-record-certificate", LI, period).json()
    assert payments["title"] == "社会保险个人缴费明细"
    assert payments["fields"]["查询期间"] == "2026-08 至 2026-10"
    assert [line[:7] for line in payments["lines"]] == ["2026-10", "2026-09", "2026-08"]

    pension = ask(hub, "si-record-certificate", WANG, {"certificate": "pension"}).json()
    assert pension["title"] == "养老保险待遇领取证明"
    assert pension["fields"]["月领取金额"] == "3,126.80 元" and pension["fields"]["开始领取月份"] == "2007-04"
    no_pension = ask(hub, "si-record-certificate", LI, {"certificate": "pension"})
    assert no_pension.status_code == 404 and no_pension.json() == {"detail": "没有找到您的养老保险待遇领取记录"}


def test_importing_again_replaces_the_persons_record(hub, env, tmp_path):
    import_samples(env)
    entries = json.loads((SAMPLES / "housing_fund.json").read_text(encoding="utf-8"))
    li = next(e for e in entries if e["id_number"] == LI)
    li |= {"balance": "90000.00", "status": "封存", "deposits": []}
    update = tmp_path / "update.json"
    update.write_text(json.dumps([li], ensure_ascii=False), encoding="utf-8")
    code, out, err = kioskhub(["records", "import", "--kind", "housing_fund", str(update)], env)
    assert code == 0, err
    assert out.strip() == "imported 1 housing_fund record(s): 0 new, 1 replaced"
    assert kioskhub(["records", "count"], env)[1].splitlines() == ["housing_fund\t3", "social_insurance\t4"]
    fields = ask(hub, "housing-fund-query", LI).json()["fields"]
    assert fields["账户余额"] == "90,000.00 元" and fields["账户状态"] == "封存"
    assert ask(hub, "housing-fund-query", WANG).json()["fields"]["账户余额"] == "38,216.45 元"  # others untouched


def test_person_without_a_record_gets_404_the_kiosk_can_show(hub, env):
    import_samples(env)
    fund = ask(hub, "housing-fund-query", YANG)
    assert fund.status_code == 404 and fund.json() == {"detail": "没有找到您的住房公积金账户记录"}
    social = ask(hub, "si-record-certificate", NOBODY)
    assert social.status_code == 404 and social.json() == {"detail": "没有找到您的社会保险参保记录"}
    # The same number under another document type is another person.
    other = hub.client.post(
        f"{QUERIES}/housing-fund-query", headers=hub.auth(), json={"id_type": "414", "id_number": LI}
    )
    assert other.status_code == 404


def test_unknown_query_is_404_naming_the_known_ones(hub):
    r = ask(hub, "housing_fund_query", LI)
    assert r.status_code == 404
    assert r.json()["detail"].endswith("known queries: case-progress-query, housing-fund-query, si-record-certificate")


def test_openapi_documents_the_query_body_and_result(hub):
    operation = hub.client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/queries/{query}"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert set(body["properties"]) == {"id_type", "id_number", "form"}
    assert "404" in operation["responses"] and "200" in operation["responses"]


def test_case_progress_lists_the_applicants_own_cases_newest_first(hub):
    cases = "/api/v1/cases"
    first = hub.client.post(cases, headers={**hub.auth(), "Idempotency-Key": "a"}, json=application())
    second = hub.client.post(
        cases,
        headers={**hub.auth(), "Idempotency-Key": "b"},
        json=application(item_code="0000000003", item_name="老年人优待证办理"),
    )
    other = application(applicant={"name": "李四", "id_number": LI})
    assert hub.client.post(cases, headers={**hub.auth(), "Idempotency-Key": "c"}, json=other).status_code == 201
    first_no, second_no = first.json()["case_no"], second.json()["case_no"]
    with hub.state.db.write() as db, db.begin():
        intake.set_status(db, second_no, "accepted", None, hub.state.now())

    result = ask(hub, "case-progress-query", PERSON).json()
    assert result["title"] == "办件进度"
    assert result["fields"] == {"办件数量": "2"}
    assert result["lines"] == [
        f"{second_no} 老年人优待证办理 已受理 2026-11-21",
        f"{first_no} 城乡居民养老保险参保登记 已提交 2026-11-21",
    ]
    assert second_no == "0000000003202611210001"

    typed = ask(hub, "case-progress-query", PERSON, {"case_no": first_no}).json()
    assert typed["fields"]["办件编号"] == first_no and typed["fields"]["当前状态"] == "已提交"
    someone_elses = ask(hub, "case-progress-query", PERSON, {"case_no": "0000000003202611210099"}).json()
    assert "办件编号" not in someone_elses["fields"]
    assert someone_elses["lines"][0].startswith("未找到您输入的办件编号")

    none = ask(hub, "case-progress-query", NOBODY)
    assert none.status_code == 200
    assert none.json()["fields"] == {"办件数量": "0"} and none.json()["lines"] == ["未查询到办件记录"]


def test_malformed_bodies_are_422_naming_the_field_without_echoing_it(hub):
    bad = LI[:-1] + ("0" if LI[-1] != "0" else "1")
    r = ask(hub, "housing-fund-query", bad)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "id_number"] and bad not in r.text
    r = hub.client.post(f"{QUERIES}/case-progress-query", headers=hub.auth(), content=b"{not json")
    assert r.status_code == 422 and r.json()["detail"][0]["type"] == "json_invalid"
    r = hub.client.post(f"{QUERIES}/case-progress-query", headers=hub.auth(), json={"id_number": LI, "extra": 1})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "extra"]
    r = ask(hub, "si-record-certificate", LI, {"certificate": "everything"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "form", "certificate"]
    r = ask(hub, "si-record-certificate", LI, {"certificate": "payments", "from_date": "2026-02-30", "to_date": ""})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "form", "from_date"]
    r = ask(
        hub,
        "si-record-certificate",
        LI,
        {"certificate": "payments", "from_date": "2026-10-01", "to_date": "2026-01-01"},
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "form", "to_date"]


def test_revoked_or_missing_token_gets_401(hub, env):
    import_samples(env)
    assert ask(hub, "housing-fund-query", LI).status_code == 200
    with hub.state.db.write() as db, db.begin():
        revoke_kiosk(db, "k1", hub.state.now())
    for query in ("housing-fund-query", "si-record-certificate", "case-progress-query"):
        r = ask(hub, query, LI)
        assert r.status_code == 401 and "revoked" in r.json()["detail"]
    r = hub.client.post(f"{QUERIES}/housing-fund-query", json={"id_number": LI})
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"


BAD_FILES = [
    ("[", "is not valid JSON"),
    ('{"id_number": "x"}', "must be a JSON list with one object per person"),
    ("[]", "holds no records"),
    ("[1]", "entry 1: must be an object"),
]


@pytest.mark.parametrize(("content", "expected"), BAD_FILES, ids=["json", "object", "empty", "number"])
def test_unusable_import_files_exit_2_with_one_line(hub, env, tmp_path, content, expected):
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    code, out, err = kioskhub(["records", "import", "--kind", "housing_fund", str(bad)], env)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith(f"kioskhub: {bad}: ") and expected in err and "nothing was imported" in err


def _sample_with(kind: str, index: int, **changes) -> list[dict]:
    entries = json.loads((SAMPLES / f"{kind}.json").read_text(encoding="utf-8"))
    entries[index].update(changes)
    for key, value in list(changes.items()):
        if value is None:
            del entries[index][key]
    return entries


def test_bad_entries_exit_2_naming_the_entry_and_field_and_import_nothing(hub, env, tmp_path):
    entries = json.loads((SAMPLES / "housing_fund.json").read_text(encoding="utf-8"))
    deposits = [dict(d) for d in entries[1]["deposits"]]
    deposits[2]["amount"] = "-5"
    cases = [
        (
            "housing_fund",
            _sample_with("housing_fund", 1, id_number=LI[:-1] + "0"),
            "entry 2: field id_number: check character",
        ),
        ("housing_fund", _sample_with("housing_fund", 2, balance=None), "entry 3: field balance: Field required"),
        ("housing_fund", _sample_with("housing_fund", 1, deposits=deposits), "entry 2: field deposits[3].amount:"),
        ("housing_fund", _sample_with("housing_fund", 0, status="冻结"), "entry 1: field status: Input should be"),
        ("housing_fund", _sample_with("housing_fund", 0, balnce="1.00"), "entry 1: field balnce: Extra inputs"),
        ("social_insurance", _sample_with("social_insurance", 3, id_number=LI), "entries 2 and 4 are the same person"),
        ("social_insurance", _sample_with("social_insurance", 0, insurances=[]), "entry 1: field insurances:"),
    ]
    for kind, content, expected in cases:
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
        code, out, err = kioskhub(["records", "import", "--kind", kind, str(bad)], env)
        assert code == 2, (expected, err)
        assert expected in err and err.count("\n") == 1 and out == ""
        assert LI not in err and LI[:-1] not in err and "李建国" not in err
    assert kioskhub(["records", "count", "--json"], env)[1].strip() == '{"housing_fund": 0, "social_insurance": 0}'
    code, _, err = kioskhub(["records", "import", "--kind", "pension", str(SAMPLES / "housing_fund.json")], env)
    assert code == 2 and "--kind must be one of housing_fund, social_insurance" in err
    code, _, err = kioskhub(["records", "import", "--kind", "housing_fund", str(tmp_path / "missing.json")], env)
    assert code == 2 and "cannot read" in err


def test_personal_data_is_neither_stored_in_clear_nor_logged(hub, env, caplog):
    caplog.set_level(logging.DEBUG)
    import_samples(env)
    ask(hub, "housing-fund-query", LI)
    ask(hub, "si-record-certificate", WANG, {"certificate": "pension"})
    ask(hub, "housing-fund-query", YANG)
    ask(hub, "housing-fund-query", LI[:-1] + "0")
    with hub.state.db.read() as db:
        rows = [" ".join(map(str, row)) for row in db.execute(text("SELECT * FROM reference_records"))]
        stored = [db.execute(text("SELECT data_enc FROM reference_records")).scalars().first()]
    assert len(rows) == 7
    dumped = "\n".join(rows)
    for secret in (LI, WANG, YANG, LI[:14], "李建国", "王秀兰", "杨志强", "86452.30"):
        assert secret not in dumped
        assert secret not in caplog.text
    assert caplog.records  # the hub and its libraries did log something
    assert "id_number" in hub.state.keys.decrypt(stored[0])  # the data is there, encrypted


def test_the_kiosks_own_client_gets_the_result_and_the_citizen_message(hub, env):
    """Contract with local_api.hub_client.HubClient.query, the caller on the kiosk side."""
    from local_api.hub_client import HubClient, HubRejected

    import_samples(env)
    kiosk = HubClient("http://testserver", hub.token, transport=hub.client._transport)
    try:
        result = kiosk.query("si_record_certificate".replace("_", "-"), id_type="111", id_number=WANG, form={})
        assert result["title"] == "社会保险个人参保证明" and result["fields"]["参保人"] == "王*兰"
        with pytest.raises(HubRejected) as info:
            kiosk.query("housing-fund-query", id_type="111", id_number=NOBODY, form={})
        assert info.value.status == 404 and "没有找到您的住房公积金账户记录" in info.value.detail
    finally:
        kiosk.close()
