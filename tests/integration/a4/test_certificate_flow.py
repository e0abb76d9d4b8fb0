"""Certificates from a flow, end to end: a real kioskhub issues, kioskd prints on the sim A4 printer.

The citizen taps through 社会保险参保缴费证明打印 and 住房公积金缴存证明打印 over HTTP as the UI does;
the PDF that lands in the printer's folder is checked on the hub's /verify page. Then what goes
wrong: nobody on record, the hub down, the printer out of paper, a request repeated after the hub
was killed.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime

import httpx
import pytest

from common.idnumber import check_char
from flows import effects as fx
from tests.citizen import play
from tests.daemon import kioskd
from tests.hub_process import kioskhub

LI = {"name": "李建国", "birth_date": "1980-07-15", "sex_code": "1", "id_number": "640104198007152039"}
_N17 = "11010519491231002"
NOBODY = {"name": "赵小明", "birth_date": "1949-12-31", "sex_code": "2", "id_number": _N17 + check_char(_N17)}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("certflow")
    with kioskhub(tmp / "hub", "cert-kiosk") as hub, kioskd(
        tmp / "kiosk", KIOSK_DEVICES="sim", KIOSK_A4_PRINTER=f"sim://{tmp / 'a4'}", KIOSK_VOICE="none:",
        KIOSK_FACE_CAMERA="sim:?play=1", KIOSK_KIOSK_ID="cert-kiosk", KIOSK_HUB_URL=hub.url,
        KIOSK_HUB_TOKEN=hub.kiosk_token, KIOSK_DEVICE_POLL_S="0.05",
    ) as daemon:
        yield hub, daemon, tmp / "a4"


def pdfs(folder) -> list:
    return sorted(folder.glob("*.pdf")) if folder.exists() else []


def begin(c, item_code: str) -> str:
    c.post("/sim/camera/remove")
    c.post("/sim/id_reader/remove")
    snap = c.post("/sessions", json={"item_code": item_code}).json()
    assert "id" in snap, snap
    return snap["id"]


def citizen(c, item_code: str, card: dict[str, str], *, sid: str | None = None, face: list | None = None,
            **kwargs):
    """Play the item (or go on with session ``sid``) with this card: (session, steps seen, the print step
    views the citizen was shown, last snapshot). A finished session is gone; one stopped on an error is left.
    ``face`` collects what the screen's live view of the face check gave while it ran."""
    shown: list[dict] = []
    sid = sid or begin(c, item_code)

    def look(snap: dict) -> None:
        if snap["step"]["kind"] == "print":
            shown.append(snap["step"])
        elif face is not None and snap["step"]["kind"] == "verify_face" and snap["step"]["data"]["state"] == "checking":
            face.append((c.get("/face/live").json(), c.get("/face/preview.jpg").content[:2]))

    steps, last = play(c, sid, card=card, timeout=120, on_snapshot=look, **kwargs)
    return sid, steps, shown, last


@pytest.mark.parametrize(("item_code", "title"), [("si_record_certificate", "社会保险参保缴费证明"),
                                                  ("housing_fund_certificate", "住房公积金缴存证明")])
def test_the_citizen_taps_through_and_takes_a_certificate_that_checks_on_the_hub(stack, item_code, title):
    hub, daemon, a4 = stack
    before = pdfs(a4)
    face: list = []
    with daemon.client() as c:
        tapped = time.monotonic()
        try:
            _, steps, shown, _ = citizen(c, item_code, LI, face=face)
        finally:
            c.delete("/sessions/current")
        # the screen's live view ran with the check (hints, the three actions, a JPEG), and nothing is left of it
        assert c.get("/face/live").json()["active"] is False and c.get("/face/preview.jpg").status_code == 204
    assert steps == ["guide", "consent", "identify", "face", "print", "rate", "done"]
    live = [view for view, _ in face if view["active"]]
    assert live and sorted(live[-1]["order"]) == ["blink", "turn_left", "turn_right"]
    assert b"\xff\xd8" in {jpeg for _, jpeg in face}
    states = [s["data"]["state"] for s in shown]
    assert states[0] == "issuing" and states[-1] == "printed", states
    printed = shown[-1]["data"]
    assert printed["certificate_title"] == title and printed["document"] == "certificate"
    code = printed["verification_code"]
    new = [p for p in pdfs(a4) if p not in before]
    assert len(new) == 1, new  # one paper for one citizen
    pdf = new[0].read_bytes()
    assert pdf.startswith(b"%PDF-") and LI["id_number"].encode() not in pdf
    assert time.monotonic() - tapped < 120
    with httpx.Client(base_url=hub.url) as web:
        page = web.get(f"/verify/{code}")
        assert page.status_code == 200 and title in page.text and "6401**********2039" in page.text
        assert hashlib.sha256(pdf).hexdigest() in page.text
        checked = web.post(f"/verify/{code}", files={"pdf": ("c.pdf", pdf, "application/pdf")})
        assert checked.status_code == 200 and "与出具的文件完全一致" in checked.text and "数字签名有效" in checked.text


def test_a_citizen_without_a_record_is_sent_to_a_counter_and_nothing_is_printed(stack):
    _, daemon, a4 = stack
    before = pdfs(a4)
    with daemon.client() as c:
        _, _, _, last = citizen(c, "si_record_certificate", NOBODY, fail_on_error=False)
        try:
            assert last["notice"]["code"] == "no_record"
            data = last["step"]["data"]
            assert data["state"] == "failed" and not data["may_retry"]
            assert "没有找到您的社会保险参保记录" in data["message"] and "人工窗口" in data["message"]
            assert [o["value"] for o in last["step"]["options"]] == ["skip"]
            assert NOBODY["id_number"] not in str(last) and NOBODY["name"] not in str(last)
        finally:
            c.delete("/sessions/current")
    assert pdfs(a4) == before


def test_with_the_hub_down_the_citizen_is_told_and_a_retry_once_it_is_back_prints_one_certificate(stack):
    hub, daemon, a4 = stack
    before = pdfs(a4)
    hub.kill()
    try:
        with daemon.client() as c:
            sid, _, _, last = citizen(c, "housing_fund_certificate", LI, fail_on_error=False)
            assert last["notice"]["code"] == "hub_down" and last["step"]["data"]["may_retry"]
            assert pdfs(a4) == before
            hub.start()
            assert c.post(f"/sessions/{sid}/events", json={"type": "choose", "data": {"option": "retry"}}
                          ).status_code == 200
            _, steps, _, _ = citizen(c, "", LI, sid=sid)
    finally:
        if hub.process is None:
            hub.start()
    assert "rate" in steps and len([p for p in pdfs(a4) if p not in before]) == 1


def test_a_printer_out_of_paper_refuses_the_item_before_it_starts_and_mid_session_says_so(stack):
    _, daemon, a4 = stack
    before = pdfs(a4)
    with daemon.client() as c:
        assert c.post("/sim/a4_printer/media", json={"media": "empty"}).status_code == 200
        try:
            refused = c.post("/sessions", json={"item_code": "si_record_certificate"})
            assert refused.status_code == 503
            body = refused.json()
            assert body["code"] == "a4_not_ready" and body["message"].startswith("A4打印机缺纸")
            assert "工作人员" in body["message"]
            assert c.post("/sessions", json={"item_code": "queue_ticket"}).status_code == 201  # no A4: goes on
            c.delete("/sessions/current")
        finally:
            c.post("/sim/a4_printer/media", json={"media": "ok"})
        # the paper runs out while a citizen is at the card reader
        sid = begin(c, "si_record_certificate")
        for event in ({"type": "next"}, {"type": "consent", "data": {"accepted": True}}):
            assert c.post(f"/sessions/{sid}/events", json=event).status_code == 200
        c.post("/sim/a4_printer/media", json={"media": "empty"})
        try:
            _, _, _, last = citizen(c, "", LI, sid=sid, fail_on_error=False)
        finally:
            c.post("/sim/a4_printer/media", json={"media": "ok"})
        data = last["step"]["data"]
        try:
            assert last["notice"]["code"] == "a4_unavailable" and "缺纸" in data["message"]
            assert data["may_retry"] and pdfs(a4) == before
            assert c.post(f"/sessions/{sid}/events", json={"type": "choose", "data": {"option": "retry"}}
                          ).status_code == 200
            _, steps, _, _ = citizen(c, "", LI, sid=sid)
        finally:
            c.delete("/sessions/current")
    assert "rate" in steps and len([p for p in pdfs(a4) if p not in before]) == 1


def test_a_request_repeated_after_the_hub_was_killed_gets_the_same_certificate_and_prints_no_second_copy(
        stack, tmp_path):
    # kioskd's certificate service on its own, against the real hub process and a sim A4 printer
    from drivers import registry
    from local_api.a4_printing import A4Printing
    from local_api.hub_client import HubClient
    from local_api.services.certificates import CertificateService

    hub, _, _ = stack
    told: list = []

    class Sessions:
        def system_event(self, session_id, event):
            told.append(event)

    printer = registry.create("a4_printer", f"sim://{tmp_path / 'a4'}")
    client = HubClient(hub.url, hub.kiosk_token, 30, kiosk_id="cert-kiosk")
    service = CertificateService(Sessions(), lambda: A4Printing(printer), lambda: client,
                                 clock=lambda: datetime.now(UTC))
    order = fx.IssueCertificate(key="s9-r1-e4-print", kind="social_insurance_contribution",
                                holder={"card_type": "resident", "id_number": LI["id_number"]})
    job = fx.PrintCertificate(job_id="s9-r1-e4-print-1", key=order.key, copy_no=1)
    service.issue("s9", order)
    service.print("s9", job)
    hub.kill()  # as if the answers had been lost with the hub: the same orders are carried out again
    hub.start()
    service.issue("s9", order)
    service.print("s9", job)
    assert [type(e).__name__ for e in told] == ["CertificateIssued", "Printed", "CertificateIssued", "Printed"]
    assert told[0].code == told[2].code  # never two codes for one attempt
    assert len(list((tmp_path / "a4").glob("*.pdf"))) == 1  # and one paper
    with hub.api() as api:
        again = api.post("/certificates", headers={"Idempotency-Key": order.key}, json={
            "kind": order.kind, "holder": {"id_type": "111", "id_number": LI["id_number"]},
            "identity_check": "card_read"})
    assert again.json()["code"] == told[0].code and again.headers["Idempotent-Replayed"] == "true"
    assert service.held() == 0  # a printed certificate's PDF is not kept on the kiosk


def test_the_same_flow_prints_on_ippeveprinter_over_ipp(stack, ippeve, tmp_path):
    hub, _, _ = stack
    server = ippeve()
    with kioskd(tmp_path / "kiosk", KIOSK_DEVICES="sim", KIOSK_A4_PRINTER=f"{server.uri}?timeout=5",
                KIOSK_VOICE="none:", KIOSK_FACE_CAMERA="sim:?play=1", KIOSK_KIOSK_ID="cert-kiosk",
                KIOSK_HUB_URL=hub.url, KIOSK_HUB_TOKEN=hub.kiosk_token,
                KIOSK_DEVICE_POLL_S="0.05") as daemon, daemon.client() as c:
        try:
            _, steps, shown, _ = citizen(c, "housing_fund_certificate", LI)
        finally:
            c.delete("/sessions/current")
    assert "rate" in steps and shown[-1]["data"]["state"] == "printed"
    assert len(server.printed()) == 1
