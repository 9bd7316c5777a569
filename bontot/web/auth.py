"""Who is asking: passwords (argon2id), logins held back after failures, sessions, CSRF tokens.

Plain functions over the store; the HTTP side (cookies, redirects) is in ``bontot.web.pages``.
A session cookie carries a random token; the database keeps only its SHA-256, with the CSRF token
that every form of that session must send back.  Failed logins are counted per account name and
per address: past a threshold, each further failure doubles the wait before the next try (up to
an hour), and a try during the wait is refused without even checking the password.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from bontot import store as st
from bontot.errors import InputError, StoreError
from bontot.store.accounts import UserRecord, WebSessionRecord
from bontot.web.access import Scope
from bontot.web.settings import WebSettings

MIN_PASSWORD = 8
TOUCH_EVERY = dt.timedelta(minutes=1)  # write last_seen_at at most this often


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_id(token: str) -> str:
    """What the database keeps of a session token."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def same_token(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison; a missing token never matches."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


def check_new_password(password: str, username: str) -> str:
    """Refuse a password a clerk's colleague could guess."""
    if len(password) < MIN_PASSWORD:
        raise InputError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự.")
    if password.strip().lower() == username.strip().lower():
        raise InputError("Mật khẩu không được trùng tên đăng nhập.")
    return password


class Passwords:
    """argon2id hashing with a bound on how many hashes run at once (each takes its memory)."""

    def __init__(self, settings: WebSettings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
        )
        self._slots = threading.BoundedSemaphore(settings.concurrent_hashes)

    @cached_property
    def _dummy(self) -> str:
        """Checked against when the account does not exist, so timing does not tell."""
        return self.hash(secrets.token_hex(16))

    def hash(self, password: str) -> str:
        with self._slots:
            return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        with self._slots:
            try:
                return self._hasher.verify(password_hash or self._dummy, password) and bool(
                    password_hash
                )
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False


@dataclass(frozen=True)
class Principal:
    """The person behind a request: account, session, and what of the roster they may see."""

    user: UserRecord
    session: WebSessionRecord
    scope: Scope

    @property
    def name(self) -> str:
        return self.user.username

    @property
    def is_province(self) -> bool:
        return self.user.role == "province"


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    token: str | None = None  # the cookie's value on success
    user: UserRecord | None = None
    wait_seconds: int = 0  # > 0: held back, try again after this long


def _hold(failures: list[dt.datetime], threshold: int, now: dt.datetime, s: WebSettings) -> int:
    """Seconds still to wait after these failures (0: may try now)."""
    if len(failures) < threshold:
        return 0
    extra = min(len(failures) - threshold, 20)
    delay = min(s.lock_base_seconds * 2**extra, s.lock_max_seconds)
    until = failures[-1] + dt.timedelta(seconds=delay)
    return max(0, int((until - now).total_seconds() + 0.999))


def _name_key(username: str) -> str:
    try:
        return st.accounts.normalize_username(username)
    except InputError:
        return username.strip().lower()[:64] or "-"


def login(
    store: st.Store,
    settings: WebSettings,
    passwords: Passwords,
    username: str,
    password: str,
    ip: str,
) -> LoginResult:
    """Check a login; on success open a session and return its token."""
    key, now = _name_key(username), now_utc()
    since = now - dt.timedelta(hours=settings.failure_window_hours)
    with store.session() as s:
        wait = max(
            _hold(
                st.accounts.recent_failures(s, since, username=key),
                settings.user_failures,
                now,
                settings,
            ),
            _hold(
                st.accounts.recent_failures(s, since, ip=ip), settings.ip_failures, now, settings
            ),
        )
        found = None if wait else st.accounts.find_login(s, username)
    # the reads above and the writes below are separate transactions, each write-first (see
    # bontot.web.busy)
    if wait:
        with store.session() as s:
            st.accounts.record_login_attempt(s, username=key, ip=ip, outcome="locked")
        return LoginResult(False, wait_seconds=wait)
    user, password_hash = found if found else (None, None)
    good = passwords.verify(password_hash, password) and user is not None and user.active
    with store.session() as s:
        st.accounts.record_login_attempt(s, username=key, ip=ip, outcome="ok" if good else "failed")
        if not good or user is None:
            return LoginResult(False)
        token = new_token()
        st.accounts.create_web_session(
            s,
            session_id=token_id(token),
            user_id=user.id,
            csrf_token=new_token(),
            expires_at=now + dt.timedelta(hours=settings.session_hours),
            ip=ip,
        )
        st.accounts.purge_web_sessions(s, now)
        st.audit(s, user.username, "web.login", user.username, {"ip": ip})
    return LoginResult(True, token=token, user=user)


def session_of(
    store: st.Store, settings: WebSettings, token: str | None
) -> tuple[WebSessionRecord, UserRecord] | None:
    """The live session a cookie names, or None (unknown, expired, idle too long, account off)."""
    if not token or len(token) > 200:
        return None
    now = now_utc()
    sid = token_id(token)
    with store.session() as s:
        found = st.accounts.get_web_session(s, sid)
    if found is None:
        return None
    sess, user = found
    idle_limit = sess.last_seen_at + dt.timedelta(minutes=settings.idle_minutes)
    if not user.active or now >= sess.expires_at or now >= idle_limit:
        with store.session() as s:
            st.accounts.delete_web_session(s, sid)
        return None
    if now - sess.last_seen_at >= TOUCH_EVERY:
        try:
            with store.session() as s:  # write-only: waits for the lock instead of failing
                st.accounts.touch_web_session(s, sid, now)
        except StoreError:
            pass  # only the idle clock: the next request touches it again
    return sess, user


def logout(store: st.Store, principal: Principal) -> None:
    with store.session() as s:
        st.accounts.delete_web_session(s, principal.session.id)
        st.audit(s, principal.name, "web.logout", principal.name, None)
