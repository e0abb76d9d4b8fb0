import numpy as np

from drivers.camera.autocapture import AutoCapture, Hint, Observation, motion, thumbnail

SIZE = (640, 480)
PAGE = np.float32([[150, 60], [490, 60], [490, 420], [150, 420]])


def feed(machine, frames):
    """frames: (quad, hand, t) tuples; returns the hints and the times capture fired."""
    hints, fired = [], []
    for quad, hand, t in frames:
        d = machine.update(Observation(quad, SIZE, hand, t))
        hints.append(d.hint)
        if d.fire:
            fired.append(t)
    return hints, fired


def test_fires_once_after_the_page_has_been_still_long_enough():
    hints, fired = feed(AutoCapture(1.0), [(PAGE, False, k / 10) for k in range(30)])
    assert fired == [1.0]  # the first sighting starts the clock
    assert hints[0] is Hint.HOLD_STILL
    assert hints[-1] is Hint.CAPTURED


def test_hand_in_view_blocks_capture_and_says_so():
    frames = [(PAGE, True, k / 10) for k in range(20)] + [(PAGE, False, 2 + k / 10) for k in range(15)]
    hints, fired = feed(AutoCapture(1.0), frames)
    assert set(hints[:20]) == {Hint.REMOVE_HAND}
    assert fired and fired[0] >= 3.0


def test_moving_page_restarts_the_clock():
    frames = [(PAGE + np.float32([k * 8, 0]), False, k / 10) for k in range(10)]
    frames += [(PAGE + np.float32([80, 0]), False, 1 + k / 10) for k in range(15)]
    hints, fired = feed(AutoCapture(1.0), frames)
    assert Hint.HOLD_STILL in hints[:10] and not any(t < 2.0 for t in fired)
    assert fired


def test_empty_plate_small_or_cut_off_document():
    machine = AutoCapture(0.5)
    assert machine.update(Observation(None, SIZE, False, 0)).hint is Hint.EMPTY
    tiny = np.float32([[300, 200], [320, 200], [320, 215], [300, 215]])
    assert machine.update(Observation(tiny, SIZE, False, 0.1)).hint is Hint.MOVE_CLOSER
    cut = PAGE + np.float32([200, 0])  # right side beyond the frame
    assert machine.update(Observation(cut, SIZE, False, 0.2)).hint is Hint.MOVE_CLOSER


def test_next_page_is_captured_after_a_hand_turns_it():
    frames = [(PAGE, False, k / 10) for k in range(15)]
    frames += [(PAGE, True, 1.5 + k / 10) for k in range(5)]
    frames += [(PAGE, False, 2.0 + k / 10) for k in range(15)]
    _, fired = feed(AutoCapture(1.0), frames)
    assert len(fired) == 2


def test_removing_the_page_rearms():
    frames = [(PAGE, False, k / 10) for k in range(15)] + [(None, False, 1.5)]
    frames += [(PAGE, False, 1.6 + k / 10) for k in range(15)]
    _, fired = feed(AutoCapture(1.0), frames)
    assert len(fired) == 2


def test_frame_motion_counts_as_movement():
    machine = AutoCapture(0.3)
    for k in range(10):
        d = machine.update(Observation(PAGE, SIZE, False, k / 10, motion=12.0))
        assert d.hint is Hint.HOLD_STILL and not d.fire


def test_thumbnail_motion():
    a = np.zeros((480, 640, 3), np.uint8)
    b = a.copy()
    b[:, :320] = 100
    assert thumbnail(a).shape == (120, 160)
    assert motion(None, thumbnail(a)) == 0.0
    assert motion(thumbnail(a), thumbnail(b)) == 50.0
