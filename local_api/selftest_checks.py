"""One functional check per kind of device, for the self-test: each drives its device once and says what it saw.

Each returns a ``local_api.selftest.device_result``; a driver error is caught by the caller
(``run_checks``) and reported as that device's failure, so one device never stops the others.
"""

from __future__ import annotations

from typing import Any

from drivers.base import Device, DeviceStatus
from drivers.camera import detect
from drivers.camera.source import shrink
from drivers.errors import DriverError
from drivers.voice.device import SilentVoice
from local_api.selftest import HEALTH_WORDS, device_result, judge_frame, sharpness

VOICE_PROMPT = "自助终端语音自检"
# Seconds each check may take. The reader answers in well under a second unless it resends; the
# printer's status is four one-byte queries; a still from a 5 MP camera takes a second or two;
# speech may be synthesised live on first use (espeak) before it plays.
# The A4 printer's check is one Get-Printer-Attributes (the request timeout is 10 s by default).
LIMITS_S = {"id_reader": 5.0, "printer": 5.0, "camera": 10.0, "voice": 10.0, "a4_printer": 12.0}
DEFAULT_LIMIT_S = 10.0


def _state(status: DeviceStatus) -> dict[str, Any]:
    sensors = {k: v for k, v in status.sensors.items() if isinstance(v, bool | int | float | str | None)}
    return {"state": status.health.value, "sensors": sensors}


def check_id_reader(reader: Device) -> dict[str, Any]:
    """The reader's status from its security module (SAM), and the SAM's id."""
    status = reader.probe()
    sam_id = status.sensors.get("sam_id")
    if status.health.value != "online":
        word = HEALTH_WORDS.get(status.health.value, status.health.value)
        return device_result(False, detail=f"{word}：{status.message or '没有应答'}；检查阅读器电源和数据线",
                             sam_id=sam_id, **_state(status))
    detail = f"正常，安全模块编号 {sam_id}" if sam_id else "正常，但没有读到安全模块（SAM）编号；如反复出现请报修阅读器"
    return device_result(True, detail=detail, sam_id=sam_id, **_state(status))


def check_printer(printer: Any) -> dict[str, Any]:
    """The printer's own status: does it answer, paper, cover, error."""
    connection = getattr(printer, "connection", None)
    if connection is not None and not getattr(connection, "can_read", True):
        printer.check()
        return device_result(True, detail="此连接不能回报打印机状态（只写文件或单向连接），未检查纸和盖",
                             paper="unknown", cover_open=None, **_state(printer.status))
    status = printer.check()
    fields = {"paper": status.paper, "cover_open": status.cover_open, **_state(printer.status)}
    if not status.answered:
        return device_result(False, detail="打印机没有应答状态查询；检查电源和数据线", **fields)
    if status.cover_open:
        return device_result(False, detail="纸仓盖未关好；合上盖后再自检", **fields)
    if status.paper == "out":
        return device_result(False, detail="缺纸；装入新纸卷后再自检", **fields)
    if status.error:
        return device_result(False, detail="打印机报错；检查切刀和打印头，关机再开后再自检", **fields)
    if status.online is False:
        return device_result(False, detail="打印机脱机；检查面板指示灯", **fields)
    if status.paper == "near_end":
        return device_result(True, detail="正常；纸将用完，请备好新纸卷", **fields)
    return device_result(True, detail="正常", **fields)


def check_camera(camera: Any) -> dict[str, Any]:
    """One full-resolution still: its size, its brightness and its sharpness (模糊 below the threshold)."""
    frame = camera.still()
    height, width = frame.shape[:2]
    value = sharpness(frame)
    page_found = detect.detect(shrink(frame), refine=False).quad is not None
    verdict = judge_frame(value, float(frame.mean()), page_found=page_found)
    return device_result(verdict.ok, detail=f"{width}×{height}，{verdict.detail}", width=width, height=height,
                         sharpness=round(value, 1), blurred=verdict.blurred, page_found=page_found,
                         **_state(camera.status))


def check_voice(voice: Any) -> dict[str, Any]:
    """Speak the self-test prompt once and report whether it played."""
    before = voice.spoken
    was_muted = voice.muted
    voice.muted = False  # the technician must hear it even when a citizen muted the kiosk earlier
    try:
        voice.speak(VOICE_PROMPT)
    finally:
        voice.muted = was_muted
    status = voice.status
    if isinstance(voice, SilentVoice):
        return device_result(True, detail="未配置扬声器（none:），不播报", prompt=VOICE_PROMPT, played=False,
                             **_state(status))
    played = voice.spoken > before and status.health.value == "online"
    if not played:
        return device_result(False, detail=f"没有播出：{status.message or '未知原因'}；检查扬声器、声卡和 espeak-ng",
                             prompt=VOICE_PROMPT, played=False, **_state(status))
    return device_result(True, detail=f"已播报“{VOICE_PROMPT}”，请确认听到了声音", prompt=VOICE_PROMPT, played=True,
                         **_state(status))


# What stops an A4 printer, in the technician's words (IPP printer-state-reasons without severity).
A4_PROBLEMS = {
    "media-empty": "缺纸；装入 A4 纸后再自检",
    "media-needed": "打印机在等纸；装入 A4 纸后再自检",
    "media-jam": "卡纸；打开打印机取出卡住的纸",
    "door-open": "打印机门未关好；关好后再自检",
    "cover-open": "打印机盖未关好；关好后再自检",
    "interlock-open": "打印机门未关好；关好后再自检",
    "toner-empty": "墨粉用完；更换墨粉盒",
    "marker-supply-empty": "墨粉或墨水用完；更换耗材",
    "offline": "打印机脱机；检查电源和面板",
    "paused": "打印机已暂停；在面板或 CUPS 中恢复",
}
A4_WARNINGS = {"media-low": "纸将用完，请备好 A4 纸", "toner-low": "墨粉不足，请备好墨粉盒",
               "marker-supply-low": "耗材不足，请备好墨粉或墨水"}


def check_a4_printer(printer: Any) -> dict[str, Any]:
    """The A4 printer's own IPP attributes: does it answer, can it print PDF, paper, toner, doors."""
    from drivers.a4_printer.status import UNKNOWN

    try:
        state = printer.check()
    except DriverError:
        state = UNKNOWN
    fields = {"printer_state": state.state, "reasons": list(state.reason_words), "media": state.media,
              **_state(printer.status)}
    if not state.answered:
        return device_result(False, detail="打印机没有应答；检查电源、网线和打印机地址（KIOSK_A4_PRINTER）", **fields)
    if not state.supports("application/pdf"):
        return device_result(False, detail="打印机不支持 PDF；换用支持 IPP Everywhere PDF 的打印机，或经 CUPS 队列打印",
                             **fields)
    if not state.can_print:
        words = [A4_PROBLEMS[w] for w in state.blocking if w in A4_PROBLEMS]
        if state.accepting is False:
            words.append("打印机不接受作业；在面板或 CUPS 中启用")
        detail = "；".join(words) or f"打印机已停止（{state.message or '原因未报'}）；检查面板"
        return device_result(False, detail=detail, **fields)
    warnings = [A4_WARNINGS[w] for w in state.warnings if w in A4_WARNINGS]
    return device_result(True, detail="正常" + (f"；{'；'.join(warnings)}" if warnings else ""), **fields)


CHECKS = {"id_reader": check_id_reader, "printer": check_printer, "camera": check_camera, "voice": check_voice,
          "a4_printer": check_a4_printer}


def check_for(name: str) -> Any:
    """The check for a configured device name; other devices only report their status."""
    return CHECKS.get(name, _status_only)


def _status_only(device: Device) -> dict[str, Any]:
    status = device.probe()
    ok = status.health.value == "online"
    return device_result(ok, detail=status.message or HEALTH_WORDS.get(status.health.value, ""), **_state(status))
