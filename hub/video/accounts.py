"""Helper accounts: scrypt password hashes, throttling of wrong passwords per source and user, signed cookies."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hub.db.call_models import Helper, HelperLoginFailure

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_FAILED = 5
LOCKOUT = dt.timedelta(minutes=15)
SESSION_AGE = dt.timedelta(hours=12)
COOKIE = "kioskhub_helper"
# scrypt cost: about 16 MiB and some tens of milliseconds per check, which makes guessing slow.
_N, _R, _P = 2**14, 8, 1


class AccountError(ValueError):
    """An account request that cannot be done as asked; the message says why."""


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(
            password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=len(_unb64(digest))
        )
    except ValueError:
        return False
    return hmac.compare_digest(got, _unb64(digest))


def new_password() -> str:
    """A password to read out and type: 12 characters without look-alikes (0/O, 1/l/I)."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


@dataclass(frozen=True)
class HelperInfo:
    username: str
    display_name: str
    disabled: bool
    last_login_at: dt.datetime | None


def add_helper(db: Session, username: str, display_name: str, now: dt.datetime) -> str:
    """Create the account and return its generated password, which is not kept."""
    if not USERNAME.match(username):
        raise AccountError("--username must be 1-64 letters, digits, '.', '_' or '-', starting alphanumeric")
    display_name = display_name.strip()
    if not display_name or len(display_name) > 100:
        raise AccountError("--name must be 1-100 characters, e.g. 王芳")
    if db.get(Helper, username) is not None:
        raise AccountError(f"helper {username} already exists; choose another user name")
    password = new_password()
    db.add(
        Helper(
            username=username,
            display_name=display_name,
            password_hash=hash_password(password),
            session_epoch=0,
            failed_logins=0,
            created_at=now,
        )
    )
    return password


def list_helpers(db: Session) -> list[HelperInfo]:
    return [
        HelperInfo(h.username, h.display_name, h.disabled_at is not None, h.last_login_at)
        for h in db.scalars(select(Helper).order_by(Helper.username))
    ]


def active_helpers(db: Session) -> dict[str, str]:
    """User name → display name of every helper who may log in."""
    return {h.username: h.display_name for h in db.scalars(select(Helper).where(Helper.disabled_at.is_(None)))}


def log_in(db: Session, username: str, password: str, now: dt.datetime, source: str = "") -> Helper | str:
    """The helper if the password is right, else the reason to show.

    After MAX_FAILED wrong passwords for this user from this ``source`` (a keyed hash of the address)
    within LOCKOUT, that source waits; the helper at their own desk is not locked out by a stranger.
    Returns rather than raises, so the caller's transaction keeps the failure rows.
    """
    since = now - LOCKOUT
    key = username[:64]
    count, oldest = db.execute(select(func.count(), func.min(HelperLoginFailure.at)).where(
        HelperLoginFailure.username == key, HelperLoginFailure.source == source, HelperLoginFailure.at > since)).one()
    if count >= MAX_FAILED and oldest is not None:
        minutes = int((_utc(oldest) + LOCKOUT - now).total_seconds() // 60) + 1
        return f"密码错误次数过多，请 {minutes} 分钟后再试"
    helper = db.get(Helper, username) if USERNAME.match(username) else None
    if helper is None or helper.disabled_at is not None or not check_password(password, helper.password_hash):
        if helper is None or helper.disabled_at is not None:
            check_password(password, _dummy_hash())  # as slow as a real check: names cannot be probed by timing
        db.add(HelperLoginFailure(username=key, source=source, at=now))
        db.execute(delete(HelperLoginFailure).where(HelperLoginFailure.at <= since))  # nothing older counts
        if count + 1 >= MAX_FAILED:
            return f"密码错误次数过多，请 {int(LOCKOUT.total_seconds() // 60)} 分钟后再试"
        return "用户名或密码错误"
    helper.failed_logins = 0
    helper.locked_until = None
    helper.last_login_at = now
    return helper


def _existing(db: Session, username: str) -> Helper:
    helper = db.get(Helper, username) if USERNAME.match(username) else None
    if helper is None:
        raise AccountError(f"no helper {username!r}; see kioskhub helpers list")
    return helper


def disable(db: Session, username: str, now: dt.datetime) -> None:
    """The helper can no longer log in, and every session of theirs ends (open pages and sockets too)."""
    helper = _existing(db, username)
    helper.disabled_at = helper.disabled_at or now
    helper.session_epoch += 1


def enable(db: Session, username: str) -> None:
    """A disabled helper may log in again (with the password they had; reset gives a new one)."""
    helper = _existing(db, username)
    helper.disabled_at = None
    helper.failed_logins, helper.locked_until = 0, None
    db.execute(delete(HelperLoginFailure).where(HelperLoginFailure.username == username))


def reset(db: Session, username: str) -> str:
    """A new password for the helper (returned, not kept); the old one and every session stop working."""
    helper = _existing(db, username)
    password = new_password()
    helper.password_hash = hash_password(password)
    helper.session_epoch += 1
    helper.failed_logins, helper.locked_until = 0, None
    db.execute(delete(HelperLoginFailure).where(HelperLoginFailure.username == username))
    return password


def unlock(db: Session, username: str) -> bool:
    """Forget the wrong passwords counted against the helper, from every source; False when there were none."""
    helper = _existing(db, username)
    gone = db.execute(delete(HelperLoginFailure).where(HelperLoginFailure.username == username)).rowcount or 0
    was = gone > 0 or helper.locked_until is not None or helper.failed_logins > 0
    helper.failed_logins, helper.locked_until = 0, None
    return was


def log_out(db: Session, username: str) -> None:
    """End every session of the helper (their cookies stop working everywhere)."""
    helper = db.get(Helper, username)
    if helper is not None:
        helper.session_epoch += 1


def session_helper(db: Session, claims: dict[str, object]) -> Helper | None:
    """The helper a verified cookie names, if the account is active and the session was not logged out."""
    username = claims.get("u")
    helper = db.get(Helper, username) if isinstance(username, str) else None
    if helper is None or helper.disabled_at is not None or helper.session_epoch != claims.get("e"):
        return None
    return helper


def sign_session(key: bytes, helper: Helper, now: dt.datetime) -> str:
    payload = _b64(json.dumps({"u": helper.username, "e": helper.session_epoch, "t": int(now.timestamp())}).encode())
    return f"{payload}.{_b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())}"


def verify_session(key: bytes, cookie: str | None, now: dt.datetime) -> dict[str, object] | None:
    """The claims of a cookie this hub signed and that is younger than SESSION_AGE, else None."""
    if not cookie or cookie.count(".") != 1:
        return None
    payload, sig = cookie.split(".")
    expected = _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(sig.encode(), expected.encode()):
        return None
    try:
        claims = json.loads(_unb64(payload))
        issued = dt.datetime.fromtimestamp(int(claims["t"]), dt.UTC)
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(claims, dict) or not dt.timedelta(0) <= now - issued <= SESSION_AGE:
        return None
    return claims


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)  # SQLite returns naive UTC


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_hex(8))
