"""kioskd's FaceCheckService against the ``images://`` face camera, with real faces from assets/faces.

Each folder is what the camera would film: the holder (or someone else) looking straight, then doing the
challenge's actions in the order a seeded draw gives, made from the photo by the simulator's eye-lid and
head-turn warps; a still photo held up; the same actions re-filmed from a halftone print.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import cv2
import pytest

from drivers import registry
from drivers.face.liveness import challenge_order
from drivers.face.sim import SimFaceSource
from drivers.face.spoofs import printed
from drivers.id_card.photo import SimWltDecoder, sim_wlt
from flows import effects as fx
from flows.catalog import load_catalog
from local_api.services.face_check import FaceCheckService

SEED = 7


class Sessions:
    """The session service's door for results: collects what the face check reports."""

    def __init__(self, step_left: bool = False) -> None:
        self.events: list = []
        self.step_left = step_left

    catalog = load_catalog()

    def snapshot(self):
        return SimpleNamespace(session_id="s1", item_code="si_record_certificate",
                               pending=None if self.step_left else "face")

    def system_event(self, session_id, event):
        self.events.append((session_id, event))


class Devices:
    def __init__(self, camera) -> None:
        self.camera = camera

    def get(self, kind):
        return self.camera if kind == "face_camera" else None


def _acting(who: str) -> list:
    """Frames of ``who`` looking straight, then doing the seeded order's actions."""
    source = SimFaceSource(who, seed=3)
    frames = [source.read_preview() for _ in range(4)]
    for action in challenge_order(random.Random(SEED)):
        source.act(action.value)
        while source.acting:
            frames.append(source.read_preview())
        frames += [source.read_preview() for _ in range(2)]
    return frames


def _folder(root: Path, name: str, frames: list) -> str:
    folder = root / name
    folder.mkdir()
    for n, frame in enumerate(frames):
        cv2.imwrite(str(folder / f"{n:03d}.png"), frame)
    return f"images://{folder}"


@pytest.fixture(scope="module")
def cameras(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("face-frames")
    holder = _acting("holder")
    still = SimFaceSource("holder", seed=4).read_preview()
    return {
        "holder": _folder(root, "holder", holder),
        "stranger": _folder(root, "stranger", _acting("stranger")),
        "still_photo": _folder(root, "still", [still]),
        "print": _folder(root, "print", [printed(holder[0], dot_pitch=1.8)]),
    }


def camera_clock(fps: float = 10.0):
    """Time as the frames count it: one frame each 1/fps s, whatever the load of the machine running the test."""
    ticks = iter(range(1_000_000))
    return lambda: next(ticks) / fps


def run(uri: str | None, *, wlt: bytes | None = sim_wlt("holder"), decoder=SimWltDecoder(), elder=False):
    sessions = Sessions()
    camera = None
    if uri is not None:
        camera = registry.create("face_camera", uri)
        camera.open()
    service = FaceCheckService(sessions, Devices(camera), decoder, clock=lambda: datetime.now(UTC),
                               action_s=2.0, face_wait_s=3.0, rng=random.Random(SEED), monotonic=camera_clock())
    if wlt is not None:
        service.remember_card("s1", wlt)
    try:
        service.check("s1", fx.CheckFace(key="k-1", attempt=1, elder_mode=elder))
    finally:
        if camera is not None:
            camera.close()
    ((session_id, event),) = sessions.events
    assert session_id == "s1" and event.key == "k-1"
    return service, event


def test_the_holder_doing_the_actions_passes_and_nothing_of_the_face_is_kept_after_the_step(cameras):
    service, event = run(cameras["holder"])
    assert event.outcome == "passed" and event.reason == ""
    assert event.score > event.threshold == 0.48
    assert service.live().active is False and service.preview_jpeg() is None  # no frame kept after the attempt
    assert service.holds_photo("s1")  # a retry in the same step needs it
    held = service._photos["s1"]
    service.wipe("s1", fx.WipeFace())
    assert not service.holds_photo("s1") and held == bytearray(len(held))  # overwritten, not just dropped


def test_another_person_doing_the_actions_is_not_the_holder(cameras):
    _service, event = run(cameras["stranger"])
    assert (event.outcome, event.reason) == ("failed", "not_the_holder")
    assert event.score < event.threshold


def test_a_still_photo_held_up_is_refused_by_liveness(cameras):
    _service, event = run(cameras["still_photo"])
    assert (event.outcome, event.reason, event.score) == ("failed", "no_liveness", None)  # never matched


def test_a_printed_photo_is_refused_by_the_passive_check(cameras):
    _service, event = run(cameras["print"])
    assert (event.outcome, event.reason) == ("failed", "screen_or_print")


@pytest.mark.parametrize(("kwargs", "reason"), [
    ({"decoder": None}, "no_decoder"),
    ({"wlt": None}, "no_card_photo"),
    ({"wlt": bytes(1024)}, "card_photo_unreadable"),
])
def test_without_a_usable_card_photo_the_check_is_unavailable_before_the_camera_opens(cameras, kwargs, reason):
    _service, event = run(None, **kwargs)  # no camera at all: the card is looked at first
    assert (event.outcome, event.reason) == ("unavailable", reason)


def test_without_a_face_camera_the_check_is_unavailable():
    _service, event = run(None)
    assert (event.outcome, event.reason) == ("unavailable", "no_camera")



def test_an_attempt_for_a_step_already_left_does_not_open_the_camera(cameras):
    sessions = Sessions(step_left=True)
    camera = registry.create("face_camera", cameras["holder"])
    camera.open()
    service = FaceCheckService(sessions, Devices(camera), SimWltDecoder(), clock=lambda: datetime.now(UTC))
    service.remember_card("s1", sim_wlt("holder"))
    service.check("s1", fx.CheckFace(key="k-1", attempt=1))
    assert sessions.events == [] and camera.status.sensors.get("capturing") is False
    camera.close()


def test_a_session_ended_from_outside_wipes_the_card_photo(tmp_path):
    """Another person's card or a shutdown ends the session without the engine: the photo goes all the same."""
    from contextlib import contextmanager

    from local_api.sessions import SessionService

    class Db:
        @contextmanager
        def begin(self):
            yield self

        def add(self, row):
            pass

    class Bus:
        def publish(self, message):
            pass

    face = FaceCheckService(Sessions(), Devices(None), SimWltDecoder(), clock=lambda: datetime.now(UTC))

    def run_effects(session_id, effects):
        for effect in effects:
            if isinstance(effect, fx.WipeFace):
                face.wipe(session_id, effect)

    sessions = SessionService(load_catalog(), tmp_path / "sessions", db=Db(), bus=Bus(), run_effects=run_effects)
    sid = sessions.start("si_record_certificate").id
    face.remember_card(sid, sim_wlt("holder"))
    sessions.abandon("another card")
    assert not face.holds_photo(sid)


def test_the_photo_of_a_card_read_for_an_item_without_a_face_check_is_not_kept(tmp_path):
    from contextlib import contextmanager

    from local_api.sessions import SessionService

    class Db:
        @contextmanager
        def begin(self):
            yield self

        def add(self, row):
            pass

    sessions = SessionService(load_catalog(), tmp_path / "sessions", db=Db(),
                              bus=SimpleNamespace(publish=lambda message: None))
    face = FaceCheckService(sessions, Devices(None), SimWltDecoder(), clock=lambda: datetime.now(UTC))
    sid = sessions.start("queue_ticket").id
    face.remember_card(sid, sim_wlt("holder"))
    assert not face.holds_photo(sid)
