"""The sample seal: a red ring, the issuer along the top, a star, 样章 written across; transparent elsewhere."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from hub.certificates import fonts
from hub.certificates.seal import RED, SIZE, draw_seal, seal_png

ISSUER = "示例市社会保险事业管理中心"


@pytest.fixture(scope="module")
def face() -> fonts.Face:
    try:
        return fonts.find("bold")
    except fonts.FontMissing as exc:
        pytest.skip(str(exc))


def red(pixel: tuple[int, int, int, int]) -> bool:
    return pixel[3] > 128 and pixel[0] > 150 and pixel[1] < 90 and pixel[2] < 90


def share_red(image: Image.Image, box: tuple[int, int, int, int]) -> float:
    region = image.crop(box)
    pixels = list(region.get_flattened_data())
    return sum(map(red, pixels)) / len(pixels)


def test_the_seal_is_a_red_ring_with_a_star_on_a_transparent_square(face):
    image = draw_seal(ISSUER, face.path, face.index)
    assert image.size == (SIZE, SIZE) and image.mode == "RGBA"
    assert image.getpixel((2, 2))[3] == 0  # corners show the paper through
    mid = SIZE // 2
    assert red(image.getpixel((mid, 14)))  # the ring, top
    assert red(image.getpixel((14, mid)))  # the ring, left
    assert red(image.getpixel((mid, round(mid - SIZE * 0.03))))  # the star's middle
    inked = [p for p in set(image.get_flattened_data()) if p[3] > 32]
    assert all(abs(p[0] - RED[0]) < 12 and p[1] < 40 and p[2] < 50 for p in inked)  # one red ink only


def test_the_name_goes_along_the_top_and_样章_across_the_lower_half(face):
    image = draw_seal(ISSUER, face.path, face.index)
    assert share_red(image, (60, 40, SIZE - 60, 110)) > 0.08  # characters along the upper arc
    assert share_red(image, (SIZE // 2 - 90, 260, SIZE // 2 + 90, 330)) > 0.08  # 样 章 below the star
    plain = draw_seal("示例", face.path, face.index)
    assert share_red(plain, (60, 40, SIZE - 60, 110)) < share_red(image, (60, 40, SIZE - 60, 110))


def test_the_png_is_the_same_for_the_same_name_and_differs_for_another(face):
    first = seal_png(ISSUER, face.path, face.index)
    assert first == seal_png(ISSUER, face.path, face.index)
    assert first != seal_png("示例市住房公积金管理中心", face.path, face.index)
    assert Image.open(io.BytesIO(first)).size == (SIZE, SIZE)
    assert len(first) < 80_000
