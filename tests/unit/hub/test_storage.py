"""Material file names and size limits."""

from __future__ import annotations

import io

import pytest

from hub.personal import Keys
from hub.storage import SEALED, FileNameError, FileTooLarge, MaterialStore, safe_filename


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


SCAN = b"\xff\xd8\xff\xe0" + "居民身份证 640104199001011234".encode() * 100


def test_files_are_sealed_at_rest_and_read_back_whole(tmp_path):
    store = MaterialStore(tmp_path / "m", Keys(b"s" * 32))
    kept = store.save(io.BytesIO(SCAN), max_bytes=1 << 20)
    raw = store.path(kept.stored_name).read_bytes()
    assert raw.startswith(SEALED) and b"640104199001011234" not in raw
    assert kept.size == len(SCAN) and store.read(kept.stored_name) == SCAN


def test_a_sealed_file_does_not_open_with_another_secret_or_under_another_name(tmp_path):
    store = MaterialStore(tmp_path / "m", Keys(b"s" * 32))
    first = store.save(io.BytesIO(SCAN), max_bytes=1 << 20)
    second = store.save(io.BytesIO(b"other"), max_bytes=1 << 20)
    with pytest.raises(ValueError, match="does not decrypt"):
        MaterialStore(tmp_path / "m", Keys(b"t" * 32)).read(first.stored_name)
    store.path(second.stored_name).write_bytes(store.path(first.stored_name).read_bytes())  # swapped on disk
    with pytest.raises(ValueError, match="does not decrypt"):
        store.read(second.stored_name)


def test_files_written_before_encryption_are_still_served(tmp_path):
    legacy = MaterialStore(tmp_path / "m").save(io.BytesIO(SCAN), max_bytes=1 << 20)
    assert MaterialStore(tmp_path / "m", Keys(b"s" * 32)).read(legacy.stored_name) == SCAN
