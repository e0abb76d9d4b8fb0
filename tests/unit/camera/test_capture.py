import cv2
import numpy as np
import pytest

from drivers.camera.capture import UvcSource
from drivers.errors import DeviceNotFound, InvalidDeviceUri
from drivers.uri import parse_uri


class FakeCapture:
    """Stands in for cv2.VideoCapture: modes the camera supports, frames, and an unplug switch."""

    MODES = [(640, 480), (1280, 720), (4000, 3000)]

    def __init__(self, plugged):
        self.plugged = plugged
        self.size = (640, 480)
        self.released = False
        self.reads = []

    def isOpened(self):
        return self.plugged["on"]

    def set(self, prop, value):
        if prop == cv2.CAP_PROP_FRAME_WIDTH:
            self._want_w = value
        elif prop == cv2.CAP_PROP_FRAME_HEIGHT:
            fits = [m for m in self.MODES if m[0] <= self._want_w and m[1] <= value]
            self.size = max(fits) if fits else self.MODES[0]
        return True

    def get(self, prop):
        return {cv2.CAP_PROP_FRAME_WIDTH: self.size[0], cv2.CAP_PROP_FRAME_HEIGHT: self.size[1]}.get(prop, 0)

    def read(self):
        if not self.plugged["on"]:
            return False, None
        self.reads.append(self.size)
        return True, np.zeros((self.size[1], self.size[0], 3), np.uint8)

    def release(self):
        self.released = True


@pytest.fixture
def camera():
    plugged = {"on": True}
    opened = []

    def opener(index):
        cap = FakeCapture(plugged)
        opened.append(cap)
        return cap

    source = UvcSource(0, opener=opener, sleep=lambda s: None, reconnect_tries=2)
    return source, plugged, opened


def test_largest_still_mode_is_found_and_preview_stays_small(camera):
    source, _, opened = camera
    source.open()
    assert source.still_size == (4000, 3000)
    assert source.read_preview().shape[:2] == (480, 640)
    still = source.read_still()
    assert still.shape[:2] == (3000, 4000)
    assert opened[0].reads.count((4000, 3000)) == 1 + source.settle_frames  # dropped frames after the switch
    assert source.read_preview().shape[:2] == (480, 640)  # back to preview mode


def test_reconnects_after_an_unplug(camera):
    source, plugged, opened = camera
    source.open()
    source.read_preview()
    plugged["on"] = False
    with pytest.raises(DeviceNotFound, match="plugged in"):
        source.read_preview()
    plugged["on"] = True
    assert source.read_preview().shape[:2] == (480, 640)
    assert len(opened) >= 2 and opened[0].released


def test_missing_camera(camera):
    source, plugged, _ = camera
    plugged["on"] = False
    with pytest.raises(DeviceNotFound, match="no camera at index 0"):
        source.open()


def test_uri_options():
    source = UvcSource.from_uri(parse_uri("uvc://2?width=2592&height=1944"))
    assert source.index == 2 and source.still_size == (2592, 1944)
    with pytest.raises(InvalidDeviceUri, match="index"):
        UvcSource.from_uri(parse_uri("uvc://front"))
