"""The technician's self-test: verdicts, the result's shape, and running checks side by side with time limits.

Nothing here opens or drives a device (that is ``local_api.selftest_checks``), so the rules a technician
relies on — when a frame counts as 模糊, what "ok" means, what goes on the slip and what the hub may
see — are tested on plain values and images.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import cv2
import numpy as np

from drivers.errors import DriverError
from drivers.printer.document import Document
from drivers.printer.templates import selftest_slip

log = logging.getLogger(__name__)

# Variance of the Laplacian of a full-resolution still with a printed page on the plate. A sharp page
# scores in the thousands, the same page defocused by a few pixels well under 100 (measured on the
# simulator's page: 2775 sharp, 91 after a 5x5 Gaussian blur, 13 after 9x9).
SHARPNESS_THRESHOLD = 100.0
# Below this mean brightness (0..255) the frame is black: lens cover on, light off, or no picture at all.
DARK_MEAN = 8.0

DEVICE_LABELS = {"id_reader": "身份证阅读器", "printer": "凭条打印机", "camera": "高拍仪", "voice": "语音播报",
                 "a4_printer": "A4打印机"}
HEALTH_WORDS = {"online": "在线", "offline": "离线", "error": "故障", "unknown": "未知"}
HUB_WORDS = {
    "ok": "已连接",
    "unreachable": "连不上",
    "unauthorised": "终端凭据被拒",
    "wrong_url": "地址不是中心平台",
    "tls_error": "证书校验失败",
    "not_configured": "未配置",
}
DETAIL_MAX = 300  # per device, for the heartbeat and the hub's page


# -- verdicts --------------------------------------------------------------------------------------
def sharpness(image: np.ndarray) -> float:
    """Variance of the Laplacian of the grey image: high for crisp edges, near zero for a blurred one.

    Measured at the camera's own resolution, because that is the image a scan is made from; shrinking
    first would hide exactly the slight defocus this check is for.
    """
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


@dataclass(frozen=True)
class FrameVerdict:
    ok: bool
    blurred: bool | None  # None: not judged (nothing on the plate to judge it by)
    detail: str


def judge_frame(value: float, mean: float, *, page_found: bool,
                threshold: float = SHARPNESS_THRESHOLD) -> FrameVerdict:
    """What one still says about the camera.

    An empty plate is smooth by design, so its low score says nothing about focus: the check then
    passes on "a picture came" and asks for a page to judge the focus by, instead of crying 模糊.
    """
    if mean < DARK_MEAN:
        return FrameVerdict(False, None, "画面全黑：检查镜头盖、补光灯和数据线")
    if not page_found:
        return FrameVerdict(True, None, f"有画面；清晰度 {value:.0f}，拍摄区没有文件，未判定是否模糊"
                                        "（放一页印有文字的纸再自检可检查对焦）")
    if value < threshold:
        return FrameVerdict(False, True, f"模糊：清晰度 {value:.0f}，低于 {threshold:.0f}；"
                                         "擦拭镜头、检查对焦和支架高度")
    return FrameVerdict(True, False, f"清晰：清晰度 {value:.0f}（不低于 {threshold:.0f}）")


def device_result(ok: bool, state: str, detail: str, **fields: Any) -> dict[str, Any]:
    """One device's entry in the result; ``fields`` are the check's own (sam_id, paper, sharpness ...)."""
    return {"ok": bool(ok), "state": state, "detail": detail, **fields}


def timed_out(limit_s: float) -> dict[str, Any]:
    return device_result(False, "error", f"自检超时：{limit_s:g} 秒内没有完成；检查设备电源和连接后再试")


def crashed(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, DriverError):
        return device_result(False, "error", f"自检失败：{exc}", error=str(exc))
    return device_result(False, "error", f"自检出错（{type(exc).__name__}）；详见 kioskd 日志",
                         error=type(exc).__name__)


# -- running ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Check:
    """One device's check: a function that returns its ``device_result`` and the time it may take."""

    name: str
    run: Callable[[], dict[str, Any]]
    limit_s: float


def run_checks(checks: Iterable[Check], *, finished: Callable[[str], None] = lambda name: None,
               clock: Callable[[], float] = time.monotonic) -> dict[str, dict[str, Any]]:
    """Run every check at once, each within its own limit; one failing or hanging never stops the others.

    ``finished(name)`` is called when a check's thread really ends — for a check that overran, that is
    after this function has returned — so whatever it holds (the device's claim) is let go only then.
    """
    checks = list(checks)
    if not checks:
        return {}
    pool = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="selftest")
    start = clock()
    futures = {}
    for check in checks:
        future = pool.submit(check.run)
        future.add_done_callback(lambda _f, name=check.name: _quietly(finished, name))
        futures[check.name] = (check, future)
    results: dict[str, dict[str, Any]] = {}
    for name, (check, future) in futures.items():
        try:
            results[name] = future.result(timeout=max(0.0, check.limit_s - (clock() - start)))
        except FutureTimeout:
            log.warning("self-test check overran its limit", extra={"device": name, "limit_s": check.limit_s})
            results[name] = timed_out(check.limit_s)
        except Exception as exc:
            if not isinstance(exc, DriverError):
                log.error("self-test check crashed", extra={"device": name}, exc_info=exc)
            results[name] = crashed(exc)
    pool.shutdown(wait=False)  # an overrunning check keeps its thread; it cannot be killed, only left
    return results


def _quietly(fn: Callable[[str], None], name: str) -> None:
    try:
        fn(name)
    except Exception:
        log.exception("self-test clean-up failed", extra={"device": name})


def with_deadline(fn: Callable[[], Any], limit_s: float) -> Any:
    """``fn()`` in its own thread; TimeoutError after ``limit_s`` (the thread is left to finish)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc

    thread = threading.Thread(target=target, name="selftest-step", daemon=True)
    thread.start()
    thread.join(limit_s)
    if thread.is_alive():
        raise TimeoutError(f"not done within {limit_s:g} s")
    if "error" in box:
        raise box["error"]
    return box.get("value")


# -- the result ------------------------------------------------------------------------------------
def assemble(*, kiosk_id: str, at: datetime, devices: dict[str, dict[str, Any]], hub: dict[str, Any],
             versions: dict[str, str]) -> dict[str, Any]:
    """The whole result; ``ok`` is true when every configured device passed (a kiosk with none is not ok)."""
    return {
        "kiosk_id": kiosk_id,
        "at": at.isoformat(),
        "ok": bool(devices) and all(d.get("ok") for d in devices.values()),
        "devices": devices,
        "hub": hub,
        "versions": versions,
    }


def failures(result: dict[str, Any]) -> list[str]:
    """One phrase per failed device: its name and what the check says to do."""
    return [f"{name}: {d.get('detail', '')}" for name, d in result.get("devices", {}).items() if not d.get("ok")]


def hub_summary(result: dict[str, Any]) -> dict[str, Any]:
    """What the hub keeps of a self-test: when, ok, and each device's ok and detail — nothing else.

    Details come from device checks only (never from a card or a page), and are cut to a bounded size.
    """
    return {
        "at": result["at"],
        "ok": bool(result["ok"]),
        "devices": {name: {"ok": bool(d.get("ok")), "detail": str(d.get("detail", ""))[:DETAIL_MAX]}
                    for name, d in result.get("devices", {}).items()},
    }


def hub_page_url(hub_url: str | None, kiosk_id: str) -> str | None:
    """The kiosk's page on the hub's staff site (staff login needed), for the slip's QR code."""
    if not hub_url:
        return None
    return f"{hub_url.rstrip('/')}/staff/kiosks/{quote(kiosk_id, safe='')}"


def device_line(name: str, entry: dict[str, Any]) -> tuple[str, str]:
    """A device's label and its state in words, as the slip and the screen say it."""
    label = DEVICE_LABELS.get(name, name)
    verdict = "正常" if entry.get("ok") else "异常"
    return label, f"{verdict}（{HEALTH_WORDS.get(str(entry.get('state')), str(entry.get('state')))}）"


def hub_words(hub: dict[str, Any]) -> str:
    state = str(hub.get("state", "unknown"))
    return HUB_WORDS.get(state, state)


def slip_document(result: dict[str, Any], *, hall: str, tz: str, hub_url: str | None) -> Document:
    """The self-test slip: kiosk, versions, each device, the hub, the hall's local time, a QR to the hub page."""
    at = datetime.fromisoformat(result["at"]).astimezone(ZoneInfo(tz))
    devices = []
    for name, entry in result["devices"].items():
        label, words = device_line(name, entry)
        devices.append((label, words, "" if entry.get("ok") else str(entry.get("detail", ""))[:120]))
    return selftest_slip(
        kiosk_id=result["kiosk_id"],
        hall=hall,
        tested_at=at.strftime("%Y-%m-%d %H:%M:%S"),
        versions=sorted(result.get("versions", {}).items()),
        devices=devices,
        hub=hub_words(result.get("hub") or {}),
        ok=bool(result["ok"]),
        qr=hub_page_url(hub_url, result["kiosk_id"]),
    )
