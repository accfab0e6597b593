"""Binding and login: local only without a login; hashed passwords from a TOML config file."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from critmin.app import auth
from critmin.app.server import serve

from .conftest import ROOT, free_port, start_app

FAST = {"iterations": 1_000}


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "critmin-app.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_refuses_non_local_address_without_login():
    done = subprocess.run(
        [sys.executable, "-m", "critmin.app.server", "--host", "0.0.0.0", "--port", str(free_port())],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "refusing to serve on 0.0.0.0: only 127.0.0.1 is allowed without a login" in done.stderr
    assert "critmin app on http" not in done.stdout  # no serving line before the refusal


def test_serve_raises_before_binding():
    with pytest.raises(auth.BindRefused, match="--config FILE with an \\[auth\\] users table"):
        serve("192.0.2.10", free_port())


def test_login_config_allows_other_addresses(tmp_path):
    config = auth.load_config(
        write_config(tmp_path, f'[auth]\nusers = {{ analyst = "{auth.hash_password("s3cret", **FAST)}" }}\n')
    )
    auth.check_bind("0.0.0.0", config)  # no error
    assert config.has_login and list(config.users) == ["analyst"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[auth]\nusers = { analyst = "s3cret" }\n', "users.analyst is not of the form pbkdf2_sha256"),
        ('[auth.oidc]\nclient_id = "x"\n', "lacks client_secret_env, authorize_url, token_url, user_url"),
        (
            '[auth.oidc]\nclient_id="x"\nclient_secret="y"\nclient_secret_env="E"\nauthorize_url="a"\ntoken_url="t"\nuser_url="u"\n',
            "holds a client_secret",
        ),
        ("[auth\n", "not valid TOML"),
    ],
)
def test_bad_config_is_refused_with_the_fix(tmp_path, text, message):
    with pytest.raises(auth.AuthConfigError, match=message):
        auth.load_config(write_config(tmp_path, text))


def test_passwords_are_checked_against_hashes():
    encoded = auth.hash_password("s3cret", **FAST)
    assert "s3cret" not in encoded
    assert auth.verify_password("s3cret", encoded)
    assert not auth.verify_password("S3cret", encoded)
    assert not auth.verify_password("s3cret", "plain-text")


def test_configured_login_guards_every_page(tmp_path):
    config = write_config(tmp_path, f'[auth]\nusers = {{ analyst = "{auth.hash_password("s3cret", **FAST)}" }}\n')
    process, port = start_app("--config", str(config), "--data", "tests/report/data/re_chain")
    try:
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10)
        assert page.url.endswith("/login?next=%2F") or "/login" in page.url
        login = page.read().decode()
        assert 'name="password"' in login and "http" not in login.replace('action="/login"', "")
        data = b"username=analyst&password=wrong"
        wrong = urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/login", data=data), timeout=10)
        assert "Invalid username or password" in wrong.read().decode()
    finally:
        process.terminate()
        process.wait(timeout=10)
