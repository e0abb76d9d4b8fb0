"""Certificates end to end: issue from a kiosk, read the PDF back, validate the signature, check on /verify."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader
from sqlalchemy import select
from typer.testing import CliRunner

import hub as hub_package
from hub.app import create_app
from hub.cli import app as cli
from hub.db.certificate_models import IssuedCertificate
from hub.records import import_records, parse_entries
from tests.integration.hub.conftest import FIXED_NOW, Clock, Hub

SAMPLES = Path(hub_package.__file__).parent / "sample_records"
LI = "640104198007152039"  # 李建国 in the sample records: 10 months of contributions and deposits
WANG = "640104195203121244"  # 王秀兰: retired, no recent contributions
NOBODY = "11010519491231002X"


@pytest.fixture
def overrides() -> dict[str, object]:
    return {}


@pytest.fixture
def chub(hub_settings, overrides) -> Iterator[Hub]:
    """A hub with the sample records imported and kiosk k1; its clock can be moved (``chub.clock``)."""
    clock = Clock(FIXED_NOW)
    app = create_app(hub_settings.model_copy(update=overrides), clock=clock)
    with TestClient(app) as client:
        h = Hub(client, app.state.hub, "")
        h.token = h.register("k1")
        h.clock = clock  # type: ignore[attr-defined]
        for kind in ("social_insurance", "housing_fund"):
            entries = parse_entries(kind, (SAMPLES / f"{kind}.json").read_bytes())
            import_records(h.state.db.write, h.state.keys, kind, entries, FIXED_NOW)
        yield h


def ask(h: Hub, **changes: object):
    body: dict[str, object] = {
        "kind": "social_insurance_contribution",
        "holder": {"id_type": "111", "id_number": LI},
        "identity_check": "face_verified",
        "face_score": 0.91,
    }
    body.update(changes)
    return h.client.post("/api/v1/certificates", json=body, headers=h.auth())


def issued_pdf(h: Hub, **changes: object) -> tuple[dict, bytes]:
    reply = ask(h, **changes)
    assert reply.status_code == 200, reply.text
    data = reply.json()
    return data, base64.b64decode(data["pdf_base64"])


def text_of(pdf: bytes) -> str:
    # pypdf 7.1 puts a NUL before each character of this Identity-H text; poppler's pdftotext reads it cleanly
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace("\x00", "")


def stored(h: Hub, code: str) -> IssuedCertificate:
    with h.state.db.read() as db:
        return db.scalars(select(IssuedCertificate).where(IssuedCertificate.code == code.replace("-", ""))).one()


def test_issued_certificate_is_an_a4_pdf_naming_holder_period_and_code_signed_by_the_hub(chub, caplog):
    caplog.set_level(logging.DEBUG)
    data, pdf = issued_pdf(chub)
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", data["code"])
    assert data["title"] == "社会保险参保缴费证明"
    assert data["period"] == {"from": "2025-11", "to": "2026-10"}  # the 12 months up to the newest on record
    assert data["valid_until"] == "2027-02-19"
    assert data["verify_url"] == f"http://testserver/verify/{data['code']}"
    assert data["size"] == len(pdf) and data["sha256"] == hashlib.sha256(pdf).hexdigest()

    reader = PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    assert len(reader.pages) == data["pages"] == 1
    text = text_of(pdf)
    expected_text = ("社会保险参保缴费证明", "李建国", "6401**********2039", "2025年11月至2026年10月", data["code"],
                     "宁夏示例建设工程有限公司", "2026-10", "已实缴", "2026年11月21日", "样章")  # fmt: skip
    for expected in expected_text:
        assert expected in text, expected
    assert LI not in text
    fonts = {f for p in reader.pages for f in p["/Resources"]["/Font"].values()}
    assert all("/FontFile3" in f.get_object()["/DescendantFonts"][0]["/FontDescriptor"] for f in fonts)  # embedded

    sig = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    signer = chub.client.app.state.certificates.signer
    status = validate_pdf_signature(sig, ValidationContext(trust_roots=[signer.certificate], allow_fetching=False))
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.coverage.name == "ENTIRE_FILE"

    row = stored(chub, data["code"])
    assert row.sha256 == hashlib.sha256(pdf).hexdigest()
    assert (row.kind, row.kiosk_id, row.identity_check, row.identity_score) == (
        "social_insurance_contribution", "k1", "face_verified", 0.91)  # fmt: skip
    assert row.holder_index == chub.state.keys.id_index("111", LI) and row.revoked_at is None
    assert (row.holder_name_masked, row.holder_id_masked) == ("李*国", "6401**********2039")
    assert row.signer_sha256 == signer.fingerprint
    assert LI not in caplog.text and "李建国" not in caplog.text

    key = chub.state.settings.certificate_key_dir / "hub-signing.pem"
    assert os.stat(key).st_mode & 0o777 == 0o600


def test_housing_fund_certificate_for_a_chosen_period(chub):
    data, pdf = issued_pdf(chub, kind="housing_fund_deposit", period={"from": "2026-03", "to": "2026-08"},
                           identity_check="card_read", face_score=None)  # fmt: skip
    text = text_of(pdf)
    assert "住房公积金缴存证明" in text and "2026年3月至2026年8月" in text
    assert "2026-03" in text and "2026-08" in text and "2026-09" not in text and "2026-02" not in text
    assert "1,488.00" in text and "8,928.00" in text  # six months of 1,488.00
    assert data["period"] == {"from": "2026-03", "to": "2026-08"}


def test_each_request_gets_its_own_code_and_record(chub):
    first, _ = issued_pdf(chub)
    second, _ = issued_pdf(chub)
    assert first["code"] != second["code"] and first["sha256"] != second["sha256"]


def test_a_person_without_a_record_gets_no_record_for_the_kiosk_to_show(chub):
    reply = ask(chub, holder={"id_type": "111", "id_number": NOBODY})
    assert reply.status_code == 404
    assert reply.json() == {"detail": "没有找到您的社会保险参保记录", "code": "no_record"}
    reply = ask(chub, kind="housing_fund_deposit", holder={"id_type": "111", "id_number": NOBODY})
    assert reply.json()["code"] == "no_record" and "公积金" in reply.json()["detail"]


def test_each_certificate_request_is_an_audited_lookup_by_id_number(chub):
    issued_pdf(chub)
    ask(chub, holder={"id_type": "111", "id_number": NOBODY})
    page = chub.client.post("/staff/lookups", auth=chub.staff(),
                            data={"id_type": "111", "id_number": LI}).text
    assert page.count("证明打印：社会保险参保缴费证明") == 1 and "查到记录" in page and LI not in page
    nobody = chub.client.post("/staff/lookups", auth=chub.staff(),
                              data={"id_type": "111", "id_number": NOBODY}).text
    assert "无记录" in nobody


@pytest.mark.parametrize("overrides", [{"records_source": "tests.integration.hub.cert_sources:down"}])
def test_a_records_source_that_is_down_gives_503(chub):
    reply = ask(chub)
    assert reply.status_code == 503
    assert reply.json()["code"] == "records_unavailable"
    assert "稍后再试" in reply.json()["detail"]


def test_bad_requests_are_refused_naming_the_field(chub):
    reply = ask(chub, kind="birth_certificate")
    assert reply.status_code == 422 and reply.json()["detail"][0]["loc"] == ["body", "kind"]
    reply = ask(chub, period={"from": "2026-10", "to": "2026-01"})
    assert reply.status_code == 422 and "'from' must not be after 'to'" in reply.text
    reply = ask(chub, period={"from": "2023-01", "to": "2026-10"})
    assert reply.status_code == 422 and "at most 36 months" in reply.text
    reply = ask(chub, period={"from": "2026-10", "to": "2026-12"})
    assert reply.status_code == 422 and reply.json()["detail"][0]["loc"] == ["body", "period", "to"]
    reply = ask(chub, identity_check="card_read")  # with a face score
    assert reply.status_code == 422 and "face_score goes with" in reply.text
    reply = ask(chub, identity_check="manual", face_score=None)
    assert reply.status_code == 422 and "operator" in reply.text
    reply = ask(chub, holder={"id_type": "111", "id_number": LI[:-1] + "0"})
    assert reply.status_code == 422 and "check character" in reply.text and LI[:-1] not in reply.text
    reply = chub.client.post("/api/v1/certificates", json={"kind": "housing_fund_deposit"})
    assert reply.status_code == 401


def test_the_check_page_shows_what_was_issued_masked_and_takes_the_exact_file(chub):
    data, pdf = issued_pdf(chub)
    page = chub.client.get(f"/verify/{data['code']}")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    for expected in ("本系统出具的证明，有效", "社会保险参保缴费证明", "李*国", "6401**********2039",
                     "2026-11-21 10:30", data["sha256"], "2025-11 至 2026-10", "人脸核验"):  # fmt: skip
        assert expected in page.text, expected
    assert "李建国" not in page.text and LI not in page.text
    typed = data["code"].lower().replace("-", " ")
    moved = chub.client.get("/verify", params={"code": typed}, follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == f"/verify/{data['code']}"
    assert chub.client.get(f"/verify/{typed.replace(' ', '')}").status_code == 200

    check = chub.client.post(f"/verify/{data['code']}", files={"pdf": ("c.pdf", pdf, "application/pdf")})
    assert check.status_code == 200
    assert "与出具的文件完全一致" in check.text and "数字签名有效" in check.text


def test_an_altered_pdf_is_reported_as_altered(chub):
    data, pdf = issued_pdf(chub)
    signed_range = pdf.index(b"/Contents <")  # a byte inside the signed part: the page content
    at = pdf.index(b"stream", 200) + 20
    assert at < signed_range
    tampered = pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]
    check = chub.client.post(f"/verify/{data['code']}", files={"pdf": ("c.pdf", tampered, "application/pdf")})
    assert "文件与出具的不一致" in check.text and "签名之后文件内容被改动" in check.text

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))  # a later revision added after signing
    writer.root["/Lang"] = writer.root["/Lang"].__class__("en")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    check = chub.client.post(f"/verify/{data['code']}", files={"pdf": ("c.pdf", out.getvalue(), "application/pdf")})
    assert "文件与出具的不一致" in check.text and "签名之后文件被追加修改" in check.text

    junk = {"pdf": ("c.pdf", b"%PDF-1.7 nothing", "application/pdf")}
    check = chub.client.post(f"/verify/{data['code']}", files=junk)
    assert "文件与出具的不一致" in check.text and "没有本中心的数字签名" in check.text


def test_a_genuine_certificate_checked_under_another_code_is_told_apart(chub):
    first, _ = issued_pdf(chub)
    _, other_pdf = issued_pdf(chub, kind="housing_fund_deposit")
    check = chub.client.post(f"/verify/{first['code']}", files={"pdf": ("c.pdf", other_pdf, "application/pdf")})
    assert "不是此验证码对应的证明" in check.text and "数字签名有效" in check.text


def test_revoked_and_expired_certificates_say_so(chub, tmp_path):
    data, _ = issued_pdf(chub)
    settings = chub.state.settings
    env = {"KIOSKHUB_DATA_DIR": str(settings.data_dir)}
    if settings.database_url:
        env["KIOSKHUB_DATABASE_URL"] = settings.database_url
    done = CliRunner().invoke(cli, ["certificates", "revoke", data["code"].lower(), "--reason", "信息有误，已重新出具"],
                              env=env)  # fmt: skip
    assert done.exit_code == 0, done.stderr
    assert done.stdout.startswith(f"certificate {data['code']} revoked at ")
    again = CliRunner().invoke(cli, ["certificates", "revoke", data["code"], "--reason", "x"], env=env)
    assert again.exit_code == 0 and "was already revoked" in again.stdout
    unknown = CliRunner().invoke(cli, ["certificates", "revoke", "ABCD-EFGH-JKMN-PQRS", "--reason", "x"], env=env)
    assert unknown.exit_code == 2 and "not a verification code" in unknown.stderr
    listed = CliRunner().invoke(cli, ["certificates", "list", "--json"], env=env)
    assert json.loads(listed.stdout)[0]["revoked"] is True

    page = chub.client.get(f"/verify/{data['code']}")
    assert "此证明已撤销" in page.text and "信息有误，已重新出具" in page.text
    assert re.search(r"撤销时间</dt><dd>\d{4}-\d{2}-\d{2} \d{2}:\d{2}", page.text)

    fresh, _ = issued_pdf(chub)
    chub.clock.advance(91 * 24 * 60)  # type: ignore[attr-defined]
    page = chub.client.get(f"/verify/{fresh['code']}")
    assert "已过有效期（有效期至 2027-02-19）" in page.text


def test_unknown_and_malformed_codes_reveal_nothing(chub):
    data, _ = issued_pdf(chub)
    code = data["code"]
    # the same check character rule, another payload: a well-formed code nobody was given
    from hub.certificates.codes import _check_char, display

    payload = ("0" if code[0] != "0" else "1") + code.replace("-", "")[1:15]
    other = display(payload + _check_char(payload))
    page = chub.client.get(f"/verify/{other}")
    assert page.status_code == 404 and "未查询到此验证码" in page.text and "李" not in page.text
    page = chub.client.get("/verify/NOT-A-CODE")
    assert page.status_code == 404 and "验证码格式不正确" in page.text
    moved = chub.client.get("/verify", params={"code": "../helper?x=1"}, follow_redirects=False)
    assert moved.headers["location"] == "/verify/..%2Fhelper%3Fx%3D1"  # stays on the check page


@pytest.mark.parametrize("overrides", [{"verify_misses_per_window": 3, "verify_window_seconds": 600}])
def test_guessing_codes_is_throttled_per_source(chub):
    data, _ = issued_pdf(chub)
    for _ in range(3):
        assert chub.client.get("/verify/ABCD-EFGH-JKMN-PQRS").status_code == 404
    refused = chub.client.get(f"/verify/{data['code']}")  # even a good code, until the window ends
    assert refused.status_code == 429 and "查询过于频繁" in refused.text
    assert 0 < int(refused.headers["retry-after"]) <= 600
    chub.clock.advance(11)  # type: ignore[attr-defined]
    assert chub.client.get(f"/verify/{data['code']}").status_code == 200


def test_the_signing_certificate_can_be_downloaded(chub):
    issued_pdf(chub)
    pem = chub.client.get("/verify/hub-signing-certificate.pem")
    assert pem.status_code == 200 and pem.text.startswith("-----BEGIN CERTIFICATE-----")
    assert "PRIVATE" not in pem.text


def import_person(h: Hub, name: str, number: str) -> None:
    entry = {"id_type": "111", "id_number": number, "name": name, "contribution_months": 12,
             "insurances": [{"type": "养老", "status": "参保缴费", "start_month": "2025-11"}],
             "recent": [{"month": "2026-10", "base": "5000", "personal": "525", "unit": "1170"}]}  # fmt: skip
    entries = parse_entries("social_insurance", json.dumps([entry], ensure_ascii=False).encode())
    import_records(h.state.db.write, h.state.keys, "social_insurance", entries, FIXED_NOW)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_rare_character_in_a_name_is_printed_from_the_full_face_and_a_missing_one_refused(chub, caplog):
    import_person(chub, "王䶮", "64010419900101123X")  # 䶮 (U+4DAE) is outside GB 2312
    _, pdf = issued_pdf(chub, holder={"id_type": "111", "id_number": "64010419900101123X"})
    assert "王䶮" in text_of(pdf)

    import_person(chub, "张\ue000", "640104199001011256")  # a private-use character: no font has it
    reply = ask(chub, holder={"id_type": "111", "id_number": "640104199001011256"})
    assert reply.status_code == 500 and reply.json()["code"] == "font_missing_glyph"
    assert "\ue000" not in caplog.text and "640104199001011256" not in caplog.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("overrides", [{"certificate_font": Path("/nonexistent/NotoSansCJKsc-Regular.otf")}])
def test_without_the_font_issuing_says_what_to_fix_and_the_check_page_still_works(chub):
    reply = ask(chub)
    assert reply.status_code == 503 and reply.json()["code"] == "certificates_unavailable"
    assert "KIOSKHUB_CERTIFICATE_FONT" in reply.json()["detail"]
    assert chub.client.get("/verify/hub-signing-certificate.pem").status_code == 200
    assert chub.client.get("/verify/ABCD-EFGH-JKMN-PQRS").status_code == 404


def keyed(h: Hub, key: str, **changes: object):
    body: dict[str, object] = {"kind": "social_insurance_contribution", "holder": {"id_type": "111", "id_number": LI},
                               "identity_check": "card_read", **changes}
    return h.client.post("/api/v1/certificates", json=body, headers={**h.auth(), "Idempotency-Key": key})


def test_a_repeated_key_gets_the_first_certificate_again_and_no_second_code(chub):
    first = keyed(chub, "k1-attempt-1")
    again = keyed(chub, "k1-attempt-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()  # the same code and the same signed bytes
    assert again.headers.get("Idempotent-Replayed") == "true"
    with chub.state.db.read() as db:
        assert len(db.scalars(select(IssuedCertificate)).all()) == 1
    assert keyed(chub, "k1-attempt-2").json()["code"] != first.json()["code"]  # a new attempt, a new code
    reused = keyed(chub, "k1-attempt-1", kind="housing_fund_deposit")
    assert reused.status_code == 409 and reused.json()["code"] == "key_reused"


def test_the_pdf_kept_for_a_retry_is_dropped_after_the_window_and_the_code_alone_is_told(chub):
    from hub.certificates.replay import KEEP
    from hub.db.models import KioskReply

    code = keyed(chub, "k1-late").json()["code"]
    chub.clock.advance(KEEP.total_seconds() / 60 + 1)
    late = keyed(chub, "k1-late")
    assert late.status_code == 410 and late.json()["certificate_code"] == code
    with chub.state.db.read() as db:
        bodies = [r.body for r in db.scalars(select(KioskReply).where(KioskReply.kind == "certificate"))]
    assert bodies and not any("pdf_base64" in b for b in bodies)


def test_a_failed_request_is_not_kept_so_its_retry_can_succeed(chub):
    assert keyed(chub, "k1-nobody", holder={"id_type": "111", "id_number": NOBODY}).status_code == 404
    import_person(chub, "赵小明", NOBODY)
    assert keyed(chub, "k1-nobody", holder={"id_type": "111", "id_number": NOBODY}).status_code == 200


def test_the_hubs_sweep_drops_a_kept_pdf_past_its_time_while_no_kiosk_asks(chub):
    from hub.certificates.replay import KEEP
    from hub.db.models import KioskReply

    def kept_bodies() -> list[str]:
        with chub.state.db.read() as db:
            return [r.body for r in db.scalars(select(KioskReply).where(KioskReply.kind == "certificate"))]

    code = keyed(chub, "k1-swept").json()["code"]
    sweeper = chub.client.app.state.sweeper
    sweeper.forget_certificate_pdfs()
    assert "pdf_base64" in kept_bodies()[0]  # still within reach of a retry
    chub.clock.advance(KEEP.total_seconds() / 60 + 1)
    sweeper.forget_certificate_pdfs()
    assert kept_bodies() == [json.dumps({"code": code})]
