"""Settings: the face check's camera is a device when KIOSK_FACE_CAMERA is set; the WLT decoder setting."""

from __future__ import annotations

import pytest

from local_api.devices import check_device_settings
from local_api.settings import ConfigError, load_settings


def test_a_set_face_camera_becomes_a_device_and_an_unset_one_does_not():
    assert check_device_settings(load_settings({}, face_camera="v4l2:///dev/video1"))["face_camera"] == \
        "v4l2:///dev/video1"
    simulated = check_device_settings(load_settings({}, devices="sim"))
    assert "face_camera" not in simulated and "camera" in simulated  # the face check's sim is opted into
    assert check_device_settings(load_settings({}, devices="sim", face_camera="sim:"))["face_camera"] == "sim:"
    assert "face_camera" not in check_device_settings(load_settings({}, face_camera="none:"))


def test_the_wlt_decoder_is_sim_under_simulated_devices_and_otherwise_only_when_set():
    assert load_settings({}).wlt_decoder_ref() is None
    assert load_settings({}, devices="sim").wlt_decoder_ref() == "sim:"
    assert load_settings({"KIOSK_WLT_DECODER": "/opt/idr/libwlt2bmp.so"}).wlt_decoder_ref() == \
        "/opt/idr/libwlt2bmp.so"
    with pytest.raises(ConfigError, match="KIOSK_WLT_DECODER_SYMBOL"):
        load_settings({"KIOSK_WLT_DECODER_SYMBOL": "not a symbol"})


@pytest.mark.parametrize("uri", ["uvc://1", "uvc://0?width=640", "v4l2:///dev/video2", "images:///srv/faces?repeat=3",
                                 "sim:", "sim:?who=stranger", "sim:?play=1", "none:"])
def test_every_face_camera_uri_the_driver_takes_is_a_setting(uri):
    settings = load_settings({"KIOSK_FACE_CAMERA": uri})
    assert settings.face_camera == uri
    if uri != "none:":
        assert check_device_settings(settings)["face_camera"] == uri


@pytest.mark.parametrize("uri", ["http://cam/1", "uvc://front", "v4l2:///tmp/x", "images://"])
def test_a_face_camera_of_another_shape_is_refused_with_the_forms_it_takes(uri):
    with pytest.raises(ConfigError, match="uvc://N, v4l2:///dev/videoN, images:///dir, sim:"):
        load_settings({"KIOSK_FACE_CAMERA": uri})


def test_video_help_films_from_the_same_camera_node_or_a_test_pattern():
    from local_api.video.media import video_node

    assert video_node("v4l2:///dev/video2") == "/dev/video2" and video_node("uvc://1") == "/dev/video1"
    assert video_node("sim:?play=1") is None and video_node("images:///srv/faces") is None
