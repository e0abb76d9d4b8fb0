import numpy as np
import pytest

from drivers.camera import geometry

SQUARE = np.float32([[0, 0], [100, 0], [100, 100], [0, 100]])


@pytest.mark.parametrize("shift", range(4))
def test_order_quad_starts_top_left_and_runs_clockwise(shift):
    rotated = np.roll(SQUARE[::-1], shift, axis=0)
    assert geometry.order_quad(rotated).tolist() == SQUARE.tolist()


def test_order_quad_on_a_tilted_page():
    quad = np.float32([[60, 10], [110, 60], [60, 110], [10, 60]])  # a diamond, 45°
    ordered = geometry.order_quad(quad[[2, 0, 3, 1]])
    assert geometry.is_convex(ordered)
    edges = np.roll(ordered, -1, axis=0) - ordered
    cross = edges[:, 0] * np.roll(edges[:, 1], -1) - edges[:, 1] * np.roll(edges[:, 0], -1)
    assert np.all(cross > 0)  # clockwise on screen (y down)


def test_iou_identical_disjoint_and_half():
    assert geometry.polygon_iou(SQUARE, SQUARE) == pytest.approx(1.0)
    assert geometry.polygon_iou(SQUARE, SQUARE + 500) == 0.0
    half = np.float32([[50, 0], [150, 0], [150, 100], [50, 100]])
    assert geometry.polygon_iou(SQUARE, half) == pytest.approx(1 / 3, abs=1e-6)


def test_bow_tie_scores_zero():
    bow = SQUARE[[0, 2, 1, 3]]
    assert geometry.polygon_iou(SQUARE, bow) == 0.0
    assert geometry.document_jaccard(SQUARE, bow) == 0.0


def test_document_jaccard_equals_image_iou_for_an_affine_page():
    gt = np.float32([[10, 20], [210, 40], [190, 300], [-10, 280]])  # a parallelogram
    pred = gt + np.float32([[3, -2], [1, 4], [-2, 2], [0, -3]])
    assert geometry.document_jaccard(gt, pred) == pytest.approx(geometry.polygon_iou(gt, pred), abs=0.01)
    assert geometry.document_jaccard(gt, None) == 0.0


def test_corner_error_ignores_order_and_is_relative_to_the_diagonal():
    pred = np.roll(SQUARE + np.float32([1.0, 0.0]), 2, axis=0)[::-1]
    mean, worst = geometry.corner_error(SQUARE, pred)
    assert mean == pytest.approx(100 / geometry.diagonal(SQUARE), rel=1e-6)
    assert worst == pytest.approx(mean)


def test_non_convex_quads_fall_back_to_raster_iou():
    dart = np.float32([[0, 0], [100, 0], [50, 30], [0, 100]])
    assert 0.2 < geometry.polygon_iou(SQUARE, dart) < 0.5


def test_nearly_coincident_quads_score_near_one():
    """Regression: OpenCV's intersectConvexConvex gave 0.31 for this near-perfect detection."""
    gt = np.float32([[275.16, 4.96], [763.89, 44.04], [723.04, 735.35], [244.54, 692.50]])
    pred = np.float32([[275.10, 4.85], [763.52, 44.02], [722.66, 735.04], [244.51, 692.05]])
    assert geometry.document_jaccard(gt, pred) > 0.99
    assert geometry.polygon_iou(gt, pred) > 0.99
