"""Who may reach the app: local-only by default, login from a config file otherwise.

Rules
-----
* The app binds to 127.0.0.1 unless told otherwise; any other address is refused (a clear
  error and a non-zero exit) unless the config file configures a login.
* A login is either users with PBKDF2-SHA256 password hashes or an OpenID Connect provider::

      [auth]
      users = { analyst = "pbkdf2_sha256$600000$<salt b64>$<hash b64>" }

      [auth.oidc]                      # instead of, or besides, users
      client_id = "critmin"
      client_secret_env = "CRITMIN_OIDC_SECRET"   # the secret itself stays in the environment
      authorize_url = "https://idp.example.org/authorize"
      token_url = "https://idp.example.org/token"
      user_url = "https://idp.example.org/userinfo"
      redirect_uri = "https://critmin.example.org/"

  Make a hash with ``python -m critmin.app.auth`` (asks for the password). No credential is
  ever written in code; the config file is read with :mod:`tomllib` (nesting bounded first) and nothing in it is run.

Examples
--------
>>> encoded = hash_password("correct horse", iterations=1_000, salt=b"0123456789abcdef")
>>> encoded.split("$")[:2]
['pbkdf2_sha256', '1000']
>>> verify_password("correct horse", encoded), verify_password("wrong", encoded)
(True, False)
>>> is_local("127.0.0.1"), is_local("0.0.0.0")
(True, False)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from critmin.documents import read_toml
from critmin.errors import CritminError

SCHEME = "pbkdf2_sha256"
ITERATIONS = 600_000
LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
OIDC_KEYS = ("client_id", "client_secret_env", "authorize_url", "token_url", "user_url")


class AuthConfigError(CritminError, ValueError):
    """The config file's login section is missing, malformed or unusable."""


class BindRefused(CritminError, PermissionError):
    """Binding to a non-local address without a configured login."""


@dataclass(frozen=True)
class AppConfig:
    """Settings read from the app's TOML config file."""

    users: Mapping[str, str] = field(default_factory=dict)
    oidc: Mapping[str, str] | None = None
    source: str = ""

    @property
    def has_login(self) -> bool:
        """Whether a login (users or OIDC) is configured."""
        return bool(self.users) or self.oidc is not None


def hash_password(password: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    """``pbkdf2_sha256$iterations$salt$hash`` (salt and hash base64) for the config file."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    b64 = base64.b64encode
    return f"{SCHEME}${iterations}${b64(salt).decode()}${b64(digest).decode()}"


def _parse_hash(encoded: str) -> tuple[int, bytes, bytes]:
    parts = encoded.split("$")
    if len(parts) != 4 or parts[0] != SCHEME or not parts[1].isdigit():
        raise ValueError("not of the form pbkdf2_sha256$<iterations>$<salt>$<hash>")
    return int(parts[1]), base64.b64decode(parts[2], validate=True), base64.b64decode(parts[3], validate=True)


def verify_password(password: str, encoded: str) -> bool:
    """Whether `password` matches the stored hash (constant-time comparison)."""
    try:
        iterations, salt, expected = _parse_hash(encoded)
    except ValueError:
        return False
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return hmac.compare_digest(digest, expected)


def _users(raw: Any, where: str) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        raise AuthConfigError(f'{where}: [auth] users must be a table of name = "pbkdf2_sha256$..."')
    users = {}
    for name, encoded in raw.items():
        if not isinstance(encoded, str):
            raise AuthConfigError(
                f"{where}: [auth] users.{name} is not text. Fix: make a hash with `python -m critmin.app.auth`"
            )
        try:
            _parse_hash(str(encoded))
        except ValueError as error:
            raise AuthConfigError(
                f"{where}: [auth] users.{name} is {error}. Fix: make one with `python -m critmin.app.auth`"
            ) from None
        users[str(name)] = str(encoded)
    return users


def _oidc(raw: Any, where: str) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        raise AuthConfigError(f"{where}: [auth.oidc] must be a table")
    wrong = [str(key) for key, value in raw.items() if not isinstance(value, str)]
    if wrong:
        raise AuthConfigError(f'{where}: [auth.oidc] {", ".join(wrong)} must be text. Fix: write key = "..."')
    missing = [key for key in OIDC_KEYS if not raw.get(key)]
    if missing:
        raise AuthConfigError(
            f"{where}: [auth.oidc] lacks {', '.join(missing)}. Fix: give each of {', '.join(OIDC_KEYS)}"
        )
    if "client_secret" in raw:
        raise AuthConfigError(
            f"{where}: [auth.oidc] holds a client_secret. Fix: put it in an environment "
            "variable and name that variable in client_secret_env"
        )
    return {str(k): str(v) for k, v in raw.items()}


def load_config(path: str | Path | None) -> AppConfig:
    """Read the app's TOML config file (None: no file, no login)."""
    if path is None:
        return AppConfig()
    file = Path(path)
    try:
        document, issues = read_toml(file.read_text(encoding="utf-8"), str(file))
    except FileNotFoundError:
        raise AuthConfigError(f"{file}: no such config file") from None
    except UnicodeDecodeError as error:
        raise AuthConfigError(f"{file}: not valid TOML ({error})") from None
    if issues:
        raise AuthConfigError(f"{file}: {issues[0].problem}. Fix: {issues[0].fix}")
    auth = document.get("auth", {})
    if not isinstance(auth, Mapping):
        raise AuthConfigError(f"{file}: [auth] must be a table")
    users = _users(auth["users"], str(file)) if "users" in auth else {}
    oidc = _oidc(auth["oidc"], str(file)) if "oidc" in auth else None
    return AppConfig(users=users, oidc=oidc, source=str(file))


def is_local(host: str) -> bool:
    """Whether `host` is a loopback address or name."""
    if host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(host: str, config: AppConfig) -> None:
    """Refuse a non-local `host` unless `config` configures a login.

    Raises
    ------
    BindRefused
        Saying what to do instead.
    """
    if is_local(host) or config.has_login:
        return
    raise BindRefused(
        f"refusing to serve on {host}: only 127.0.0.1 is allowed without a login. Fix: bind to "
        "127.0.0.1, or pass --config FILE with an [auth] users table (password hashes from "
        "`python -m critmin.app.auth`) or an [auth.oidc] section."
    )


def server_options(config: AppConfig, login_template: Path) -> dict[str, Any]:
    """Keyword arguments for :func:`panel.serve` that enforce the configured login ({} if none)."""
    if not config.has_login:
        return {}
    options: dict[str, Any] = {"cookie_secret": secrets.token_urlsafe(32)}
    if config.oidc is not None:
        oidc = config.oidc
        secret = os.environ.get(oidc["client_secret_env"])
        if not secret:
            raise AuthConfigError(
                f"{config.source}: environment variable {oidc['client_secret_env']} (the OIDC client secret) is not set"
            )
        options.update(
            oauth_provider="generic",
            oauth_key=oidc["client_id"],
            oauth_secret=secret,
            oauth_redirect_uri=oidc.get("redirect_uri"),
            oauth_encryption_key=base64.urlsafe_b64encode(secrets.token_bytes(32)),
            oauth_extra_params={
                "AUTHORIZE_URL": oidc["authorize_url"],
                "TOKEN_URL": oidc["token_url"],
                "USER_URL": oidc["user_url"],
            },
        )
        return options
    from critmin.app._login import hashed_auth_provider

    options["auth_provider"] = hashed_auth_provider(config.users, login_template)
    return options


def main() -> int:
    """Print a password hash for the config file (the password is read without echo)."""
    import getpass

    password = getpass.getpass("password: ")
    if password != getpass.getpass("again: "):
        print("the two passwords differ")
        return 1
    print(hash_password(password))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
