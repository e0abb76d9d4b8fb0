"""kioskd's /v1/camera preview: the technician's live view outside a session, and nothing of a citizen's
papers kept once their capture step is over."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.citizen import play
from tests.daemon import kioskd


@pytest.fixture
def daemon(tmp_path):
    with kioskd(tmp_path / "data", KIOSK_DEVICES="sim", KIOSK_PRINTER=f"sim://{tmp_path / 'printed'}",
                KIOSK_VOICE=f"sim://{tmp_path / 'voice'}", KIOSK_DEVICE_POLL_S="0.05") as d:
        yield d


def _jpeg(response) -> np.ndarray:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/jpeg"
    image = cv2.imdecode(np.frombuffer(response.content, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and image.shape[0] > 100 and image.shape[1] > 100
    return image


def test_the_technician_sees_the_plate_without_a_session(daemon):
    with daemon.client() as c:
        assert c.get("/sessions/current").status_code == 404
        first = _jpeg(c.get("/camera/preview.jpg"))
        c.post("/sim/camera/place", json={"kind": "a4"})
        placed = _jpeg(c.get("/camera/preview.jpg"))
        assert first.shape == placed.shape
        assert float(np.abs(first.astype(int) - placed.astype(int)).mean()) > 5, "a page on the plate changed nothing"


def test_a_citizens_capture_preview_is_not_kept_after_their_step(daemon):
    with daemon.client() as c:
        snap = c.post("/sessions", json={"item_code": "elderly_card"}).json()
        try:
            play(c, snap["id"], until="submitted", fail_on_error=False)
        finally:
            c.delete("/sessions/current")
        state = c.get("/camera/preview")
        assert state.status_code == 404, "the last citizen's page outline is still served"
