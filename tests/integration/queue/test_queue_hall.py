"""取号 and 预约签到 end to end: a real kioskd with simulated devices against a real kioskhub.

The citizen plays over kioskd's HTTP API like the UI does; tickets come out of the sim printer as
PNG + text, and what the kiosk says lands in the sim voice's text files.
"""

from __future__ import annotations

import json
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from common.idnumber import check_char
from drivers.camera.qr import qr_in_jpeg
from tests.citizen import ELDER_CARD
from tests.daemon import BIN, kioskd
from tests.hub_process import kioskhub


def noon_zone() -> str:
    """A zone where it is about midday now, so appointments and opening hours never straddle the hall's midnight."""
    offset = 12 - datetime.now(UTC).hour  # -11 .. +12; Etc/GMT names count the other way round
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


ZONE = noon_zone()
HALL = ZoneInfo(ZONE)
_YOUNG17 = "11010119900307123"
YOUNG_CARD = {"name": "赵敏", "birth_date": "1990-03-07", "sex_code": "1",
              "id_number": _YOUNG17 + check_char(_YOUNG17)}
_OTHER17 = "64010419850615102"
OTHER_CARD = {"name": "李娟", "birth_date": "1985-06-15", "sex_code": "2",
              "id_number": _OTHER17 + check_char(_OTHER17)}


def kiosk_settings(tmp: Path, hub) -> dict[str, str]:
    return {"KIOSK_DEVICES": "sim", "KIOSK_CAMERA": "sim:?still_ms=300", "KIOSK_DEVICE_POLL_S": "0.05",
            "KIOSK_TIMEZONE": ZONE,
            "KIOSK_KIOSK_ID": "hall-kiosk", "KIOSK_HUB_URL": hub.url, "KIOSK_HUB_TOKEN": hub.kiosk_token}


def add_service(hub, code: str, prefix: str, name: str, *extra: str) -> None:
    subprocess.run([str(BIN / "kioskhub"), "queue", "add-service", "--site", "yc-hall", "--code", code, "--prefix",
                    prefix, "--name", name, *extra], env=hub.env, capture_output=True, timeout=60, check=True)


def closed_hours() -> tuple[str, str]:
    """Opening hours that do not include the hall's present hour (about noon)."""
    start = datetime.now(HALL).hour + 3
    return f"{start:02d}:00", f"{start + 1:02d}:00"


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hall")
    with kioskhub(tmp / "hub", "hall-kiosk", start=False) as hub:
        hub.env["KIOSKHUB_TIMEZONE"] = ZONE
        opens, closes = closed_hours()
        add_service(hub, "tax", "F", "税务", "--opens", opens, "--closes", closes)
        hub.start()
        with kioskd(tmp / "kiosk", **kiosk_settings(tmp, hub)) as daemon:
            daemon.hub = hub
            daemon.closed = (opens, closes)
            yield daemon


class Citizen:
    """One session of one item, played step by step."""

    def __init__(self, daemon, item_code: str) -> None:
        self.daemon = daemon
        self.c = daemon.client()
        self.c.post("/sim/camera/remove")
        self.c.post("/sim/id_reader/remove")
        self.printed_before = self.printed()
        self.spoken_before = len(self._voice_files())
        started = self.c.post("/sessions", json={"item_code": item_code})
        assert started.status_code == 201, started.text
        self.sid = started.json()["id"]

    def send(self, type_: str, **data) -> None:
        r = self.c.post(f"/sessions/{self.sid}/events", json={"type": type_, "data": data})
        assert r.status_code == 200, r.text

    def wait_step(self, step_id: str, timeout: float = 60.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            snap = self.c.get(f"/sessions/{self.sid}").json()
            notice = snap.get("notice") or {}
            if notice.get("level") == "error" and snap["step"]["kind"] in ("submit", "print", "capture"):
                raise AssertionError(f"failed at {snap['step']['id']}: {notice}")
            if snap["step"]["id"] == step_id:
                return snap
            if time.monotonic() > deadline:
                raise AssertionError(f"never reached {step_id}; at {snap['step']['id']}")
            time.sleep(0.05)

    def wait_notice(self, code: str, timeout: float = 60.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            snap = self.c.get(f"/sessions/{self.sid}").json()
            if (snap.get("notice") or {}).get("code") == code:
                return snap
            if time.monotonic() > deadline:
                raise AssertionError(f"no '{code}' notice; at {snap['step']['id']}: {snap.get('notice')}")
            time.sleep(0.05)

    def place_card(self, fields: dict[str, str]) -> None:
        assert self.c.post("/sim/id_reader/place", json={"card": "resident", "fields": fields}).status_code == 200

    def finish(self) -> None:
        self.send("finish")
        assert self.c.get(f"/sessions/{self.sid}").status_code == 404  # wiped, card data and all
        self.c.post("/sim/id_reader/remove")
        self.c.post("/sim/camera/remove")
        self.c.close()

    def printed(self) -> list[str]:
        folder = self.daemon.data_dir / "printed"
        return [p.read_text(encoding="utf-8") for p in sorted(folder.glob("job-*.txt"))] if folder.exists() else []

    def new_tickets(self) -> list[str]:
        return self.printed()[len(self.printed_before):]

    def new_ticket_images(self) -> list[Path]:
        folder = self.daemon.data_dir / "printed"
        return sorted(folder.glob("job-*.png"))[len(self.printed_before):]

    def _voice_files(self) -> list[Path]:
        folder = self.daemon.data_dir / "voice"
        return sorted(folder.glob("*.txt")) if folder.exists() else []

    def spoken(self) -> str:
        return "".join(p.read_text(encoding="utf-8") for p in self._voice_files()[self.spoken_before:])

    def said(self, text: str, timeout: float = 60.0) -> bool:
        """Whether the kiosk says ``text`` (speech is made on a worker thread, so wait for it)."""
        deadline = time.monotonic() + timeout
        while text not in self.spoken():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True


def book(hub, card: dict[str, str], start: datetime, service: str = "social_security") -> dict:
    with hub.api() as api:
        r = api.post("/appointments", json={"service": service, "id_type": "111", "id_number": card["id_number"],
                                            "name": card["name"], "start": start.isoformat()})
    assert r.status_code == 201, r.text
    return r.json()


def test_a_citizen_over_60_gets_priority_from_the_card_birth_date(hall):
    citizen = Citizen(hall, "queue_ticket")
    citizen.send("choose", option="social_security")
    citizen.send("choose", option="card")
    citizen.wait_step("card")
    citizen.place_card(ELDER_CARD)
    snap = citizen.wait_step("done_priority")
    result = snap["step"]["data"]["result"]
    assert result["source"] == "hub" and result["priority"] is True and result["priority_category"] == "elderly"
    assert snap["case_no"] == result["number"] and result["number"].startswith("A")
    [ticket] = citizen.new_tickets()
    assert result["number"] in ticket and "优先 · 老年人" in ticket and "社保" in ticket
    assert ELDER_CARD["name"] not in ticket and ELDER_CARD["id_number"] not in ticket
    assert citizen.said(f"您的号码是{result['number']}，老年人优先")
    # the QR code on the paper is the hub's follow link, and that page follows this number
    [image] = citizen.new_ticket_images()
    url = qr_in_jpeg(image.read_bytes())
    assert "扫码查看排队进度" in ticket and url and url.startswith(f"{hall.hub.url.rstrip('/')}/q/")
    page = httpx.get(url, timeout=30)
    assert page.status_code == 200 and result["number"] in page.text and "等候中" in page.text
    assert ELDER_CARD["name"][1:] not in page.text and ELDER_CARD["id_number"][:6] not in page.text
    citizen.finish()


def test_a_young_citizen_who_shows_the_card_gets_a_normal_number(hall):
    citizen = Citizen(hall, "queue_ticket")
    citizen.send("choose", option="social_security")
    citizen.send("choose", option="card")
    citizen.wait_step("card")
    citizen.place_card(YOUNG_CARD)
    snap = citizen.wait_step("done")
    assert snap["step"]["data"]["result"]["priority"] is False
    [ticket] = citizen.new_tickets()
    assert "优先" not in ticket
    citizen.finish()


def test_a_pregnancy_declared_at_the_kiosk_gives_priority(hall):
    citizen = Citizen(hall, "queue_ticket")
    citizen.send("choose", option="social_security")
    citizen.send("choose", option="pregnant")
    snap = citizen.wait_step("declare")
    assert "如实申报" in snap["step"]["prompt"]
    citizen.send("next")
    snap = citizen.wait_step("done_priority")
    assert snap["step"]["data"]["result"]["priority_category"] == "pregnant"
    [ticket] = citizen.new_tickets()
    assert "优先 · 孕妇" in ticket
    assert citizen.said("孕妇优先")
    citizen.finish()


def test_a_closed_service_says_its_hours_and_prints_nothing(hall):
    opens, closes = hall.closed
    citizen = Citizen(hall, "queue_ticket")
    citizen.send("choose", option="tax")
    citizen.send("choose", option="none")
    snap = citizen.wait_step("closed")
    assert f"{opens}至{closes}" in snap["step"]["body"] and "没有打印" in snap["step"]["body"]
    assert citizen.said(f"{opens}到{closes}")
    assert snap["case_no"] is None and citizen.new_tickets() == []
    citizen.finish()


def test_an_appointment_checks_in_by_id_card(hall):
    booked = book(hall.hub, ELDER_CARD, datetime.now(UTC) + timedelta(minutes=10))
    citizen = Citizen(hall, "appointment_checkin")
    citizen.send("choose", option="card")
    citizen.wait_step("card")
    citizen.place_card(ELDER_CARD)
    snap = citizen.wait_step("done")
    result = snap["step"]["data"]["result"]
    assert result["appointment_no"] == booked["appointment_no"] and result["priority_category"] == "appointment"
    [ticket] = citizen.new_tickets()
    assert result["number"] in ticket and "优先 · 预约" in ticket and booked["appointment_no"] in ticket
    assert citizen.said(f"您的号码是{result['number']}")
    citizen.finish()


def test_an_appointment_checks_in_by_its_qr_code_on_the_document_camera(hall):
    booked = book(hall.hub, OTHER_CARD, datetime.now(UTC) + timedelta(minutes=5))
    citizen = Citizen(hall, "appointment_checkin")
    citizen.send("choose", option="qr")
    citizen.wait_step("scan")
    assert citizen.c.post("/sim/camera/place", json={"document": "qr", "text": booked["qr"]}).status_code == 200
    snap = citizen.wait_step("done")
    result = snap["step"]["data"]["result"]
    assert result["appointment_no"] == booked["appointment_no"]
    [ticket] = citizen.new_tickets()
    assert "优先 · 预约" in ticket and booked["appointment_no"] in ticket
    citizen.finish()
    # the same code again: already checked in, the number is shown, nothing printed
    again = Citizen(hall, "appointment_checkin")
    again.send("choose", option="qr")
    again.wait_step("scan")
    again.c.post("/sim/camera/place", json={"document": "qr", "text": booked["qr"]})
    snap = again.wait_step("already_checked_in")
    assert result["number"] in snap["step"]["prompt"] and again.new_tickets() == []
    again.finish()


def test_too_early_for_an_appointment_says_when_check_in_opens_and_prints_nothing(hall):
    start = datetime.now(UTC) + timedelta(hours=3)
    booked = book(hall.hub, YOUNG_CARD, start)
    opens = (start - timedelta(minutes=30)).astimezone(HALL).strftime("%H:%M")
    citizen = Citizen(hall, "appointment_checkin")
    citizen.send("choose", option="qr")
    citizen.wait_step("scan")
    citizen.c.post("/sim/camera/place", json={"document": "qr", "text": booked["qr"]})
    snap = citizen.wait_step("too_early")
    assert opens in snap["step"]["prompt"] and "没有打印" in snap["step"]["body"]
    assert citizen.said(f"{opens}开始签到")
    assert snap["case_no"] is None and citizen.new_tickets() == []
    citizen.finish()


def test_a_code_that_is_no_appointment_offers_a_normal_number(hall):
    citizen = Citizen(hall, "appointment_checkin")
    citizen.send("choose", option="qr")
    citizen.wait_step("scan")
    citizen.c.post("/sim/camera/place", json={"document": "a4"})  # a letter without a code
    snap = citizen.wait_notice("capture_failed")
    assert snap["step"]["id"] == "scan" and "二维码" in snap["notice"]["message"]
    citizen.c.post("/sim/camera/place", json={"document": "qr", "text": "KIOSKAPPT:not-a-real-token"})
    citizen.send("capture_page")
    snap = citizen.wait_step("no_appointment")
    assert citizen.new_tickets() == []
    assert [o["value"] for o in snap["step"]["options"]] == ["take_number", "leave"]
    citizen.send("choose", option="take_number")
    citizen.send("choose", option="social_security")
    snap = citizen.wait_step("number_done")
    [ticket] = citizen.new_tickets()
    assert snap["case_no"] in ticket and "优先" not in ticket
    citizen.finish()


def test_kioskctl_checks_an_appointment_in_by_its_qr_text_once(hall):
    id17 = "44030419800101123"
    booked = book(hall.hub, {"name": "陈刚", "id_number": id17 + check_char(id17)},
                  datetime.now(UTC) + timedelta(minutes=10))

    def check_in() -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN / "kioskctl"), "queue", "check-in", "--qr", booked["qr"], "--no-print",
                               "--json"], env=hall.env, capture_output=True, text=True, timeout=60)

    first, second = check_in(), check_in()
    assert first.returncode == 0, first.stderr
    ticket = json.loads(first.stdout)
    assert ticket["appointment_no"] == booked["appointment_no"] and ticket["priority_category"] == "appointment"
    assert second.returncode == 2 and second.stdout == "" and "409" in second.stderr
