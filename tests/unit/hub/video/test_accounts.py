"""Helper accounts: password hashes, throttling, session cookies, and the kioskhub helpers commands."""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest
from typer.testing import CliRunner

from hub.cli import app
from hub.db.call_models import Helper
from hub.db.session import Database, migrate
from hub.video import accounts

T0 = dt.datetime(2026, 11, 22, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'hub.sqlite3'}", 1)
    migrate(database.engine)
    yield database
    database.dispose()


def test_password_hash_is_salted_scrypt_and_checks():
    first, second = accounts.hash_password("geheim"), accounts.hash_password("geheim")
    assert first != second and first.startswith("scrypt$16384$8$1$") and "geheim" not in first
    assert accounts.check_password("geheim", first)
    assert not accounts.check_password("Geheim", first)
    assert not accounts.check_password("geheim", "md5$abc")


def test_five_wrong_passwords_hold_up_that_source_only_until_the_window_passes(db):
    with db.write() as s, s.begin():
        password = accounts.add_helper(s, "wang", "王芳", T0)
    for _ in range(accounts.MAX_FAILED):
        with db.write() as s, s.begin():
            result = accounts.log_in(s, "wang", "wrong", T0, "stranger")
        assert isinstance(result, str)
    assert "次数过多" in result
    with db.write() as s, s.begin():  # even the right password, from that source
        assert "次数过多" in accounts.log_in(s, "wang", password, T0 + dt.timedelta(minutes=14), "stranger")
    with db.write() as s, s.begin():  # the helper at their own desk is not locked out by the stranger
        assert isinstance(accounts.log_in(s, "wang", password, T0 + dt.timedelta(minutes=1), "desk"), Helper)
    with db.write() as s, s.begin():
        helper = accounts.log_in(s, "wang", password, T0 + accounts.LOCKOUT, "stranger")
        assert isinstance(helper, Helper)


def test_unknown_user_names_are_throttled_alike(db):
    for _ in range(accounts.MAX_FAILED):
        with db.write() as s, s.begin():
            result = accounts.log_in(s, "nobody", "wrong", T0, "stranger")
    assert "次数过多" in result


def test_session_cookie_is_signed_and_dies_with_logout(db):
    key = os.urandom(32)
    with db.write() as s, s.begin():
        accounts.add_helper(s, "wang", "王芳", T0)
        cookie = accounts.sign_session(key, s.get(Helper, "wang"), T0)
    claims = accounts.verify_session(key, cookie, T0)
    assert claims is not None
    payload, sig = cookie.split(".")
    assert accounts.verify_session(key, payload + "." + sig[::-1], T0) is None
    assert accounts.verify_session(os.urandom(32), cookie, T0) is None
    assert accounts.verify_session(key, cookie, T0 + accounts.SESSION_AGE + dt.timedelta(seconds=1)) is None
    with db.write() as s, s.begin():
        assert accounts.session_helper(s, claims) is not None
        accounts.log_out(s, "wang")
    with db.read() as s:
        assert accounts.session_helper(s, claims) is None


def test_helpers_add_prints_a_password_and_list_shows_the_account(tmp_path):
    env = {"KIOSKHUB_DATA_DIR": str(tmp_path / "hub")}
    runner = CliRunner()
    added = runner.invoke(app, ["helpers", "add", "--init", "--username", "wang", "--name", "王芳"], env=env)
    assert added.exit_code == 0, added.output
    password = added.stdout.split()[-1]
    assert len(password) == 12
    again = runner.invoke(app, ["helpers", "add", "--username", "wang", "--name", "王芳"], env=env)
    assert again.exit_code == 2 and "already exists" in again.stderr
    bad = runner.invoke(app, ["helpers", "add", "--username", "wang fang", "--name", "王芳"], env=env)
    assert bad.exit_code == 2 and "--username" in bad.stderr
    listed = runner.invoke(app, ["helpers", "list", "--json"], env=env)
    assert json.loads(listed.stdout) == [{"username": "wang", "name": "王芳", "disabled": False, "last_login_at": None}]
    db = Database(f"sqlite:///{tmp_path / 'hub' / 'kioskhub.sqlite3'}", 1)
    with db.read() as s:
        assert accounts.check_password(password, s.get(Helper, "wang").password_hash)
    db.dispose()
