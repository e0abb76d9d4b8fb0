"""Media pieces that need no network: consent gating, the screen feed, sources, ICE server lists."""

from __future__ import annotations

import asyncio
import os

import cv2
import numpy as np
import pytest

from local_api.settings import ConfigError, load_settings
from local_api.video.media import (
    FaceCamera,
    GatedVideoTrack,
    MediaUnavailable,
    Microphone,
    ScreenFeed,
    Speaker,
    ToneTrack,
    grey_card,
    moving_pattern,
)
from local_api.video.peer import ice_servers


def jpeg(image: np.ndarray) -> bytes:
    return cv2.imencode(".jpg", image)[1].tobytes()


def test_a_view_without_consent_sends_only_the_grey_card() -> None:
    allowed = {"on": False}
    red = np.zeros((480, 640, 3), np.uint8)
    red[:, :, 2] = 255
    track = GatedVideoTrack("screen", lambda: red, lambda: allowed["on"], fps=50)

    async def two() -> tuple[np.ndarray, np.ndarray]:
        first = (await track.recv()).to_ndarray(format="bgr24")
        allowed["on"] = True
        second = (await track.recv()).to_ndarray(format="bgr24")
        return first, second

    first, second = asyncio.run(two())
    assert np.array_equal(first, grey_card())
    assert second[240, 320, 2] > 240 and second[240, 320, 0] < 15


def test_the_sim_face_camera_moves_and_is_off_until_started() -> None:
    camera = FaceCamera("sim:")
    assert camera.latest() is None
    camera.start()
    a, b = camera.latest(), camera.latest()
    assert a.shape == (480, 640, 3) and not np.array_equal(a, b)
    asyncio.run(camera.stop())
    assert camera.latest() is None and camera.on is False
    assert not np.array_equal(moving_pattern(1), moving_pattern(20))


def test_no_face_camera_or_a_missing_device_is_a_clear_error() -> None:
    with pytest.raises(MediaUnavailable, match="KIOSK_FACE_CAMERA"):
        FaceCamera(None).start()
    with pytest.raises(MediaUnavailable, match="/dev/video99"):
        FaceCamera("v4l2:///dev/video99").start()


def test_the_screen_feed_takes_jpegs_only() -> None:
    feed = ScreenFeed()
    with pytest.raises(ValueError, match="not a JPEG"):
        feed.post(b"\x89PNG....")
    with pytest.raises(ValueError, match="decoded"):
        feed.post(b"\xff\xd8 broken")
    feed.post(jpeg(np.full((801, 1281, 3), 200, np.uint8)))
    h, w = feed.latest().shape[:2]
    assert w <= 1280 and w % 2 == 0 and h % 2 == 0
    feed.clear()
    assert feed.latest() is None


def test_the_sim_speaker_measures_the_level_of_what_it_hears() -> None:
    async def listen() -> Speaker:
        speaker = Speaker("sim:")
        tone = ToneTrack(level=0.3)
        for _ in range(3):
            speaker.count(await tone.recv())
        return speaker

    speaker = asyncio.run(listen())
    assert speaker.frames == 3
    assert 0.3 * 32767 / 2**0.5 * 0.9 < speaker.rms_max < 0.3 * 32767 / 2**0.5 * 1.1


def test_device_uris_are_checked_with_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("KIOSK_")]:
        monkeypatch.delenv(name)
    ok = load_settings(face_camera="v4l2:///dev/video1", microphone="alsa:default", speaker="sim:")
    assert ok.av_uri("face_camera") == "v4l2:///dev/video1"
    assert load_settings(devices="sim").av_uri("speaker") == "sim:"
    assert load_settings().av_uri("microphone") == "alsa:default" and load_settings().av_uri("face_camera") is None
    with pytest.raises(ConfigError, match="KIOSK_FACE_CAMERA"):
        load_settings(face_camera="/dev/video0")
    with pytest.raises(ConfigError, match="KIOSK_MICROPHONE"):
        load_settings(microphone="alsa:")


def test_ice_servers_from_the_hub() -> None:
    servers = ice_servers([{"urls": ["stun:stun.example:3478"]},
                           {"urls": "turn:10.0.0.1:3478", "username": "1700000000:c1", "credential": "x"},
                           {"urls": ["http://nonsense"]}, "junk"])
    assert [s.urls for s in servers] == [["stun:stun.example:3478"], ["turn:10.0.0.1:3478"]]
    assert servers[1].username == "1700000000:c1" and servers[1].credential == "x"
    assert ice_servers(None) == []


def test_alsa_speaker_and_microphone_open_through_pyav() -> None:
    """The hall's path: PyAV's own alsa-lib, pointed at the system's configuration (ALSA ``null`` PCM here)."""

    async def call_audio() -> tuple[int, int]:
        speaker = Speaker("alsa:null")
        await speaker.play(ToneTrack())
        assert speaker.to_device, "MediaRecorder could not open ALSA's null PCM"
        microphone = Microphone("alsa:null")
        track = microphone.track()
        assert microphone.from_device, "PyAV could not open ALSA's null PCM for capture"
        heard = await asyncio.wait_for(track.recv(), 10)
        deadline = asyncio.get_running_loop().time() + 10
        while speaker.frames < 5 and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.02)
        await speaker.stop()
        microphone.stop()
        return speaker.frames, heard.sample_rate

    frames, rate = asyncio.run(call_audio())
    assert frames >= 5 and rate > 0
