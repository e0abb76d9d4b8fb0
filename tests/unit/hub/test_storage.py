"""Material file names, size limits, sealing at rest, and staging until the case commits."""

from __future__ import annotations

import io

import pytest

from hub.personal import Keys
from hub.storage import SEALED, FileNameError, FileTooLarge, MaterialStore, StagedFileGone, safe_filename


@pytest.mark.parametrize(
    "name", ["../x.jpg", "a/b.jpg", "..\\x.jpg", ".env", "..", "", None, "a\x00.jpg", "c:x.jpg", "x" * 201]
)
def test_path_tricks_and_odd_names_are_refused(name):
    with pytest.raises(FileNameError):
        safe_filename(name)


def test_ordinary_names_pass_unchanged():
    assert safe_filename("户口簿 第1页.JPG") == "户口簿 第1页.JPG"


def kept(store: MaterialStore, data: bytes, max_bytes: int = 1 << 20):
    """A file staged and published, as intake does once its case has committed."""
    stored = store.stage(io.BytesIO(data), max_bytes)
    store.publish([stored.stored_name])
    return stored


def test_oversized_file_leaves_nothing_behind(tmp_path):
    store = MaterialStore(tmp_path / "m")
    with pytest.raises(FileTooLarge):
        store.stage(io.BytesIO(b"0" * 5000), max_bytes=4096)
    assert store.staged() == [] and store.published() == []
    stored = kept(store, b"0" * 4096, max_bytes=4096)
    assert stored.size == 4096 and store.path(stored.stored_name).read_bytes() == b"0" * 4096


def test_a_staged_file_is_outside_the_store_until_published(tmp_path):
    store = MaterialStore(tmp_path / "m", Keys(b"s" * 32))
    staged = store.stage(io.BytesIO(SCAN), max_bytes=1 << 20)
    assert [name for name, _ in store.staged()] == [staged.stored_name] and store.published() == []
    assert store.read(staged.stored_name) == SCAN  # its case committed, the rename has not happened yet
    store.publish([staged.stored_name])
    assert store.staged() == [] and [name for name, _ in store.published()] == [staged.stored_name]
    assert store.read(staged.stored_name) == SCAN
    store.publish([staged.stored_name])  # a sweep racing the request: already done, no error


def test_discard_removes_only_staged_files(tmp_path):
    store = MaterialStore(tmp_path / "m")
    published, staged = kept(store, b"a"), store.stage(io.BytesIO(b"b"), 1024)
    store.discard([published.stored_name, staged.stored_name])
    assert store.staged() == [] and [name for name, _ in store.published()] == [published.stored_name]
    with pytest.raises(FileNameError):
        store.discard(["../kioskhub.sqlite3"])


def test_a_case_cannot_commit_once_a_staged_file_is_gone(tmp_path):
    store = MaterialStore(tmp_path / "m")
    first, second = store.stage(io.BytesIO(b"a"), 1024), store.stage(io.BytesIO(b"b"), 1024)
    store.require_staged([first.stored_name, second.stored_name])
    (store.staging / second.stored_name).unlink()  # the sweep took it from a request that waited too long
    with pytest.raises(StagedFileGone):
        store.require_staged([first.stored_name, second.stored_name])


def test_stored_names_cannot_point_outside_the_store(tmp_path):
    with pytest.raises(FileNameError):
        MaterialStore(tmp_path).path("../../etc/passwd")


SCAN = b"\xff\xd8\xff\xe0" + "居民身份证 640104199001011234".encode() * 100


def test_files_are_sealed_at_rest_and_read_back_whole(tmp_path):
    store = MaterialStore(tmp_path / "m", Keys(b"s" * 32))
    stored = kept(store, SCAN)
    raw = store.path(stored.stored_name).read_bytes()
    assert raw.startswith(SEALED) and b"640104199001011234" not in raw
    assert stored.size == len(SCAN) and store.read(stored.stored_name) == SCAN


def test_a_sealed_file_does_not_open_with_another_secret_or_under_another_name(tmp_path):
    store = MaterialStore(tmp_path / "m", Keys(b"s" * 32))
    first, second = kept(store, SCAN), kept(store, b"other")
    with pytest.raises(ValueError, match="does not decrypt"):
        MaterialStore(tmp_path / "m", Keys(b"t" * 32)).read(first.stored_name)
    store.path(second.stored_name).write_bytes(store.path(first.stored_name).read_bytes())  # swapped on disk
    with pytest.raises(ValueError, match="does not decrypt"):
        store.read(second.stored_name)


def test_files_written_before_encryption_are_still_served(tmp_path):
    legacy = kept(MaterialStore(tmp_path / "m"), SCAN)
    assert MaterialStore(tmp_path / "m", Keys(b"s" * 32)).read(legacy.stored_name) == SCAN
