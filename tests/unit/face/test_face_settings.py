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
