"""Panel's basic login, checking PBKDF2 hashes from the config file instead of plain passwords.

Every attempt costs the same hashing work whether or not the user exists (a dummy hash is
checked for unknown names, so timing does not tell usernames apart); the hashing runs off the
event loop (other users do not wait); each client gets :data:`MAX_FAILURES` failed attempts per
:data:`WINDOW_S` seconds; the session cookie is ``SameSite=Lax`` and lasts :data:`SESSION_DAYS`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tornado.escape
from panel.auth import BasicAuthProvider, BasicLoginHandler, _validate_next_url, state
from panel.config import config

from critmin.app.auth import _parse_hash, hash_password, verify_password

MAX_FAILURES = 5
"""Failed logins allowed per client within :data:`WINDOW_S`."""
WINDOW_S = 60.0
SESSION_DAYS = 0.5
"""Lifetime of the login cookie (12 hours)."""


class FailureLimiter:
    """Failed attempts per client in a sliding window.

    Examples
    --------
    >>> limiter = FailureLimiter(limit=2, window=60.0)
    >>> limiter.fail("1.2.3.4", now=0.0); limiter.fail("1.2.3.4", now=1.0)
    >>> limiter.blocked("1.2.3.4", now=2.0), limiter.blocked("5.6.7.8", now=2.0), limiter.blocked("1.2.3.4", now=61.0)
    (True, False, False)
    """

    def __init__(self, limit: int = MAX_FAILURES, window: float = WINDOW_S) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self._failures.setdefault(client, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def blocked(self, client: str, now: float | None = None) -> bool:
        """Whether `client` has used up its failed attempts."""
        with self._lock:
            return len(self._recent(client, time.monotonic() if now is None else now)) >= self.limit

    def fail(self, client: str, now: float | None = None) -> None:
        """Record a failed attempt of `client`."""
        with self._lock:
            self._recent(client, time.monotonic() if now is None else now).append(
                time.monotonic() if now is None else now
            )


class HashedLoginHandler(BasicLoginHandler):
    """Login form handler: a user logs in when the password matches its stored hash."""

    users: Mapping[str, str] = {}
    dummy: str = ""
    limiter: FailureLimiter = FailureLimiter()

    def _validate(self, username: str, password: str) -> bool:
        matches = verify_password(password, self.users.get(username, self.dummy))
        return matches and username in self.users

    async def post(self) -> None:
        client = str(self.request.remote_ip)
        if self.limiter.blocked(client):
            self.set_status(429)
            self.write(f"Too many failed logins from {client}: wait a minute and try again.")
            return
        username = self.get_argument("username", "")
        password = self.get_argument("password", "")
        loop = asyncio.get_running_loop()
        if await loop.run_in_executor(None, self._validate, username, password):
            self.set_current_user(username)
            self.redirect(_validate_next_url(self.get_cookie("next_url", state.base_url)))
            return
        self.limiter.fail(client)
        self.redirect(self.request.uri + "?error=" + tornado.escape.url_escape("Invalid username or password!"))

    def set_current_user(self, user: str) -> None:
        if not user:
            super().set_current_user(user)
            return
        self.clear_cookie("is_guest")
        cookie = {"expires_days": SESSION_DAYS, "httponly": True, "path": config.cookie_path, "samesite": "Lax"}
        self.set_secure_cookie("user", user, **cookie)
        id_token = base64.urlsafe_b64encode(json.dumps({"user": user}).encode()).rstrip(b"=")
        if state.encryption:
            id_token = state.encryption.encrypt(id_token)
        self.set_secure_cookie("id_token", id_token, **cookie)


class HashedAuthProvider(BasicAuthProvider):
    """Panel's BasicAuthProvider with :class:`HashedLoginHandler` bound to `users`."""

    def __init__(self, users: Mapping[str, str], **kwargs: Any) -> None:
        self._users = dict(users)
        self._handler: type[BasicLoginHandler] | None = None
        super().__init__(**kwargs)

    @property
    def login_handler(self) -> type[BasicLoginHandler]:
        """The handler class serving the login page and checking passwords (one per provider)."""
        if self._handler is None:
            self._handler = type(
                "CritminLoginHandler",
                (HashedLoginHandler,),
                {
                    "users": self._users,
                    # as costly as the costliest real check, so an unknown name takes as long
                    "dummy": hash_password(
                        "unknown user", iterations=max((_parse_hash(h)[0] for h in self._users.values()), default=1)
                    ),
                    "limiter": FailureLimiter(),
                    "_login_endpoint": self._login_endpoint,
                    "_login_template": self._login_template,
                },
            )
        return self._handler


def hashed_auth_provider(users: Mapping[str, str], login_template: Path) -> HashedAuthProvider:
    """An auth provider for `users` whose login page is `login_template` (no external assets)."""
    return HashedAuthProvider(users, login_template=str(login_template))
