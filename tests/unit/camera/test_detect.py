import cv2
import numpy as np
import pytest

from drivers.camera import geometry
from drivers.camera.detect import detect, refine_quad
from drivers.camera.synth import synth_frame

HELD_OUT = [200_000 + 3 * k for k in range(6)]  # easy frames outside the tuning seeds


def _plate(w=640, h=480, value=40):
    rng = np.random.default_rng(0)
    return np.clip(rng.normal(value, 3, (h, w, 3)), 0, 255).astype(np.uint8)


def _paper(img, quad, colour=(235, 235, 230)):
    cv2.fillPoly(img, [np.round(quad).astype(np.int32)], colour, lineType=cv2.LINE_AA)
    return img


@pytest.mark.parametrize("seed", HELD_OUT)
def test_finds_the_page_on_easy_synthetic_frames(seed):
    frame = synth_frame(seed, "easy")
    found = detect(frame.image)
    assert found.quad is not None
    assert geometry.document_jaccard(frame.quad, found.quad) > 0.95


def test_empty_dark_plate_is_none():
    assert detect(_plate()).quad is None


def test_plate_with_a_printed_guide_outline_is_none():
    img = _plate(value=60)
    cv2.rectangle(img, (150, 60), (490, 420), (140, 140, 140), 2)
    assert detect(img).quad is None


def test_corners_are_clockwise_from_top_left_at_subpixel_accuracy():
    quad = np.float32([[180.3, 90.6], [470.2, 120.1], [440.8, 420.4], [150.5, 390.9]])
    img = cv2.GaussianBlur(_paper(_plate(), quad), (3, 3), 0)
    found = detect(img)
    assert found.quad is not None
    _, worst = geometry.corner_error(quad, found.quad)
    assert worst < 0.5
    assert np.abs(found.quad - quad).max() < 2.5  # same order: TL, TR, BR, BL


def test_picks_the_largest_of_two_documents_and_reports_the_other():
    big = np.float32([[60, 60], [330, 70], [320, 420], [50, 410]])
    card = np.float32([[420, 150], [580, 160], [575, 260], [415, 250]])
    img = _paper(_paper(_plate(), big), card, (225, 235, 245))
    found = detect(img)
    assert geometry.polygon_iou(found.quad, big) > 0.95
    assert len(found.others) == 1
    assert geometry.polygon_iou(found.others[0], card) > 0.9


def test_text_running_to_the_paper_edge_does_not_move_the_edge():
    quad = np.float32([[100, 60], [540, 60], [540, 420], [100, 420]])
    img = _paper(_plate(), quad)
    for y in range(70, 410, 14):
        cv2.putText(img, "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", (96, y), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (30, 30, 30), 1)
    found = detect(img)
    assert geometry.corner_error(quad, found.quad)[1] < 1.0


def test_hand_on_the_page_is_reported():
    quad = np.float32([[100, 60], [540, 60], [540, 420], [100, 420]])
    img = _paper(_plate(), quad)
    cv2.ellipse(img, (320, 470), (70, 120), 0, 0, 360, (140, 170, 215), -1)  # skin tone, BGR
    found = detect(img)
    assert found.hand
    assert found.quad is not None
    assert not detect(_paper(_plate(), quad)).hand


def test_refine_snaps_a_rough_quad_to_the_edges():
    quad = np.float32([[200, 100], [1000, 120], [980, 700], [220, 690]])
    img = cv2.cvtColor(_paper(_plate(1200, 800), quad), cv2.COLOR_BGR2GRAY)
    rough = quad + np.float32([[4, -3], [-3, 4], [3, 3], [-4, -2]])
    refined = refine_quad(img, rough, band=10)
    assert np.abs(refined - quad).max() < 1.0


def test_rejects_garbage_input():
    with pytest.raises(ValueError):
        detect(np.zeros((5, 5), np.uint8))
