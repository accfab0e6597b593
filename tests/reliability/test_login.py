"""Login: no username oracle by timing, a per-client limit, a bounded SameSite session cookie."""

from __future__ import annotations

import http.client
import time
from pathlib import Path

from critmin.app import auth
from tests.app.conftest import start_app


class _Reply:
    def __init__(self, status: int, headers: list[tuple[str, str]]) -> None:
        self.status, self.headers = status, headers

    def getheaders(self) -> list[tuple[str, str]]:
        return self.headers


def _post(port: int, body: str) -> _Reply:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        response.read()
        return _Reply(response.status, response.getheaders())
    finally:
        connection.close()


def test_login_timing_limit_and_cookie(tmp_path: Path) -> None:
    slow = auth.hash_password("s3cret", iterations=200_000)
    config = tmp_path / "app.toml"
    config.write_text(f'[auth]\nusers = {{ analyst = "{slow}" }}\n', encoding="utf-8")
    process, port = start_app("--config", str(config), "--data", "tests/report/data/re_chain")
    try:
        ok = _post(port, "username=analyst&password=s3cret")
        cookies = [value for name, value in ok.getheaders() if name.lower() == "set-cookie"]
        user_cookie = next(c for c in cookies if c.startswith("user="))
        assert "SameSite=Lax" in user_cookie and "HttpOnly" in user_cookie
        expires = user_cookie.split("expires=")[1].split(";")[0]
        lifetime = time.mktime(time.strptime(expires, "%a, %d %b %Y %H:%M:%S GMT")) - time.mktime(time.gmtime())
        assert 0 < lifetime <= 12 * 3600 + 60
        timings = {}
        for name in ("analyst", "nobody"):
            started = time.perf_counter()
            assert _post(port, f"username={name}&password=wrong").status == 302
            timings[name] = time.perf_counter() - started
        assert timings["nobody"] > 0.5 * timings["analyst"]
        statuses = [_post(port, "username=analyst&password=wrong").status for _ in range(4)]
        assert statuses == [302, 302, 302, 429]
        assert _post(port, "username=analyst&password=s3cret").status == 429
    finally:
        process.terminate()
        process.wait(timeout=10)
