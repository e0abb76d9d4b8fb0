from io import BytesIO

import numpy as np
import pytest
from PIL import Image

from drivers.camera.replay import ImageFolderSource, load_image
from drivers.errors import DeviceNotFound


def _jpeg(path, w, h, value, orientation=None):
    img = Image.fromarray(np.full((h, w, 3), value, np.uint8))
    buf = BytesIO()
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    img.save(buf, format="JPEG", exif=exif.tobytes())
    path.write_bytes(buf.getvalue())


def test_replays_each_image_for_repeat_reads_then_loops(tmp_path):
    _jpeg(tmp_path / "a.jpg", 1600, 1200, 10)
    _jpeg(tmp_path / "b.jpg", 1600, 1200, 200)
    (tmp_path / "notes.txt").write_text("not an image")
    source = ImageFolderSource(tmp_path, repeat=2)
    source.open()
    values = [int(source.read_preview().mean()) for _ in range(5)]
    assert values[0] == values[1] < 50 and values[2] == values[3] > 150 and values[4] < 50
    assert source.read_preview().shape[:2] == (480, 640)
    assert source.read_still().shape[:2] == (1200, 1600)


def test_exif_orientation_is_applied(tmp_path):
    _jpeg(tmp_path / "rotated.jpg", 300, 200, 128, orientation=6)  # stored landscape, shown portrait
    assert load_image(tmp_path / "rotated.jpg").shape[:2] == (300, 200)


def test_empty_or_missing_folder(tmp_path):
    with pytest.raises(DeviceNotFound, match="no images"):
        ImageFolderSource(tmp_path).open()
    with pytest.raises(DeviceNotFound, match="does not exist"):
        ImageFolderSource(tmp_path / "nope").open()


def test_unreadable_image_says_so(tmp_path):
    (tmp_path / "broken.jpg").write_bytes(b"not really a jpeg")
    with pytest.raises(ValueError, match="not an image"):
        load_image(tmp_path / "broken.jpg")
