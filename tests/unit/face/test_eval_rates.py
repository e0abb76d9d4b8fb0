"""The evaluation's threshold choice: the FAR target is never exceeded and the FRR is counted there."""

from __future__ import annotations

import numpy as np

from tests.eval.face import at_threshold, card_like, rates


def test_the_threshold_for_a_far_target_lets_at_most_that_share_of_impostors_through():
    rng = np.random.default_rng(0)
    impostor = rng.uniform(0.0, 0.5, 20_000)
    genuine = np.array([0.3, 0.45, 0.49, 0.6, 0.7, 0.8])
    report = rates(genuine, impostor)
    for row in report["roc"]:
        assert row["far"] <= row["far_target"]
        assert row["frr"] == np.mean(genuine < row["threshold"])
    strict = report["roc"][0]  # FAR 0.01 %: at most 2 of 20,000 impostors pass
    assert np.sum(impostor >= strict["threshold"]) <= 2
    assert at_threshold(genuine, impostor, 0.65) == {"threshold": 0.65, "far": 0.0, "frr": 4 / 6}


def test_a_card_like_photo_is_102_by_126():
    assert card_like(np.full((350, 350, 3), 120, np.uint8)).shape == (126, 102, 3)
