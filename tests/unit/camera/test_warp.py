import cv2
import numpy as np
import pytest

from drivers.camera import warp

A4_QUAD = np.float32([[100, 50], [310, 50], [310, 347], [100, 347]])  # 210 × 297 px
CARD_QUAD = np.float32([[100, 100], [271.2, 100], [271.2, 208], [100, 208]])  # 85.6 × 54 × 2


def test_page_spec_from_the_aspect_ratio():
    assert warp.page_spec(A4_QUAD).kind == "a4"
    assert warp.page_spec(A4_QUAD).size_mm == (210.0, 297.0)
    card = warp.page_spec(CARD_QUAD)
    assert card.kind == "id_card" and card.size_mm == (85.6, 54.0)
    assert warp.page_spec(CARD_QUAD, "a4").size_mm == (297.0, 210.0)  # landscape A4 when asked
    assert warp.page_spec(np.float32([[0, 0], [100, 0], [100, 100], [0, 100]])).kind == "photo"
    with pytest.raises(ValueError):
        warp.page_spec(A4_QUAD, "letter")


def test_warp_straightens_a_tilted_page_to_its_true_size():
    img = np.full((600, 800, 3), 30, np.uint8)
    quad = np.float32([[200, 80], [560, 130], [520, 560], [150, 500]])
    cv2.fillPoly(img, [quad.astype(np.int32)], (240, 240, 240))
    cv2.circle(img, (int(quad[0][0]) + 25, int(quad[0][1]) + 30), 8, (0, 0, 255), -1)  # mark near TL
    page, spec = warp.process(img, quad, "a4", "color")
    assert page.shape[:2] == (spec.size_px[1], spec.size_px[0]) == (2339, 1654)
    assert page[:, :, 0].mean() > 200  # no plate left in the page
    red = np.argwhere((page[:, :, 2] > 150) & (page[:, :, 1] < 100))
    assert red[:, 0].mean() < 400 and red[:, 1].mean() < 400  # the TL mark stays top left


def test_enhanced_page_has_an_even_white_background_and_dark_text():
    h, w = 1200, 900
    gradient = np.linspace(120, 230, w, dtype=np.float32)[None, :].repeat(h, axis=0)  # uneven light
    img = gradient.copy()
    for y in range(100, 1100, 60):
        img[y : y + 8, 100:800] *= 0.35  # text lines as dark bars
    out = warp.enhance(cv2.cvtColor(img.astype(np.uint8), cv2.COLOR_GRAY2BGR))
    background = out[40:90, 50:850]
    assert background.mean() > 245 and background.std() < 5
    assert out[102:106, 120:780].mean() < 60
    _, plain = cv2.imencode(".jpg", img.astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 75])
    _, clean = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, 75])
    assert len(clean) < len(plain)


def test_enhanced_mode_keeps_colour_for_id_cards():
    img = np.full((400, 500, 3), 30, np.uint8)
    cv2.fillPoly(img, [CARD_QUAD.astype(np.int32)], (230, 200, 180))
    page, spec = warp.process(img, CARD_QUAD, "auto", "enhanced")
    assert spec.kind == "id_card" and page.ndim == 3


def test_deskew_recovers_a_small_rotation():
    img = np.full((800, 600), 255, np.uint8)
    for y in range(80, 720, 30):
        cv2.line(img, (60, y), (540, y), 0, 6)
    m = cv2.getRotationMatrix2D((300, 400), 4.0, 1.0)
    tilted = cv2.warpAffine(img, m, (600, 800), borderValue=255)
    assert warp.skew_angle(tilted) == pytest.approx(-4.0, abs=0.3)
    straight, angle = warp.deskew(tilted)
    assert angle == pytest.approx(-4.0, abs=0.3)
    assert abs(warp.skew_angle(straight)) < 0.3


def test_id_copy_page_puts_both_sides_at_true_size_on_a4():
    front = np.full((540, 856, 3), (200, 150, 100), np.uint8)
    back = np.full((540, 856, 3), (100, 150, 200), np.uint8)
    page = warp.id_copy_page(front, back, note="仅供办理社保业务使用")
    assert page.shape == (3508, 2480, 3)  # A4 at 300 dpi
    for colour in ((200, 150, 100), (100, 150, 200)):
        ys, xs = np.nonzero(np.all(np.abs(page.astype(int) - colour) < 3, axis=2))
        assert xs.max() - xs.min() + 1 == pytest.approx(1011, abs=2)  # 85.6 mm at 300 dpi
        assert ys.max() - ys.min() + 1 == pytest.approx(638, abs=2)  # 54 mm
    assert (page[2700:2780] < 200).any()  # the note line


def test_jpeg_records_the_dpi():
    from io import BytesIO

    from PIL import Image

    data = warp.encode_jpeg(np.full((100, 100), 255, np.uint8), 300)
    assert Image.open(BytesIO(data)).info["dpi"] == pytest.approx((300, 300))


@pytest.mark.parametrize("side", ["front", "back"])
def test_id_card_lying_upside_down_is_turned_upright(side):
    from drivers.camera.synth import _render_id_card

    for seed in range(20):  # the renderer picks the side at random: find the one asked for
        rng = np.random.default_rng(seed)
        rgba = _render_id_card(rng, 856, 540, 10.0)
        card = cv2.cvtColor(rgba[:, :, :3], cv2.COLOR_RGB2BGR)
        red = (cv2.cvtColor(card, cv2.COLOR_BGR2Lab)[:, :, 1] > 160).mean() > 0.01
        if red == (side == "back"):
            break
    upright, turned = warp.orient_id_card(card)
    assert turned == 0 and np.array_equal(upright, card)
    flipped, turned = warp.orient_id_card(cv2.rotate(card, cv2.ROTATE_180))
    assert turned == 180 and np.abs(flipped.astype(int) - card).mean() < 1
    portrait, turned = warp.orient_id_card(cv2.rotate(card, cv2.ROTATE_90_COUNTERCLOCKWISE))
    assert turned == 90 and portrait.shape == card.shape


def test_enhanced_page_keeps_red_seals_red():
    page = np.full((800, 600, 3), 225, np.uint8)
    cv2.putText(page, "TEXT", (60, 200), cv2.FONT_HERSHEY_SIMPLEX, 3, (40, 40, 40), 8)
    cv2.circle(page, (400, 550), 90, (40, 40, 210), 10)  # BGR red ring
    out = warp.enhance(page)
    assert out.ndim == 3
    ring = out[550, 400 + 90]
    assert ring[2] > 150 and ring[0] < 120  # still red
    assert (out[80, 60] == 255).all() and out[185, 80:400].min() < 60  # white paper, black text
    no_seal = warp.enhance(np.full((400, 300, 3), 225, np.uint8))
    assert no_seal.ndim == 2  # grey when there is nothing red to keep
