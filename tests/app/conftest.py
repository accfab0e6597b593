"""A running app (subprocess on 127.0.0.1, a free port) and a Chromium that may reach only it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SCREENSHOTS = ROOT / "out" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_app(*args: str, port: int | None = None, wait: bool = True) -> tuple[subprocess.Popen[str], int]:
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "critmin.app.server", "--port", str(port), *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "BOKEH_ALLOW_WS_ORIGIN": ""},
    )
    deadline = time.monotonic() + 180  # the app computes exposure before it serves: slow on a busy machine
    while wait and time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited with status {process.returncode}; run it by hand to see why")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/liveness", timeout=1)
        except OSError as error:
            if getattr(error, "code", None):  # an HTTP answer: the server is up
                break
            time.sleep(0.3)
            continue
        break
    return process, port


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    process, port = start_app()
    yield f"http://127.0.0.1:{port}/"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")  # closed before other folders' tests start their own Playwright
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Offline:
    """A browser context whose requests may go only to 127.0.0.1; others are aborted and kept."""

    def __init__(self, browser) -> None:
        self.context = browser.new_context(viewport={"width": 1366, "height": 900})
        self.blocked: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def open(self, url: str) -> None:
        self.page.goto(url, timeout=90_000)  # a session is built when its page is served: slow on a busy machine
        self.page.wait_for_selector("text=Who controls each stage", timeout=60_000)

    def tab(self, name: str) -> None:
        self.page.locator(".bk-tab", has_text=name).click()
        self.page.wait_for_timeout(400)

    def close(self) -> None:
        self.context.unroute_all(behavior="ignoreErrors")
        self.context.close()


def _no_request_left_the_machine(session: Offline) -> None:
    # After every test, whatever it clicked or uploaded: a request to any other host fails it.
    session.page.wait_for_timeout(500)  # late stylesheet and font loads after the last action
    blocked = list(session.blocked)
    session.close()
    assert blocked == [], f"requests to non-local hosts: {blocked}"


@pytest.fixture
def offline(browser):
    session = Offline(browser)
    yield session
    _no_request_left_the_machine(session)


@pytest.fixture
def second(browser):
    session = Offline(browser)
    yield session
    _no_request_left_the_machine(session)
