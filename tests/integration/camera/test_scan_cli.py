"""``kioskctl scan`` end to end on image files: detect (JSON lines), process, pdf, id-copy, capture."""

from __future__ import annotations

import json
import re
from io import BytesIO

import cv2
import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from drivers.camera import geometry
from drivers.camera.synth import synth_frame


def _run(*args: str):
    from kioskctl.main import app

    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("photos")
    page = synth_frame(300_001, "easy", (1200, 900), kind="letter", supersample=1, inset=0.05)
    front = synth_frame(300_002, "easy", (1200, 900), kind="id_card", supersample=1, inset=0.05)
    back = synth_frame(300_003, "easy", (1200, 900), kind="id_card", supersample=1, inset=0.05)
    empty = synth_frame(300_004, "easy", (1200, 900), empty=True, supersample=1)
    for name, frame in (("page", page), ("front", front), ("back", back), ("empty", empty)):
        cv2.imwrite(str(folder / f"{name}.jpg"), frame.image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    return folder, {"page": page.quad, "front": front.quad}


def test_detect_prints_one_json_object_per_image(photos):
    folder, truth = photos
    result = _run("scan", "detect", str(folder / "page.jpg"), str(folder / "empty.jpg"), "--json")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["image"] for line in lines] == [str(folder / "page.jpg"), str(folder / "empty.jpg")]
    assert lines[1]["quad"] is None
    assert geometry.corner_error(truth["page"], np.array(lines[0]["quad"]))[1] < 1.0
    assert all(isinstance(line["ms"], float) for line in lines)
    assert lines[0]["others"] == [] and lines[1]["others"] == []


def test_detect_reports_the_other_documents_on_the_plate(tmp_path):
    rng = np.random.default_rng(7)
    plate = np.clip(rng.normal(60, 6, (600, 800, 3)), 0, 255).astype(np.uint8)  # dark felt
    page = np.float32([[80, 70], [420, 85], [405, 540], [70, 525]])
    card = np.float32([[520, 200], [720, 210], [715, 335], [515, 325]])
    cv2.fillPoly(plate, [page.astype(np.int32)], (238, 238, 236))
    cv2.fillPoly(plate, [card.astype(np.int32)], (215, 230, 245))
    cv2.imwrite(str(tmp_path / "two.png"), plate)
    result = _run("scan", "detect", str(tmp_path / "two.png"), "--json")
    line = json.loads(result.stdout)
    assert geometry.polygon_iou(np.array(line["quad"]), page) > 0.95  # the largest is the one taken
    assert len(line["others"]) == 1 and geometry.polygon_iou(np.array(line["others"][0]), card) > 0.9
    text = _run("scan", "detect", str(tmp_path / "two.png")).stdout
    assert "(+1 more on the plate)" in text


def test_detect_uses_exif_orientation(photos, tmp_path):
    folder, truth = photos
    upright = cv2.imread(str(folder / "page.jpg"))
    # store the pixels rotated 90° clockwise and tell viewers (EXIF 8) to turn them back
    stored = cv2.rotate(upright, cv2.ROTATE_90_CLOCKWISE)
    exif = Image.Exif()
    exif[0x0112] = 8
    buf = BytesIO()
    Image.fromarray(cv2.cvtColor(stored, cv2.COLOR_BGR2RGB)).save(buf, format="JPEG", quality=92, exif=exif.tobytes())
    (tmp_path / "exif.jpg").write_bytes(buf.getvalue())
    result = _run("scan", "detect", str(tmp_path / "exif.jpg"), "--json")
    quad = np.array(json.loads(result.stdout)["quad"])
    assert geometry.corner_error(truth["page"], quad)[1] < 1.0  # in the upright (as loaded) coordinates


def test_process_writes_an_enhanced_a4_page(photos, tmp_path):
    folder, _ = photos
    out = tmp_path / "page.jpg"
    result = _run("scan", "process", str(folder / "page.jpg"), "-o", str(out), "--json")
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["kind"] == "a4" and info["size_mm"] == [210.0, 297.0]
    img = Image.open(out)
    assert img.mode == "L" and img.size == (1654, 2339) and img.info["dpi"] == pytest.approx((200, 200))


def test_pdf_has_true_page_sizes(photos, tmp_path):
    folder, _ = photos
    out = tmp_path / "scan.pdf"
    result = _run("scan", "pdf", str(folder / "page.jpg"), str(folder / "front.jpg"), "-o", str(out), "--mode",
                  "color")
    assert result.exit_code == 0, result.output
    boxes = re.findall(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", out.read_bytes())
    sizes = sorted((round(float(w)), round(float(h))) for w, h in boxes)
    assert (595, 842) in sizes  # A4 in points
    assert (243, 153) in sizes or (153, 243) in sizes  # 85.6 × 54 mm


def test_id_copy_page(photos, tmp_path):
    folder, _ = photos
    out = tmp_path / "copy.jpg"
    result = _run("scan", "id-copy", str(folder / "front.jpg"), str(folder / "back.jpg"), "-o", str(out),
                  "--note", "仅供办理社保业务使用")
    assert result.exit_code == 0, result.output
    assert Image.open(out).size == (2480, 3508)


def test_bad_input_exits_2_with_a_message(tmp_path):
    (tmp_path / "x.jpg").write_text("not an image")
    result = _run("scan", "detect", str(tmp_path / "x.jpg"))
    assert result.exit_code == 2 and "not an image" in result.output
    result = _run("scan", "process", str(tmp_path / "missing.jpg"), "-o", str(tmp_path / "o.jpg"))
    assert result.exit_code == 2 and "no such file" in result.output
    result = _run("scan", "process", str(tmp_path / "x.jpg"), "-o", str(tmp_path / "o.jpg"), "--mode", "sepia")
    assert result.exit_code == 2 and "--mode" in result.output


def test_id_copy_without_a_card_exits_3(photos, tmp_path):
    folder, _ = photos
    result = _run("scan", "id-copy", str(folder / "empty.jpg"), str(folder / "back.jpg"), "-o", str(tmp_path / "c.jpg"))
    assert result.exit_code == 3 and "no card found" in result.output


def test_capture_from_the_sim_camera(tmp_path):
    out = tmp_path / "cap.jpg"
    result = _run("scan", "capture", "--device", "sim:?doc=a4&width=1200&height=900", "-o", str(out), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["kind"] == "a4" and out.stat().st_size > 10_000
    result = _run("scan", "capture", "--device", "sim:?width=1200&height=900", "-o", str(out))
    assert result.exit_code == 3 and "no document" in result.output
