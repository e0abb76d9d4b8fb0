"""What the kiosk sends and plays in a call: face camera, screen, document camera, microphone, speaker.

Every outgoing video is a ``GatedVideoTrack``: it sends its source's latest frame only while the
citizen's consent allows it, and a plain grey card otherwise, so consent can change mid-call
without renegotiating. The sources outlive a peer connection, so a reconnect reuses them.
Nothing here writes to disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import logging
import math
import os
import time
from collections.abc import Callable
from typing import Any

import av
import cv2
import numpy as np
from aiortc import AudioStreamTrack, MediaStreamTrack, VideoStreamTrack
from aiortc.mediastreams import MediaStreamError

from local_api.errors import MediaUnavailable

log = logging.getLogger(__name__)

# PyAV's bundled alsa-lib looks for its configuration under its own build prefix; point it at Debian's.
os.environ.setdefault("ALSA_CONFIG_PATH", "/usr/share/alsa/alsa.conf")

WIDTH, HEIGHT = 640, 480
FACE_FPS = 15
SCREEN_FPS = 5
DOCUMENT_FPS = 5
IDLE_FPS = 1  # the grey card while the citizen has not agreed to send this view
VIDEO_CLOCK = 90000
AUDIO_RATE = 48000
AUDIO_PTIME = 0.02
MAX_SCREEN_BYTES = 2 * 1024 * 1024
REMOTE_JPEG_QUALITY = 80


def grey_card(width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:
    """What the helper sees of a view the citizen did not share: an even grey frame (BGR)."""
    return np.full((height, width, 3), 64, np.uint8)


def moving_pattern(n: int, width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:
    """The sim face camera: colour bars with a white square moving across and a frame counter (BGR)."""
    bars = np.array([[255, 255, 255], [0, 255, 255], [255, 255, 0], [0, 255, 0], [255, 0, 255], [0, 0, 255],
                     [255, 0, 0], [0, 0, 0]], np.uint8)
    cols = (np.arange(width) * len(bars)) // width
    frame = np.repeat(bars[cols][None, :, :], height, axis=0)
    size = height // 6
    x = (n * 8) % (width - size)
    y = height // 2 - size // 2 + int(math.sin(n / 10) * height / 4)
    frame[y:y + size, x:x + size] = 255
    frame[height - 56:height - 8, 8:260] = 0
    cv2.putText(frame, f"KIOSK {n:06d}", (16, height - 20), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2)
    return frame


def _video_frame(image: np.ndarray | av.VideoFrame, pts: int) -> av.VideoFrame:
    frame = image if isinstance(image, av.VideoFrame) else av.VideoFrame.from_ndarray(image, format="bgr24")
    frame.pts = pts
    frame.time_base = fractions.Fraction(1, VIDEO_CLOCK)
    return frame


class GatedVideoTrack(VideoStreamTrack):
    """A paced video track: ``source()`` frames while ``allowed()``, the grey card otherwise."""

    def __init__(self, name: str, source: Callable[[], np.ndarray | av.VideoFrame | None],
                 allowed: Callable[[], bool], fps: float) -> None:
        super().__init__()
        self.name = name
        self._id = f"kiosk-{name}"  # names the track in the SDP's msid, so the page can tell the views apart
        self.source = source
        self.allowed = allowed
        self.fps = fps
        self._t0: float | None = None
        self._next = 0.0
        self.sent = 0

    async def recv(self) -> av.VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        now = time.monotonic()
        if self._t0 is None:
            self._t0 = self._next = now
        elif self._next > now:
            await asyncio.sleep(self._next - now)
        image = self.source() if self.allowed() else None
        fps = self.fps if image is not None else IDLE_FPS
        self._next = max(self._next + 1 / fps, time.monotonic() - 1)  # after a stall, do not burst
        self.sent += 1
        pts = int((time.monotonic() - self._t0) * VIDEO_CLOCK)
        return _video_frame(image if image is not None else grey_card(), pts)


class ToneTrack(AudioStreamTrack):
    """The sim microphone: a 440 Hz tone at a speaking level, 20 ms frames of 48 kHz mono s16."""

    def __init__(self, hz: float = 440.0, level: float = 0.3) -> None:
        super().__init__()
        self._id = "kiosk-microphone"
        self.hz = hz
        self.level = level
        self._t0: float | None = None
        self._samples = 0

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        n = int(AUDIO_RATE * AUDIO_PTIME)
        if self._t0 is None:
            self._t0 = time.monotonic()
        wait = self._t0 + self._samples / AUDIO_RATE - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        t = (self._samples + np.arange(n)) / AUDIO_RATE
        pcm = (np.sin(2 * np.pi * self.hz * t) * self.level * 32767).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = AUDIO_RATE
        frame.pts = self._samples
        frame.time_base = fractions.Fraction(1, AUDIO_RATE)
        self._samples += n
        return frame


class LatestFrame:
    """Pulls frames from a track in the background and keeps the newest one."""

    def __init__(self, track: MediaStreamTrack) -> None:
        self.track = track
        self.frame: av.VideoFrame | None = None
        self.count = 0
        self.last_at = 0.0
        self._task = asyncio.ensure_future(self._pull())

    async def _pull(self) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                self.frame = await self.track.recv()
                self.count += 1
                self.last_at = time.monotonic()

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task


def video_node(uri: str) -> str | None:
    """The video node a face camera URI names (``v4l2:///dev/videoN``, ``uvc://N``); None for the ones a call
    cannot film from (``sim:``, and ``images:///dir``, the face check's test pictures): a test pattern then."""
    if uri.startswith("v4l2://"):
        return uri[len("v4l2://"):].split("?", 1)[0]
    if uri.startswith("uvc://"):
        index = uri[len("uvc://"):].split("?", 1)[0]
        return f"/dev/video{index}" if index.isdigit() else None
    return None


class FaceCamera:
    """The citizen's camera, opened only while they allow it: ``v4l2:///dev/videoN``, ``uvc://N``, else a test
    pattern (``sim:``, ``images://``)."""

    def __init__(self, uri: str | None) -> None:
        self.uri = uri
        self._player: Any = None
        self._reader: LatestFrame | None = None
        self._n = 0
        self.on = False

    def start(self) -> None:
        """Turn the camera on (MediaUnavailable when there is none or it cannot be opened)."""
        if self.on:
            return
        if not self.uri or self.uri == "none:":
            raise MediaUnavailable("this kiosk has no face camera (KIOSK_FACE_CAMERA is not set)")
        path = video_node(self.uri)
        if path is not None:
            from aiortc.contrib.media import MediaPlayer

            try:
                self._player = MediaPlayer(path, format="v4l2",
                                           options={"video_size": f"{WIDTH}x{HEIGHT}", "framerate": str(FACE_FPS)})
            except (av.FFmpegError, OSError) as exc:
                raise MediaUnavailable(f"the face camera {path} cannot be opened ({type(exc).__name__}); "
                                       "check that it is plugged in and not used by another program") from None
            if self._player.video is None:
                raise MediaUnavailable(f"{path} gives no video")
            self._reader = LatestFrame(self._player.video)
        self.on = True

    async def stop(self) -> None:
        """Turn the camera off; the device is released at once."""
        self.on = False
        if self._reader is not None:
            await self._reader.stop()
            self._reader = None
        if self._player is not None and self._player.video is not None:
            self._player.video.stop()
        self._player = None

    def latest(self) -> np.ndarray | av.VideoFrame | None:
        if not self.on:
            return None
        if self._reader is None:  # sim:
            self._n += 1
            return moving_pattern(self._n)
        return self._reader.frame


class Microphone:
    """``alsa:PCM`` through PyAV, or ``sim:`` (a tone); silence when none is configured or it fails."""

    def __init__(self, uri: str | None) -> None:
        self.uri = uri
        self._player: Any = None
        self._relay: Any = None

    def track(self) -> MediaStreamTrack:
        """A fresh track for one peer connection."""
        if self.uri == "sim:":
            return ToneTrack()
        if self.uri and self.uri.startswith("alsa:"):
            from aiortc.contrib.media import MediaPlayer, MediaRelay

            if self._player is None:
                try:
                    self._player = MediaPlayer(self.uri[len("alsa:"):], format="alsa")
                    self._relay = MediaRelay()
                except (av.FFmpegError, OSError) as exc:
                    log.warning("microphone cannot be opened; sending silence",
                                extra={"uri": self.uri, "error": type(exc).__name__})
            if self._player is not None and self._player.audio is not None:
                return self._relay.subscribe(self._player.audio, buffered=False)
        return AudioStreamTrack()

    @property
    def from_device(self) -> bool:
        """True while an ALSA capture device is open (not the tone, not silence)."""
        return self._player is not None

    def stop(self) -> None:
        if self._player is not None and self._player.audio is not None:
            self._player.audio.stop()
        self._player = self._relay = None


class Speaker:
    """Plays the helper's voice: ``alsa:PCM`` through aiortc's MediaRecorder, or ``sim:`` (measures only)."""

    def __init__(self, uri: str | None) -> None:
        self.uri = uri
        self.frames = 0
        self.rms_max = 0.0
        self.rms_last = 0.0
        self.last_at = 0.0
        self._recorder: Any = None
        self._task: asyncio.Task[None] | None = None

    async def play(self, track: MediaStreamTrack) -> None:
        """Play (or measure) ``track`` until it ends or :meth:`stop`; replaces what played before."""
        await self.stop()
        if self.uri and self.uri.startswith("alsa:"):
            from aiortc.contrib.media import MediaRecorder

            try:
                self._recorder = MediaRecorder(self.uri[len("alsa:"):], format="alsa")
            except (av.FFmpegError, OSError) as exc:
                log.warning("speaker cannot be opened; the helper's voice is measured only",
                            extra={"uri": self.uri, "error": type(exc).__name__})
            else:
                self._recorder.addTrack(_Tap(track, self))
                await self._recorder.start()
                return
        self._task = asyncio.ensure_future(self._measure(track))

    @property
    def to_device(self) -> bool:
        """True while the helper's voice goes to an ALSA playback device."""
        return self._recorder is not None

    async def _measure(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                self.count(await track.recv())

    def count(self, frame: av.AudioFrame) -> None:
        pcm = frame.to_ndarray().astype(np.float64)
        rms = float(np.sqrt(np.mean(pcm * pcm))) if pcm.size else 0.0
        self.frames += 1
        self.rms_last = rms
        self.rms_max = max(self.rms_max, rms)
        self.last_at = time.monotonic()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        if self._recorder is not None:
            with contextlib.suppress(Exception):
                await self._recorder.stop()
            self._recorder = None


class _Tap(MediaStreamTrack):
    """Passes audio through to the recorder while the speaker counts it."""

    kind = "audio"

    def __init__(self, track: MediaStreamTrack, speaker: Speaker) -> None:
        super().__init__()
        self.track = track
        self.speaker = speaker

    async def recv(self) -> av.AudioFrame:
        frame = await self.track.recv()
        self.speaker.count(frame)
        return frame


class RemoteVideo:
    """The helper's camera as the UI shows it: the newest decoded frame, made a JPEG when asked."""

    def __init__(self) -> None:
        self.frame: av.VideoFrame | None = None
        self.frames = 0
        self.last_at = 0.0
        self._jpeg: tuple[int, bytes] | None = None
        self._task: asyncio.Task[None] | None = None

    async def show(self, track: MediaStreamTrack) -> None:
        await self.stop()
        self._task = asyncio.ensure_future(self._pull(track))

    async def _pull(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                self.frame = await track.recv()
                self.frames += 1
                self.last_at = time.monotonic()

    def jpeg(self) -> bytes | None:
        """The newest frame as JPEG (encoded once per frame, however often the UI polls)."""
        frame, n = self.frame, self.frames
        if frame is None:
            return None
        if self._jpeg is None or self._jpeg[0] != n:
            ok, buf = cv2.imencode(".jpg", frame.to_ndarray(format="bgr24"), [cv2.IMWRITE_JPEG_QUALITY,
                                                                               REMOTE_JPEG_QUALITY])
            if not ok:
                return None
            self._jpeg = (n, buf.tobytes())
        return self._jpeg[1]

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    def clear(self) -> None:
        self.frame = None
        self._jpeg = None


class ScreenFeed:
    """The UI's own screen, posted as JPEGs; kept only in memory, newest wins."""

    def __init__(self) -> None:
        self.image: np.ndarray | None = None
        self.posted = 0

    def post(self, jpeg: bytes) -> None:
        """Decode one posted frame (ValueError when it is not a JPEG picture)."""
        if not jpeg.startswith(b"\xff\xd8"):
            raise ValueError("the body is not a JPEG image (it must start with FF D8)")
        image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError("the JPEG image could not be decoded")
        h, w = image.shape[:2]
        if w > 1280 or h > 1280:  # the helper needs to read the screen, not print it
            scale = 1280 / max(w, h)
            image = cv2.resize(image, (int(w * scale) // 2 * 2, int(h * scale) // 2 * 2), interpolation=cv2.INTER_AREA)
        elif w % 2 or h % 2:  # the encoder needs even sizes
            image = image[: h - h % 2, : w - w % 2]
        self.image = image
        self.posted += 1

    def latest(self) -> np.ndarray | None:
        return self.image

    def clear(self) -> None:
        self.image = None


class DocumentFeed:
    """Frames of kioskd's document camera while the citizen shares it, grabbed on a worker thread."""

    def __init__(self, grab: Callable[[], np.ndarray | None] | None) -> None:
        self.grab = grab
        self.image: np.ndarray | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def available(self) -> bool:
        return self.grab is not None

    def start(self) -> None:
        if self._task is None and self.grab is not None:
            self._task = asyncio.ensure_future(self._pull())

    async def _pull(self) -> None:
        assert self.grab is not None
        failing = False
        while True:
            try:
                image = await asyncio.to_thread(self.grab)
                failing = False
            except Exception as exc:  # a camera that went away shows grey, the call goes on
                if not failing:  # once per outage, not five times a second
                    log.warning("document camera frame failed", extra={"error": f"{type(exc).__name__}: {exc}"})
                failing = True
                image = None
            if image is not None:
                h, w = image.shape[:2]
                scale = min(1.0, WIDTH / w, HEIGHT / h)
                if scale < 1.0:
                    image = cv2.resize(image, (int(w * scale) // 2 * 2, int(h * scale) // 2 * 2),
                                       interpolation=cv2.INTER_AREA)
            self.image = image
            await asyncio.sleep(1 / DOCUMENT_FPS)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        self.image = None

    def latest(self) -> np.ndarray | None:
        return self.image
