"""Who may read the document camera: during a capture step only the step, so auto-capture keeps its moment."""

from __future__ import annotations

from types import SimpleNamespace

from drivers.base import Stage
from local_api.runner import Runner


class Camera:
    stage = Stage.ENABLED

    def __init__(self) -> None:
        self.reads = 0

    def preview(self) -> SimpleNamespace:
        self.reads += 1
        return SimpleNamespace(frame="plate", jpeg=b"jpeg")


def runner_with(camera: Camera | None) -> Runner:
    runner = Runner.__new__(Runner)  # only the preview state; no sessions, devices or threads
    runner.devices = SimpleNamespace(get=lambda kind: camera)
    runner.latest_preview = None
    runner._capturing = 0
    return runner


def test_outside_a_capture_step_a_frame_is_read_for_the_caller():
    camera = Camera()
    runner = runner_with(camera)
    assert runner.live_preview().frame == "plate" and camera.reads == 1


def test_during_a_capture_step_the_caller_gets_the_steps_frame_or_nothing():
    camera = Camera()
    runner = runner_with(camera)
    runner._capturing = 1
    assert runner.live_preview() is None  # the step has not read its first frame yet
    runner.latest_preview = step_frame = SimpleNamespace(frame="page")
    assert runner.live_preview() is step_frame
    assert camera.reads == 0, "a caller read the camera while auto-capture was watching it"


def test_no_camera_or_a_closed_one_gives_nothing():
    assert runner_with(None).live_preview() is None
    closed = Camera()
    closed.stage = Stage.CLOSED
    assert runner_with(closed).live_preview() is None and closed.reads == 0


def test_a_failed_capture_step_lets_others_read_again_and_leaves_no_frame(tmp_path):
    import pytest

    from flows import effects as fx

    camera = Camera()
    runner = runner_with(camera)
    runner.sessions = SimpleNamespace(folder=lambda sid: tmp_path / sid)
    runner._capture_cancel = {}
    runner.bus = None

    def unplugged(*_args) -> None:
        runner.latest_preview = SimpleNamespace(frame="the citizen's page")
        raise RuntimeError("camera unplugged")

    runner._capture_loop = unplugged
    with pytest.raises(RuntimeError):
        runner._do_capture_pages("s1", fx.CapturePages(material="hukou", pages=1))
    assert runner._capturing == 0 and runner.latest_preview is None
    assert runner.live_preview().frame == "plate"
