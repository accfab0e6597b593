"""tools/screenshots.py shows the main job's briefing, never the bare one `critmin report` writes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("screenshots_tool", ROOT / "tools" / "screenshots.py")
assert spec and spec.loader
screenshots = importlib.util.module_from_spec(spec)
spec.loader.exec_module(screenshots)

TEMPLATE = ROOT / "critmin" / "report" / "templates" / "briefing.html.j2"


def _briefing(out: Path, html: str) -> Path:
    (out / "report").mkdir(parents=True)
    (out / "report" / "briefing.html").write_text(html, encoding="utf-8")
    (out / "report" / "briefing.pdf").write_bytes(b"%PDF-1.7")
    return out / "report" / "briefing.pdf"


def test_a_briefing_with_results_and_portfolio_is_used(tmp_path: Path) -> None:
    pdf = _briefing(tmp_path, "<h2>Scenarios</h2><h2>Recommended portfolio</h2>")
    assert screenshots.main_job_briefing(tmp_path) == pdf


def test_a_briefing_without_results_is_not_the_main_jobs(tmp_path: Path) -> None:
    _briefing(tmp_path, '<p class="absent">Not included: no shock results were passed to this briefing.</p>')
    assert screenshots.main_job_briefing(tmp_path) is None
    assert screenshots.main_job_briefing(tmp_path / "missing") is None


def test_the_markers_are_what_the_template_writes() -> None:
    template = TEMPLATE.read_text(encoding="utf-8")
    assert all(missing in template for missing in screenshots.MISSING_RESULTS)
