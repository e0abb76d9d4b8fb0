"""Who may read the document camera: during a capture step only the step, so auto-capture keeps its moment."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from drivers.base import Stage
from local_api.services.capture import CaptureService


class Camera:
    stage = Stage.ENABLED

    def __init__(self) -> None:
        self.reads = 0

    def preview(self) -> SimpleNamespace:
        self.reads += 1
        return SimpleNamespace(frame="plate", jpeg=b"jpeg")


def capture_with(camera: Camera | None, sessions: object = None) -> CaptureService:
    devices = SimpleNamespace(get=lambda kind: camera)  # only what the preview needs; no threads
    return CaptureService(sessions, devices, None, clock=lambda: datetime.now(UTC))  # type: ignore[arg-type]


def test_outside_a_capture_step_a_frame_is_read_for_the_caller():
    camera = Camera()
    capture = capture_with(camera)
    assert capture.live_preview().frame == "plate" and camera.reads == 1


def test_during_a_capture_step_the_caller_gets_the_steps_frame_or_nothing():
    camera = Camera()
    capture = capture_with(camera)
    capture._capturing = 1
    assert capture.live_preview() is None  # the step has not read its first frame yet
    capture.latest_preview = step_frame = SimpleNamespace(frame="page")
    assert capture.live_preview() is step_frame
    assert camera.reads == 0, "a caller read the camera while auto-capture was watching it"


def test_no_camera_or_a_closed_one_gives_nothing():
    assert capture_with(None).live_preview() is None
    closed = Camera()
    closed.stage = Stage.CLOSED
    assert capture_with(closed).live_preview() is None and closed.reads == 0


def test_a_failed_capture_step_lets_others_read_again_and_leaves_no_frame(tmp_path):
    import pytest

    from flows import effects as fx

    camera = Camera()
    capture = capture_with(camera, SimpleNamespace(folder=lambda sid: tmp_path / sid))

    def unplugged(*_args) -> None:
        capture.latest_preview = SimpleNamespace(frame="the citizen's page")
        raise RuntimeError("camera unplugged")

    capture._capture_loop = unplugged
    with pytest.raises(RuntimeError):
        capture.capture_pages("s1", fx.CapturePages(material="hukou", pages=1))
    assert capture._capturing == 0 and capture.latest_preview is None
    assert capture.live_preview().frame == "plate"
