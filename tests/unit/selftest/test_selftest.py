"""The self-test's rules without a kioskd: sharpness verdicts on real images, the result, time limits."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import cv2
import numpy as np
import pytest

from drivers.base import Device, DeviceStatus, Health
from drivers.camera.device import DocumentCamera
from drivers.camera.sim import SimSource
from drivers.errors import DeviceTimeout
from drivers.printer.document import QrCode, Text
from drivers.printer.profiles import DEFAULT_PROFILE
from drivers.printer.render import render
from local_api import selftest
from local_api.devices import Slot
from local_api.selftest import SHARPNESS_THRESHOLD, Check, judge_frame, run_checks, sharpness
from local_api.selftest_checks import check_camera
from local_api.selftest_service import SelfTester
from local_api.sessions import NotReady, SessionBusy


def text_page(size=(1600, 1200)) -> np.ndarray:
    """A white page of black printed lines, as a document camera sees a form in focus."""
    w, h = size
    page = np.full((h, w, 3), 235, np.uint8)
    for row, y in enumerate(range(90, h - 60, 48)):
        cv2.putText(page, f"Line {row:02d} kiosk self-test 0123456789 ABCDEFGH", (80, y), cv2.FONT_HERSHEY_SIMPLEX,
                    1.1, (20, 20, 20), 2, cv2.LINE_AA)
    return page


def test_a_sharp_page_passes_and_the_same_page_blurred_is_called_blurred():
    page = text_page()
    blurred = cv2.GaussianBlur(page, (9, 9), 0)
    sharp_value, blurred_value = sharpness(page), sharpness(blurred)
    assert sharp_value > SHARPNESS_THRESHOLD * 5 and blurred_value < SHARPNESS_THRESHOLD
    good = judge_frame(sharp_value, float(page.mean()), page_found=True)
    bad = judge_frame(blurred_value, float(blurred.mean()), page_found=True)
    assert good.ok and good.blurred is False and good.detail.startswith("清晰")
    assert not bad.ok and bad.blurred is True and bad.detail.startswith("模糊") and "擦拭镜头" in bad.detail


def test_an_empty_plate_is_not_judged_blurred_and_a_black_frame_fails():
    plate = np.full((1200, 1600, 3), 180, np.uint8)
    empty = judge_frame(sharpness(plate), float(plate.mean()), page_found=False)
    assert empty.ok and empty.blurred is None and "未判定" in empty.detail
    black = np.zeros((1200, 1600, 3), np.uint8)
    dark = judge_frame(sharpness(black), float(black.mean()), page_found=True)
    assert not dark.ok and "全黑" in dark.detail


class FrameSourceOf:
    def __init__(self, frame: np.ndarray) -> None:
        self.frame = frame

    def open(self) -> None: ...

    def close(self) -> None: ...

    def read_preview(self) -> np.ndarray:
        return cv2.resize(self.frame, (640, 480))

    def read_still(self) -> np.ndarray:
        return self.frame.copy()


def test_camera_check_reports_size_and_sharpness_of_a_real_still():
    source = SimSource()
    camera = DocumentCamera("sim:", source)
    camera.open()
    source.place("a4", approach=False)
    result = check_camera(camera)
    assert result["ok"] and result["page_found"] and (result["width"], result["height"]) == (1600, 1200)
    assert result["sharpness"] > SHARPNESS_THRESHOLD and result["blurred"] is False

    still = source.read_still()
    defocused = DocumentCamera("sim:", FrameSourceOf(cv2.GaussianBlur(still, (9, 9), 0)))
    defocused.open()
    result = check_camera(defocused)
    assert not result["ok"] and result["blurred"] is True and "模糊" in result["detail"]


def test_one_device_raising_or_hanging_does_not_stop_the_others():
    release = threading.Event()
    finished: list[str] = []

    def hangs() -> dict:
        release.wait(10)
        return selftest.device_result(True, "online", "late")

    def crashes() -> dict:
        raise RuntimeError("bug")

    def times_out() -> dict:
        raise DeviceTimeout("no answer to SAM status within 1 s", device="sim:")

    checks = [Check("camera", hangs, 0.3), Check("id_reader", times_out, 5), Check("voice", crashes, 5),
              Check("printer", lambda: selftest.device_result(True, "online", "正常"), 5)]
    started = time.monotonic()
    results = run_checks(checks, finished=finished.append)
    assert time.monotonic() - started < 3
    assert results["printer"]["ok"] and results["printer"]["detail"] == "正常"
    assert not results["camera"]["ok"] and "0.3 秒内没有完成" in results["camera"]["detail"]
    assert not results["id_reader"]["ok"] and "no answer to SAM status" in results["id_reader"]["detail"]
    assert not results["voice"]["ok"] and "RuntimeError" in results["voice"]["detail"]
    assert "camera" not in finished  # still running: whatever it holds is not let go yet
    release.set()
    deadline = time.monotonic() + 5
    while "camera" not in finished and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sorted(finished) == ["camera", "id_reader", "printer", "voice"]


def test_the_result_and_what_the_hub_may_keep_of_it():
    at = datetime(2026, 11, 21, 1, 30, tzinfo=UTC)
    devices = {"printer": selftest.device_result(False, "offline", "缺纸；装入新纸卷后再自检", paper="out",
                                                 sensors={"paper": "out"}),
               "id_reader": selftest.device_result(True, "online", "正常", sam_id="0501")}
    result = selftest.assemble(kiosk_id="k1", at=at, devices=devices, hub={"state": "ok"}, versions={"kiosk": "1"})
    assert result["ok"] is False and result["at"] == "2026-11-21T01:30:00+00:00"
    assert selftest.failures(result) == ["printer: 缺纸；装入新纸卷后再自检"]
    assert selftest.hub_summary(result) == {
        "at": "2026-11-21T01:30:00+00:00", "ok": False,
        "devices": {"printer": {"ok": False, "detail": "缺纸；装入新纸卷后再自检"},
                    "id_reader": {"ok": True, "detail": "正常"}}}
    assert selftest.assemble(kiosk_id="k1", at=at, devices={}, hub={}, versions={})["ok"] is False


def test_the_slip_says_each_device_the_hub_the_hall_time_and_links_the_kiosk_page():
    at = datetime(2026, 11, 21, 1, 30, tzinfo=UTC)
    devices = {"printer": selftest.device_result(True, "online", "正常"),
               "camera": selftest.device_result(False, "online", "模糊：清晰度 40，低于 100；擦拭镜头、检查对焦")}
    result = selftest.assemble(kiosk_id="yc-01", at=at, devices=devices, hub={"state": "unreachable"},
                               versions={"kiosk": "0.1.0"})
    doc = selftest.slip_document(result, hall="银川市民大厅", tz="Asia/Shanghai", hub_url="https://hub.example/")
    texts = [b.key + " " + b.value if hasattr(b, "key") else getattr(b, "text", "") for b in doc.blocks]
    assert "自检时间 2026-11-21 09:30:00" in texts  # the hall's time, not UTC
    assert "凭条打印机 正常（在线）" in texts and "高拍仪 异常（在线）" in texts and "中心平台 连不上" in texts
    assert any(isinstance(b, Text) and "擦拭镜头" in b.text for b in doc.blocks)
    qr = [b for b in doc.blocks if isinstance(b, QrCode)]
    assert [q.data for q in qr] == ["https://hub.example/staff/kiosks/yc-01"]
    assert render(doc, DEFAULT_PROFILE)  # printable as it is
    no_hub = selftest.slip_document(result, hall="h", tz="Asia/Shanghai", hub_url=None)
    assert not any(isinstance(b, QrCode) for b in no_hub.blocks)


class Gate(Device):
    """A device whose probe waits until the test lets it go."""

    kind = "id_reader"

    def __init__(self) -> None:
        super().__init__("sim:")
        self.entered, self.go = threading.Event(), threading.Event()

    def probe(self) -> DeviceStatus:
        self.entered.set()
        self.go.wait(10)
        self.set_status(DeviceStatus(Health.ONLINE, "ready", {"sam_id": "0501"}))
        return self.status


class Devices:
    def __init__(self, **devices: Device) -> None:
        self.slots = {name: Slot(name, "sim:", device) for name, device in devices.items()}

    def get(self, name: str) -> Device | None:
        slot = self.slots.get(name)
        return slot.device if slot else None


class Sessions:
    def __init__(self) -> None:
        self.active = False
        self.lock = threading.RLock()

    def while_idle(self, fn):
        with self.lock:
            if self.active:
                raise SessionBusy("s1")
            return fn()


def make_tester(tmp_path, devices, sessions) -> SelfTester:
    return SelfTester(devices=devices, sessions=sessions, print_queue=None, kiosk_id=lambda: "k1", hall="h",
                      timezone="Asia/Shanghai", hub_url=lambda: None, hub_state=lambda: {"state": "not_configured"},
                      versions={}, last_path=tmp_path / "last.json")


def test_devices_are_claimed_during_the_test_and_a_session_cannot_start_meanwhile(tmp_path):
    reader = Gate()
    reader.open()
    sessions = Sessions()
    t = make_tester(tmp_path, Devices(id_reader=reader), sessions)
    guarded = t.refuse_while_testing
    box: dict = {}
    worker = threading.Thread(target=lambda: box.update(result=t.run(print_slip=False)))
    worker.start()
    assert reader.entered.wait(5)
    assert reader.owner == "selftest"
    with pytest.raises(NotReady) as refused:
        guarded(object())
    assert refused.value.code == "self_test"
    reader.go.set()
    worker.join(10)
    assert box["result"]["ok"] and box["result"]["devices"]["id_reader"]["sam_id"] == "0501"
    assert reader.owner is None
    guarded(object())  # released: citizens are welcome again
    assert make_tester(tmp_path, Devices(), sessions).last == box["result"]  # kept across a restart


def test_no_selftest_while_a_citizen_is_served(tmp_path):
    reader = Gate()
    reader.open()
    sessions = Sessions()
    sessions.active = True
    with pytest.raises(SessionBusy):
        make_tester(tmp_path, Devices(id_reader=reader), sessions).run(print_slip=False)
    assert reader.owner is None and not reader.entered.is_set()
