"""``SelfTester``: runs the self-test in kioskd — claims the devices, checks them, prints the slip, keeps the result.

The claim is what keeps a technician's self-test and a citizen apart: it is taken only while no
session is active (under the session service's lock), and while any device is claimed a citizen's
new session is refused (``refuse_while_testing``, part of the session precheck). The last result is
kept in the data dir, so the heartbeat can carry it to the hub after a restart too.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from drivers.base import Stage
from drivers.errors import DriverError
from local_api.devices import DeviceManager, Slot
from local_api.errors import SelfTestRunning, SessionBusy
from local_api.printing import PrintQueue
from local_api.selftest import (
    Check,
    assemble,
    device_result,
    run_checks,
    slip_document,
    with_deadline,
)
from local_api.selftest_checks import DEFAULT_LIMIT_S, LIMITS_S, check_for
from local_api.sessions import NotReady, SessionService

log = logging.getLogger(__name__)

OWNER = "selftest"
SLIP_LIMIT_S = 20.0  # a slip is ~25 cm of paper; a slow printer needs a few seconds, a stalled one never ends
HUB_LIMIT_S = 8.0


BUSY = ("a citizen is using the kiosk; run the self-test when it is back at the home screen "
        "(an unattended session ends by itself when it idles out)")


class SelfTester:
    def __init__(self, *, devices: DeviceManager, sessions: SessionService, print_queue: PrintQueue | None,
                 kiosk_id: Callable[[], str], hall: str, timezone: str, hub_url: Callable[[], str | None],
                 hub_state: Callable[[], dict[str, Any]],
                 versions: dict[str, str], last_path: Path,
                 after: Callable[[dict[str, Any]], None] = lambda result: None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.devices = devices
        self.sessions = sessions
        self.print_queue = print_queue
        # both asked at each test: an enrolment may have brought another id and hub since kioskd started
        self.kiosk_id = kiosk_id
        self.hall = hall
        self.timezone = timezone
        self.hub_url = hub_url
        self.hub_state = hub_state
        self.versions = versions
        self.last_path = last_path
        self.after = after
        self.clock = clock
        self._running = threading.Lock()
        self._lock = threading.Lock()
        self._claimed: set[str] = set()  # devices the self-test holds
        self._checking: set[str] = set()  # devices whose check thread has not ended (may outlive a run)
        self._in_run = False
        self.last: dict[str, Any] | None = self._load()

    # -- for kioskd ------------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        """True while any device is claimed by a self-test."""
        with self._lock:
            return bool(self._claimed)

    def refuse_while_testing(self, item: object = None) -> None:
        """Part of the session precheck: refuse a new session while a self-test holds the devices (NotReady)."""
        if self.active:
            raise NotReady("self_test", "设备自检中，请稍候一分钟再办理")

    def run(self, *, print_slip: bool) -> dict[str, Any]:
        """The whole self-test; SessionBusy while a citizen's session is active, SelfTestRunning if one runs."""
        if not self._running.acquire(blocking=False):
            raise SelfTestRunning()
        try:
            slots = list(self.devices.slots.values())
            for slot in slots:
                self._open(slot)
            try:
                self.sessions.while_idle(partial(self._claim, slots))
            except SessionBusy as exc:  # nothing claimed; the technician is told what to do
                raise SessionBusy(exc.session_id, BUSY) from None
            try:
                return self._run(slots, print_slip)
            finally:
                with self._lock:
                    self._in_run = False
                    for name in list(self._claimed - self._checking):
                        self._release(name)
        finally:
            self._running.release()

    # -- steps -----------------------------------------------------------------------------------
    def _run(self, slots: list[Slot], print_slip: bool) -> dict[str, Any]:
        at = self.clock()
        checks = [Check(slot.name, partial(self._check, slot), LIMITS_S.get(slot.name, DEFAULT_LIMIT_S))
                  for slot in slots]
        devices = run_checks(checks, finished=self._finished)
        result = assemble(kiosk_id=self.kiosk_id(), at=at, devices=devices, hub=self._hub(), versions=self.versions)
        if print_slip:
            self._print_slip(result)
        self._keep(result)
        log.info("self-test done", extra={"ok": result["ok"],
                                          "failed": [n for n, d in devices.items() if not d["ok"]]})
        try:
            self.after(result)
        except Exception:
            log.exception("after-self-test hook failed")
        return result

    def _open(self, slot: Slot) -> None:
        """A device that could not be opened at start gets one more try, as the probe loop would give it."""
        if slot.device.stage is Stage.CLOSED:
            try:
                slot.device.open()
            except DriverError:
                pass  # its check reports it offline, with the driver's message
            except Exception:
                log.exception("opening a device for the self-test crashed", extra={"device": slot.name})

    def _claim(self, slots: list[Slot]) -> None:
        with self._lock:
            self._in_run = True
            for slot in slots:
                if slot.name in self._checking or slot.device.stage is Stage.CLOSED:
                    continue  # still held by an overrunning check, or not open: its check says so
                slot.device.claim(OWNER)
                self._claimed.add(slot.name)
                self._checking.add(slot.name)

    def _check(self, slot: Slot) -> dict[str, Any]:
        if slot.device.stage is Stage.CLOSED:
            why = slot.device.status.message or "设备没有应答"
            return device_result(False, "offline", f"无法打开：{why}；检查电源、数据线和设备地址", sensors={})
        with self._lock:
            claimed = slot.name in self._claimed and slot.name in self._checking
        if not claimed:
            return device_result(False, "error", "上一次自检的检查还没有结束；稍后再自检，如仍如此请重启 kioskd")
        return check_for(slot.name)(slot.device)

    def _finished(self, name: str) -> None:
        with self._lock:
            self._checking.discard(name)
            if not self._in_run and name in self._claimed:
                self._release(name)  # an overrunning check ended after its run: let go now

    def _release(self, name: str) -> None:
        """Give a device back (called with ``_lock`` held)."""
        self._claimed.discard(name)
        device = self.devices.get(name)
        if device is not None:
            try:
                device.release(OWNER)
            except DriverError:
                log.warning("self-test could not release a device", extra={"device": name}, exc_info=True)

    def _hub(self) -> dict[str, Any]:
        try:
            return dict(with_deadline(self.hub_state, HUB_LIMIT_S))
        except TimeoutError:
            return {"state": "unreachable", "detail": f"no answer about the hub within {HUB_LIMIT_S:g} s"}
        except Exception as exc:
            log.exception("hub state for the self-test failed")
            return {"state": "unknown", "detail": type(exc).__name__}

    def _print_slip(self, result: dict[str, Any]) -> None:
        printer = result["devices"].get("printer")
        if printer is None or self.print_queue is None:
            return
        if not printer["ok"]:
            printer["slip"] = "not_printed"
            printer["detail"] += "（自检单未打印）"
            return
        document = slip_document(result, hall=self.hall, tz=self.timezone, hub_url=self.hub_url())
        job_id = f"selftest-{result['at']}"
        try:
            state = with_deadline(partial(self.print_queue.submit, job_id, document), SLIP_LIMIT_S)
        except TimeoutError:
            printer.update(ok=False, slip="failed",
                           detail=f"自检单 {SLIP_LIMIT_S:g} 秒内没有打完；检查打印机是否卡纸，再自检")
        else:
            if state.pending:
                # A slip that comes out hours later, when paper is back, would only confuse: drop it.
                self.print_queue.cancel(job_id)
            if state.status.value == "done":
                printer["slip"] = "printed"
                printer["detail"] += "；自检单已打印"
            else:
                printer.update(ok=False, slip="failed", detail=f"自检单没有打印：{state.message}")
        result["ok"] = all(d.get("ok") for d in result["devices"].values())

    # -- the last result -------------------------------------------------------------------------
    def _keep(self, result: dict[str, Any]) -> None:
        self.last = result
        tmp = self.last_path.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.last_path)
        except OSError:
            log.warning("could not keep the self-test result on disk", exc_info=True)

    def _load(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.last_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            log.warning("the kept self-test result is unreadable; ignoring it")
            return None
        return data if isinstance(data, dict) and {"at", "ok", "devices"} <= data.keys() else None
