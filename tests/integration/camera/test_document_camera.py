"""The document camera end to end: sim and image-folder cameras through the registry, as kioskd uses them."""

import numpy as np
import pytest

from drivers import registry
from drivers.base import Health
from drivers.camera import geometry
from drivers.camera.autocapture import Hint
from drivers.errors import InvalidDeviceUri, LifecycleError, NotPresent


class FakeClock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t

    def sleep(self, seconds):
        self.t += seconds


@pytest.fixture
def camera():
    cam = registry.create("camera", "sim:?width=1200&height=900&still_ms=500")
    clock = FakeClock()
    cam._clock, cam._sleep = clock, clock.sleep
    cam.open()
    yield cam
    cam.close()


def test_preview_on_an_empty_plate(camera):
    shown = camera.preview()
    assert shown.hint is Hint.EMPTY and shown.quad is None
    assert max(shown.width, shown.height) == 640
    assert shown.jpeg[:2] == b"\xff\xd8" and len(shown.jpeg) < 100_000


def test_auto_capture_of_two_pages_voices_the_hints(camera):
    hints = []
    placed = [camera.place("a4")]

    def watch(shown):
        hints.append(shown.hint)
        if shown.hint is Hint.CAPTURED and len(placed) == 1:
            camera.remove()
            placed.append(camera.place("form"))

    pages = camera.capture_pages(2, "auto", "enhanced", timeout=12, on_preview=watch)
    assert len(pages) == 2
    assert Hint.REMOVE_HAND in hints and Hint.HOLD_STILL in hints and hints.count(Hint.READY) == 2
    for page, truth in zip(pages, placed, strict=True):
        assert page.kind == "a4" and page.size_mm in ((210.0, 297.0), (297.0, 210.0))
        assert page.jpeg[:2] == b"\xff\xd8" and page.to_dict()["cut_off"] is False
        assert geometry.corner_error(truth, np.array(page.quad))[1] < 1.0  # full-res corners


def test_nothing_placed_in_time_raises_not_present(camera):
    with pytest.raises(NotPresent, match="0 of 1 pages"):
        camera.capture_pages(1, timeout=1)


def test_capture_on_an_empty_plate_says_what_to_do(camera):
    with pytest.raises(NotPresent, match="place the page"):
        camera.capture()


def test_id_card_capture_keeps_colour_at_true_size(camera):
    camera.place("id_card", approach=False)
    page = camera.capture("id_card", "color")
    assert page.kind == "id_card" and page.size_mm in ((85.6, 54.0), (54.0, 85.6))
    assert {page.width, page.height} == {1011, 638}


def test_image_folder_camera(tmp_path):
    from drivers.camera.synth import synth_frame

    frame = synth_frame(7, "easy", (1200, 900), kind="letter", supersample=1)
    import cv2

    cv2.imwrite(str(tmp_path / "page1.jpg"), frame.image)
    cam = registry.create("camera", f"images://{tmp_path}")
    with cam:
        page = cam.capture("a4", "enhanced")
    assert geometry.corner_error(frame.quad, np.array(page.quad))[1] < 1.5


def test_lifecycle_status_and_bad_uris(tmp_path):
    cam = registry.create("camera", "sim:")
    seen = []
    cam.on_status(lambda _dev, status: seen.append(status.health))
    with pytest.raises(LifecycleError):
        cam.preview()
    cam.open()
    assert cam.status.health is Health.ONLINE
    cam.close()
    assert seen == [Health.ONLINE, Health.OFFLINE]
    with pytest.raises(InvalidDeviceUri):
        registry.create("camera", "sim:?doc=passport")
    with pytest.raises(InvalidDeviceUri):
        registry.create("camera", "webcam://0")
    cam = registry.create("camera", f"images://{tmp_path}")
    with pytest.raises(Exception, match="no images"):
        cam.open()
    assert cam.status.health is Health.OFFLINE


def test_photo_keeps_colour_and_is_sized_from_the_field_of_view(camera):
    camera.place("photo", approach=False)
    page = camera.capture("photo", "enhanced")
    assert page.kind == "photo" and page.mode == "enhanced"
    from io import BytesIO

    from PIL import Image

    assert Image.open(BytesIO(page.jpeg)).mode == "RGB"  # photos are never turned grey
    w_mm, h_mm = page.size_mm
    assert 0 < w_mm < 420 and 0 < h_mm < 420 * 900 / 1200  # inside the plate the sim's still covers
