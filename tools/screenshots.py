"""Screenshots of every app page and of the briefing's first two pages, for review (out/screenshots/).

.venv/bin/python tools/screenshots.py                 # the main job's briefing (out/report), run first if absent
.venv/bin/python tools/screenshots.py --briefing DIR  # that folder's briefing.pdf instead

The briefing shown is the main job's (``critmin run --out out``): the one with the scenario results
and the recommended portfolio. ``critmin report`` alone writes a briefing without them to the same
folder, so the briefing's HTML twin is read to tell them apart.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.app.conftest import CHROMIUM_ARGS, start_app  # noqa: E402
from tests.app.test_browser import PAGES  # noqa: E402  (the same pages the browser tests open)
from tests.app.test_browser_outlook import MAP as OUTLOOK_MAP  # noqa: E402


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
                if name == "Outlook":  # computed once per process, started with the server
                    page.wait_for_selector(OUTLOOK_MAP, timeout=120_000)
                page.wait_for_timeout(1500)
                page.screenshot(path=str(out / f"app-{name.lower()}.png"), full_page=True)
                print(f"wrote {out / f'app-{name.lower()}.png'}")
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
    return blocked


MISSING_RESULTS = ("no shock results were passed", "no response results were passed")
"""What a briefing says where it lacks the scenario results or the portfolio (templates/briefing.html.j2)."""


def main_job_briefing(out: Path) -> Path | None:
    """The briefing.pdf under `out`/report when it has scenario results and a portfolio, else None."""
    pdf, html = out / "report" / "briefing.pdf", out / "report" / "briefing.html"
    if not pdf.exists() or not html.exists():
        return None
    text = html.read_text(encoding="utf-8")
    return None if any(missing in text for missing in MISSING_RESULTS) else pdf


def briefing_pages(folder: Path | None, out: Path) -> None:
    """Pages 1 and 2 of the briefing PDF as PNG at 90 dpi (the main job is run first when needed)."""
    if folder is not None:
        pdf = folder / "briefing.pdf"
    else:
        pdf = main_job_briefing(ROOT / "out") or _run_main_job(ROOT / "out")
    for old in out.glob("briefing-page-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-f", "1", "-l", "2", "-r", "90", "-png", str(pdf), str(out / "briefing-page")],
                   check=True)  # fmt: skip
    print(f"wrote {', '.join(sorted(p.name for p in out.glob('briefing-page-*.png')))} from {pdf}")


def _run_main_job(out: Path) -> Path:
    critmin = Path(sys.executable).parent / "critmin"
    print(f"no main-job briefing in {out}: running `critmin run --out {out}` (a few minutes)")
    subprocess.run([str(critmin), "run", "--out", str(out)], check=True, cwd=ROOT)
    pdf = main_job_briefing(out)
    if pdf is None:
        raise SystemExit(f"the main job wrote no briefing.pdf in {out / 'report'}: is Chromium installed?")
    return pdf


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
