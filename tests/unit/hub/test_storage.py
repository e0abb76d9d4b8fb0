"""Material file names and size limits."""

from __future__ import annotations

import io

import pytest

from hub.storage import FileNameError, FileTooLarge, MaterialStore, safe_filename


@pytest.mark.parametrize(
    "name", ["../x.jpg", "a/b.jpg", "..\\x.jpg", ".env", "..", "", None, "a\x00.jpg", "c:x.jpg", "x" * 201]
)
def test_path_tricks_and_odd_names_are_refused(name):
    with pytest.raises(FileNameError):
        safe_filename(name)


def test_ordinary_names_pass_unchanged():
    assert safe_filename("户口簿 第1页.JPG") == "户口簿 第1页.JPG"


def test_oversized_file_leaves_nothing_behind(tmp_path):
    store = MaterialStore(tmp_path / "m")
    with pytest.raises(FileTooLarge):
        store.save(io.BytesIO(b"0" * 5000), max_bytes=4096)
    assert list(store.root.iterdir()) == []
    kept = store.save(io.BytesIO(b"0" * 4096), max_bytes=4096)
    assert kept.size == 4096 and store.path(kept.stored_name).read_bytes() == b"0" * 4096


def test_stored_names_cannot_point_outside_the_store(tmp_path):
    with pytest.raises(FileNameError):
        MaterialStore(tmp_path).path("../../etc/passwd")
