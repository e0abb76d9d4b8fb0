"""The key ring: what a rotation changes, and that everything made with an older key stays readable."""

from __future__ import annotations

import base64
import datetime as dt
import json
import stat

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hub import keyring
from hub.keyring import KeyRingError
from hub.personal import Keys, _derive
from hub.queue.follow import follow_ticket_id, follow_token
from hub.staff.cookies import SigningKeys

NOW = dt.datetime(2026, 11, 21, 2, 30, tzinfo=dt.UTC)
VALID = "11010519491231002X"


def rotated(path, *, staged=False) -> Keys:
    keyring.save(path, Keys.load_or_create(path).ring.rotate(NOW, staged=staged))
    return Keys.load_or_create(path)


def test_after_a_rotation_old_data_reads_new_data_names_the_new_key_and_the_index_stays(tmp_path):
    path = tmp_path / "hub-secret"
    before = Keys.load_or_create(path)
    old_value, old_file = before.encrypt("张三"), before.seal_file(b"scan", "m1")
    legacy_value = Fernet(base64.urlsafe_b64encode(_derive(bytes.fromhex(path.read_text()),
                                                           b"kioskhub at-rest encryption"))).encrypt(b"old").decode()
    key = AESGCM(_derive(bytes.fromhex(path.read_text()), b"kioskhub material files"))
    legacy_file = b"n" * 12 + key.encrypt(b"n" * 12, b"older scan", b"m0")  # sealed before the ring existed
    link = follow_token(before, 7)
    after = rotated(path)
    assert stat.S_IMODE((tmp_path / "keyring.json").stat().st_mode) == 0o600
    assert bytes.fromhex(path.read_text()).hex() not in (tmp_path / "keyring.json").read_text()  # key 1 stays apart
    assert old_value.startswith("1:") and after.encrypt("李四").startswith("2:")
    assert after.decrypt(old_value) == "张三" and after.decrypt(legacy_value) == "old"
    assert after.open_file(old_file, "m1") == b"scan" and after.open_file(legacy_file, "m0") == b"older scan"
    assert after.open_file(after.seal_file(b"new", "m2"), "m2") == b"new"
    with pytest.raises(ValueError, match="does not decrypt"):
        after.open_file(old_file, "m9")  # still bound to its name
    assert after.id_index("111", VALID) == before.id_index("111", VALID)
    assert after.request_mac("x") == before.request_mac("x")
    assert follow_ticket_id(after, link) == 7 and follow_token(after, 7) != link
    with pytest.raises(ValueError):
        Keys.load_or_create(tmp_path / "another-hub").decrypt(old_value)


def test_cookies_name_their_key_and_stop_when_it_is_retired_while_its_data_stays_readable(tmp_path):
    path = tmp_path / "hub-secret"
    before = Keys.load_or_create(path)
    cookie = SigningKeys(*before.session_keys()).sign({"u": "wangfang", "e": 0}, NOW)
    value = before.encrypt("张三")
    after = rotated(path)
    signer = SigningKeys(*after.session_keys())
    assert cookie.startswith("1.") and signer.sign({"u": "x"}, NOW).startswith("2.")
    assert signer.verify(cookie, NOW, dt.timedelta(hours=1))["u"] == "wangfang"
    keyring.save(path, after.ring.retire("1"))
    retired = Keys.load_or_create(path)
    assert SigningKeys(*retired.session_keys()).verify(cookie, NOW, dt.timedelta(hours=1)) is None
    assert retired.decrypt(value) == "张三"
    assert [(k["id"], k["state"]) for k in json.loads((tmp_path / "keyring.json").read_text())["keys"]] == [
        ("1", "retired"), ("2", "active")]


def test_a_staged_key_decrypts_but_encrypts_nothing_until_activated(tmp_path):
    path = tmp_path / "hub-secret"
    staged = rotated(path, staged=True)
    assert staged.encrypt("x").startswith("1:")
    with pytest.raises(KeyRingError, match="activate it"):
        staged.ring.rotate(NOW)
    with pytest.raises(KeyRingError, match="only a previous key"):
        staged.ring.retire("2")
    keyring.save(path, staged.ring.activate("2"))
    assert Keys.load_or_create(path).encrypt("x").startswith("2:")
    (tmp_path / "keyring.json").write_text("{}")
    with pytest.raises(KeyRingError, match="restore it from the backup"):
        Keys.load_or_create(path)
