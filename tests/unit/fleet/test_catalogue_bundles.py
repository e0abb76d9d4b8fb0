"""Signed catalogue bundles: what the hub publishes a kiosk takes; a tampered, foreign, cut or broken one it refuses."""

from __future__ import annotations

import base64
import datetime as dt
import io
import shutil
import tarfile

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from flows.loader import DEFINITIONS_DIR
from hub.catalogue_bundles import PublishError, bundle_path, public_key_text, publish
from local_api.catalogue_bundle import BundleRefused, public_key, unpack

NOW = dt.datetime(2026, 11, 21, 2, 30, tzinfo=dt.UTC)


@pytest.fixture
def hall(tmp_path):
    """A hall's catalogue folder: one shipped item, a translation and a recorded prompt."""
    source = tmp_path / "hall"
    source.mkdir()
    shutil.copy(DEFINITIONS_DIR / "case_progress_query.yaml", source)
    (source / "prompts").mkdir()
    (source / "prompts" / "welcome.wav").write_bytes(b"RIFF" + b"\0" * 200)
    (source / "locale").mkdir()
    (source / "locale" / "en.json").write_text('{"办件进度查询": "Case progress"}', encoding="utf-8")
    return source


def published(tmp_path, hall, site="yc-hall"):
    hub_dir = tmp_path / "hub"
    version, path = publish(hub_dir, site, hall, NOW)
    return hub_dir, version, path.read_bytes()


def test_a_published_bundle_is_taken_whole_and_versions_count_up(tmp_path, hall):
    hub_dir, version, bundle = published(tmp_path, hall)
    key = public_key(public_key_text(hub_dir))
    manifest = unpack(bundle, key, "yc-hall", tmp_path / "kiosk" / "v1")
    assert (version, manifest.version, manifest.site) == (1, 1, "yc-hall")
    assert sorted(manifest.files) == ["case_progress_query.yaml", "locale/en.json", "prompts/welcome.wav"]
    assert (tmp_path / "kiosk" / "v1" / "prompts" / "welcome.wav").read_bytes().startswith(b"RIFF")
    assert publish(hub_dir, "yc-hall", hall, NOW)[0] == 2 and bundle_path(hub_dir, "yc-hall", 1).exists()


def _rewrite(bundle: bytes, change) -> bytes:
    """The bundle with its members passed through ``change(name, data) -> data | None`` (None drops it)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(bundle)) as src, tarfile.open(fileobj=out, mode="w") as dst:
        for member in src:
            data = change(member.name, src.extractfile(member).read())
            if data is not None:
                member.size = len(data)
                dst.addfile(member, io.BytesIO(data))
    return out.getvalue()


@pytest.mark.parametrize(("why", "change", "message"), [
    ("a changed file", lambda n, d: d.replace(b"title", b"titel") if n.endswith(".yaml") else d,
     "not the file the hub signed"),
    ("a changed manifest", lambda n, d: d.replace(b"yc-hall", b"yc-hal2") if n == "manifest.json" else d,
     "signature is not the hub's"),
    ("a missing file", lambda n, d: None if n.endswith(".wav") else d, "cut short: prompts/welcome.wav"),
    ("no signature", lambda n, d: None if n == "manifest.sig" else d, "signature is missing"),
])
def test_a_bundle_changed_on_the_way_is_refused_and_nothing_is_kept(tmp_path, hall, why, change, message):
    hub_dir, _, bundle = published(tmp_path, hall)
    key = public_key(public_key_text(hub_dir))
    changed = _rewrite(bundle, change)
    with pytest.raises(BundleRefused, match=message):
        unpack(changed, key, "yc-hall", tmp_path / "kiosk" / "v1")
    assert not (tmp_path / "kiosk" / "v1").exists(), why


def test_a_file_the_manifest_does_not_list_is_refused(tmp_path, hall):
    hub_dir, _, bundle = published(tmp_path, hall)
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(bundle)) as src, tarfile.open(fileobj=out, mode="w") as dst:
        for member in src:
            dst.addfile(member, src.extractfile(member))
        dst.addfile(tarfile.TarInfo("files/extra.yaml"), io.BytesIO(b""))
    with pytest.raises(BundleRefused, match=r"does not list: files/extra\.yaml"):
        unpack(out.getvalue(), public_key(public_key_text(hub_dir)), "yc-hall", tmp_path / "k")


def test_a_bundle_cut_short_signed_by_another_key_or_for_another_site_is_refused(tmp_path, hall):
    hub_dir, _, bundle = published(tmp_path, hall)
    key = public_key(public_key_text(hub_dir))
    with pytest.raises(BundleRefused, match="cut short"):
        unpack(bundle[: len(bundle) // 2], key, "yc-hall", tmp_path / "k")
    foreign = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(BundleRefused, match="not the hub's"):
        unpack(bundle, foreign, "yc-hall", tmp_path / "k")
    with pytest.raises(BundleRefused, match="for site yc-hall, this kiosk is at sz-post"):
        unpack(bundle, key, "sz-post", tmp_path / "k")
    with pytest.raises(ValueError, match="kioskhub catalogue key"):
        public_key(base64.b64encode(b"short").decode())


def test_a_bundle_with_one_broken_item_is_refused_whole(tmp_path, hall):
    (hall / "broken_item.yaml").write_text("code: broken_item\nname: 坏的事项\nsteps: [\n", encoding="utf-8")
    hub_dir, _, bundle = published(tmp_path, hall)
    with pytest.raises(BundleRefused, match="1 item problem"):
        unpack(bundle, public_key(public_key_text(hub_dir)), "yc-hall", tmp_path / "k")
    assert not (tmp_path / "k").exists()


def test_publish_names_a_file_that_does_not_belong(tmp_path, hall):
    (hall / "notes.docx").write_bytes(b"PK")
    with pytest.raises(PublishError, match=r"notes\.docx: not a definition"):
        publish(tmp_path / "hub", "yc-hall", hall, NOW)
    with pytest.raises(PublishError, match="is not a folder"):
        publish(tmp_path / "hub", "yc-hall", tmp_path / "nope", NOW)
