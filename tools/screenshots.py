"""Screenshots of every app page and of the briefing's first two pages, for review (out/screenshots/).

.venv/bin/python tools/screenshots.py                         # writes a briefing to out/report first
.venv/bin/python tools/screenshots.py --briefing out/report   # uses that folder's briefing.pdf

Needs the dev tools (Playwright) and Debian's Chromium and poppler (``make browser-tools``). The
app runs on 127.0.0.1 and the browser may reach nothing else: a request to any other host is
refused and reported, so a screenshot never shows something fetched from the network.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.app.conftest import CHROMIUM_ARGS, start_app  # noqa: E402

PAGES = ["Exposure", "Scenario", "Response", "Sources", "Data", "Glossary"]


def app_pages(out: Path) -> list[str]:
    """Every app page, full height; returns the non-local requests the pages tried (refused)."""
    from playwright.sync_api import sync_playwright

    process, port = start_app()
    blocked: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 900})

            def route(r) -> None:  # type: ignore[no-untyped-def]
                if r.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
                    r.continue_()
                else:
                    blocked.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.goto(f"http://127.0.0.1:{port}/", timeout=120_000)
            page.wait_for_selector('svg[data-chart="share-map"]', timeout=120_000)
            for name in PAGES:
                page.locator(".bk-tab", has_text=name).click()
                page.wait_for_timeout(1500)
                page.screenshot(path=str(out / f"app-{name.lower()}.png"), full_page=True)
                print(f"wrote {out / f'app-{name.lower()}.png'}")
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
    return blocked


def briefing_pages(folder: Path | None, out: Path) -> None:
    """Pages 1 and 2 of the briefing PDF as PNG (written first when no folder is given)."""
    if folder is None:
        folder = ROOT / "out" / "report"
        critmin = Path(sys.executable).parent / "critmin"
        subprocess.run([str(critmin), "report", "--out", str(folder)], check=True, cwd=ROOT)
    pdf = folder / "briefing.pdf"
    subprocess.run(["pdftoppm", "-f", "1", "-l", "2", "-r", "80", "-png", str(pdf), str(out / "briefing-page")],
                   check=True)  # fmt: skip
    print(f"wrote {out}/briefing-page-1.png, -2.png from {pdf}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--briefing", type=Path, default=None, help="folder holding briefing.pdf")
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    blocked = app_pages(args.out)
    briefing_pages(args.briefing, args.out)
    if blocked:
        print("requests to other hosts were refused: " + ", ".join(blocked), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
