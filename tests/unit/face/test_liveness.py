"""Liveness: the challenge on observations (pure) and on real frames, and both refusals.

The refusals use realistically made inputs: the holder's real photo held up to the camera (still,
moved, turned as a sheet) cannot blink or turn its head; the same person shown on a phone screen or on
a print, even while "performing" the actions, carries the screen's pixel grid or the print's halftone.
"""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest

from drivers.face.detect import find_faces, working_image
from drivers.face.liveness import (
    SCREEN_LIMIT,
    Action,
    ActiveChallenge,
    Hint,
    LivenessCheck,
    Observation,
    Verdict,
    challenge_order,
    screen_score,
    yaw,
)
from drivers.face.sim import SimFaceSource
from drivers.face.spoofs import printed, screen_replay

FPS = 8


def _obs(t: float, openness: float = 0.6, yaw_: float = 0.0, width: float = 0.4) -> Observation:
    return Observation(t, openness, yaw_, width)


def _run(challenge: ActiveChallenge, series: list[Observation]) -> list[Hint]:
    return [challenge.feed(o) for o in series]


# -- the challenge on numbers ------------------------------------------------------------------------
def test_the_order_is_random_and_always_holds_all_three_actions():
    orders = {challenge_order(random.Random(seed)) for seed in range(30)}
    assert len(orders) >= 4
    assert all(sorted(o) == sorted(Action) for o in orders)


def test_a_blink_is_a_closing_and_an_opening_not_a_face_with_eyes_half_shut_throughout():
    challenge = ActiveChallenge((Action.BLINK,), baseline_frames=2)
    hints = _run(challenge, [_obs(0), _obs(0.1), _obs(0.2), _obs(0.3, 0.25), _obs(0.4, 0.6)])
    assert hints[:2] == [Hint.HOLD_STILL, Hint.HOLD_STILL] and hints[-1] is Hint.DONE
    assert challenge.verdict is Verdict.PASSED

    squint = ActiveChallenge((Action.BLINK,), baseline_frames=2, action_s=1.0)
    _run(squint, [_obs(0), _obs(0.1)] + [_obs(0.2 + i / 10, 0.25) for i in range(15)])
    assert squint.verdict is Verdict.FAILED and "blink" in squint.reason


def test_turning_the_wrong_way_does_not_count_and_time_runs_out():
    challenge = ActiveChallenge((Action.TURN_LEFT,), baseline_frames=1, action_s=2.0)
    hints = _run(challenge, [_obs(0)] + [_obs(0.1 + i / 4, yaw_=-0.3) for i in range(10)])
    assert Hint.TURN_LEFT in hints and challenge.verdict is Verdict.FAILED

    right = ActiveChallenge((Action.TURN_LEFT, Action.TURN_RIGHT), baseline_frames=1)
    _run(right, [_obs(0), _obs(0.1, yaw_=0.2), _obs(0.2), _obs(0.3, yaw_=-0.2)])
    assert right.verdict is Verdict.PASSED and right.done == [Action.TURN_LEFT, Action.TURN_RIGHT]


def test_a_face_too_far_away_is_asked_to_come_closer():
    challenge = ActiveChallenge((Action.BLINK,))
    assert challenge.feed(_obs(0, width=0.1)) is Hint.CLOSER


def test_yaw_is_unchanged_by_moving_rotating_or_scaling_a_photo_in_its_plane():
    points = np.array([[300, 200], [270, 202], [200, 200], [230, 202], [252, 260]], np.float32)
    angle = np.radians(20)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]], np.float32)
    moved = (points @ rot.T) * 1.7 + [40, -25]
    assert yaw(moved) == pytest.approx(yaw(points), abs=1e-5)


# -- on frames ----------------------------------------------------------------------------------
def _feed(check: LivenessCheck, frames, *, play: SimFaceSource | None = None, seconds: float = 12.0) -> None:
    t = 0.0
    for frame in frames:
        if check.done or t > seconds:
            break
        hint = check.feed(frame, t)
        if play is not None and hint in (Hint.BLINK, Hint.TURN_LEFT, Hint.TURN_RIGHT) and not play.acting:
            play.act(hint.value)
        t += 1 / FPS


def _sim_frames(source: SimFaceSource, transform=None):
    while True:
        frame = source.read_preview()
        yield frame if transform is None else transform(frame)


def test_the_person_doing_what_is_asked_passes_in_any_order():
    for seed in (1, 2):
        source = SimFaceSource("holder", seed=seed)
        check = LivenessCheck.random(random.Random(seed), action_s=4.0)
        _feed(check, _sim_frames(source), play=source)
        result = check.result()
        assert result.passed, result
        assert sorted(result.actions) == sorted(a.value for a in Action)
        assert result.screen_score < SCREEN_LIMIT


def test_a_still_photo_held_up_is_refused_it_neither_blinks_nor_turns(holder_live):
    rng = np.random.default_rng(0)
    frames = (np.clip(holder_live + rng.normal(0, 2, holder_live.shape), 0, 255).astype(np.uint8) for _ in range(60))
    check = LivenessCheck.random(random.Random(3), action_s=3.0)
    _feed(check, frames)
    result = check.result()
    assert not result.passed and result.actions == () and "not seen in time" in result.reason


def _tilted(frame: np.ndarray, degrees: float) -> np.ndarray:
    """The sheet turned about its vertical middle by ``degrees``, seen by a camera with a 600 px focal length."""
    h, w = frame.shape[:2]
    f, a = 600.0, np.radians(degrees)
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    seen = []
    for x, y in corners - [w / 2, h / 2]:
        X, Z = x * np.cos(a), f + x * np.sin(a)
        seen.append([f * X / Z + w / 2, f * y / Z + h / 2])
    return cv2.warpPerspective(frame, cv2.getPerspectiveTransform(corners, np.float32(seen)), (w, h),
                               borderMode=cv2.BORDER_REPLICATE)


def test_a_photo_waved_shifted_and_turned_as_a_sheet_is_refused(holder_live):
    def moved(i: int) -> np.ndarray:
        shift = cv2.getRotationMatrix2D((320, 240), 8 * np.sin(i / 3), 1 + 0.1 * np.sin(i / 5))
        shift[:, 2] += [25 * np.sin(i / 2), 10 * np.cos(i / 4)]
        frame = cv2.warpAffine(holder_live, shift, (640, 480), borderMode=cv2.BORDER_REPLICATE)
        return _tilted(frame, 30 * np.sin(i / 2.5))  # the sheet swung left and right

    check = LivenessCheck(ActiveChallenge((Action.TURN_LEFT, Action.TURN_RIGHT, Action.BLINK), action_s=4.0))
    _feed(check, (moved(i) for i in range(60)))
    result = check.result()
    assert not result.passed and result.actions == (), result


@pytest.mark.parametrize(("make", "name"), [(lambda f: screen_replay(f, pitch=0.8), "screen"),
                                            (lambda f: printed(f, dot_pitch=1.8), "print")])
def test_a_screen_or_print_of_the_holder_is_refused_even_while_doing_the_actions(make, name):
    source = SimFaceSource("holder", seed=4)  # a recording of the holder who blinks and turns on request
    check = LivenessCheck(ActiveChallenge((Action.BLINK, Action.TURN_LEFT, Action.TURN_RIGHT), action_s=4.0))
    _feed(check, _sim_frames(source, make), play=source, seconds=2.5)
    result = check.result()
    assert not result.passed and result.reason == "screen_or_print", (name, result)
    assert result.screen_score > SCREEN_LIMIT


def test_real_faces_from_a_camera_are_not_taken_for_screens(holder_live, stranger_live, card_photo):
    for frame in (holder_live, stranger_live):
        rgb = working_image(frame)
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        assert screen_score(gray, find_faces(rgb)[0]) < SCREEN_LIMIT


def test_the_face_leaving_the_view_mid_challenge_runs_out_the_clock():
    challenge = ActiveChallenge((Action.BLINK,), baseline_frames=1, action_s=2.0)
    challenge.feed(_obs(0))
    challenge.feed(_obs(0.1))
    assert challenge.missing_face(1.0) is Hint.NO_FACE and challenge.missing_face(1.5, several=True) is Hint.ONE_FACE
    assert challenge.missing_face(3.0) is Hint.DONE
    assert challenge.verdict is Verdict.FAILED and challenge.reason == "no single face in view"
