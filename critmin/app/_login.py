"""Panel's basic login, checking PBKDF2 hashes from the config file instead of plain passwords."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from panel.auth import BasicAuthProvider, BasicLoginHandler

from critmin.app.auth import verify_password


class HashedLoginHandler(BasicLoginHandler):
    """Login form handler: a user logs in when the password matches its stored hash."""

    users: Mapping[str, str] = {}

    def _validate(self, username: str, password: str) -> bool:
        encoded = self.users.get(username)
        return encoded is not None and verify_password(password, encoded)


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
                    "_login_endpoint": self._login_endpoint,
                    "_login_template": self._login_template,
                },
            )
        return self._handler


def hashed_auth_provider(users: Mapping[str, str], login_template: Path) -> HashedAuthProvider:
    """An auth provider for `users` whose login page is `login_template` (no external assets)."""
    return HashedAuthProvider(users, login_template=str(login_template))
