"""The face camera: registered as a device kind, the common lifecycle, frames only while enabled."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from drivers import registry
from drivers.base import Health, Stage
from drivers.errors import DeviceBusy, DeviceNotFound, InvalidDeviceUri, LifecycleError
from drivers.face.camera import FaceCamera


def test_every_scheme_is_registered_and_bad_uris_say_what_to_write():
    for uri in ("sim:", "sim:?who=stranger", "uvc://1", "v4l2:///dev/video2", "images:///srv/faces"):
        assert isinstance(registry.create("face_camera", uri), FaceCamera)
    with pytest.raises(InvalidDeviceUri, match="like 'uvc://1'"):
        registry.check_uri("face_camera", "uvc://front")
    with pytest.raises(InvalidDeviceUri, match="video node"):
        registry.check_uri("face_camera", "v4l2:///dev/ttyUSB0")
    with pytest.raises(InvalidDeviceUri, match="who="):
        registry.check_uri("face_camera", "sim:?who=president")


def test_frames_only_while_enabled_and_one_owner_at_a_time():
    camera = registry.create("face_camera", "sim:")
    assert isinstance(camera, FaceCamera)
    camera.open()
    assert camera.status.health is Health.ONLINE and camera.status.sensors == {"capturing": False}
    camera.claim("session")
    with pytest.raises(LifecycleError):
        camera.frame()
    with pytest.raises(DeviceBusy):
        camera.claim("selftest")
    camera.enable()
    frame = camera.frame()
    assert frame.shape == (480, 640, 3) and camera.status.sensors == {"capturing": True}
    camera.disable()
    assert camera.status.sensors == {"capturing": False}
    camera.close()
    assert camera.stage is Stage.CLOSED and camera.status.health is Health.OFFLINE


def test_an_image_folder_cycles_through_its_files(tmp_path):
    for i, shade in enumerate((10, 120, 240)):
        cv2.imwrite(str(tmp_path / f"{i}.png"), np.full((48, 64, 3), shade, np.uint8))
    camera = registry.create("face_camera", f"images://{tmp_path}")
    camera.open()
    camera.claim("t")
    camera.enable()
    assert [int(camera.frame()[0, 0, 0]) for _ in range(4)] == [10, 120, 240, 10]
    camera.close()


def test_a_missing_camera_is_offline_with_what_to_check():
    camera = registry.create("face_camera", "v4l2:///dev/video97")
    with pytest.raises(DeviceNotFound, match="check its USB cable"):
        camera.open()
    assert camera.status.health is Health.OFFLINE


def test_the_sim_shows_whoever_stands_in_front():
    camera = registry.create("face_camera", "sim:")
    assert isinstance(camera, FaceCamera)
    camera.open()
    camera.claim("t")
    camera.enable()
    holder = camera.frame()
    camera.show("nobody")
    empty = camera.frame()
    assert holder.std() > 30 and empty.std() < 5
    camera.close()
