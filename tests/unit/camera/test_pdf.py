import re

import numpy as np
import pytest

from drivers.camera import warp
from drivers.camera.pdf import pages_to_pdf


def _media_boxes(pdf: bytes) -> list[tuple[float, float]]:
    boxes = re.findall(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    return [(float(w), float(h)) for w, h in boxes]


def test_each_page_has_its_true_size():
    a4 = warp.encode_jpeg(np.full((2339, 1654), 255, np.uint8), 200)
    card = warp.encode_jpeg(np.full((638, 1011, 3), 200, np.uint8), 300)
    pdf = pages_to_pdf([(a4, (210.0, 297.0)), (card, (85.6, 54.0))])
    assert pdf.startswith(b"%PDF")
    boxes = _media_boxes(pdf)
    assert boxes[0] == pytest.approx((595.276, 841.89), abs=0.05)
    assert boxes[1] == pytest.approx((242.65, 153.07), abs=0.05)


def test_jpeg_is_embedded_without_recompression():
    jpeg = warp.encode_jpeg(np.full((300, 200), 128, np.uint8), 100)
    pdf = pages_to_pdf([(jpeg, (50.8, 76.2))])
    assert jpeg in pdf
    assert len(pdf) < len(jpeg) + 2000


def test_no_pages_is_an_error():
    with pytest.raises(ValueError):
        pages_to_pdf([])
