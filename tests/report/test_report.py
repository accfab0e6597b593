"""The briefing: self-contained HTML, a PDF whose summary page matches it, sources everywhere."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from critmin.report import content, figures, results
from critmin.report.html import render_html, write_report
from critmin.report.sources import Citations

SCREENSHOTS = Path(__file__).parents[2] / "out" / "screenshots"


def summary_numbers(html: str) -> list[str]:
    summary = html.split('<section class="summary"', 1)[1].split("</section>", 1)[0]
    return re.findall(r"<b class=.num.>([^<]+)</b>", summary)


@pytest.fixture(scope="module")
def briefing(tmp_path_factory, chain_ds, shock, response):
    out = tmp_path_factory.mktemp("briefing")
    return write_report(
        chain_ds, out, shock=shock, response=response, scenario_files=["scenarios/library/test-control.toml"], seed=7
    )


def test_writes_html_and_pdf(briefing):
    html_path, pdf_path = briefing
    assert html_path.name == "briefing.html" and pdf_path.name == "briefing.pdf"
    assert pdf_path.read_bytes()[:5] == b"%PDF-"
    assert not list(html_path.parent.glob(".*"))  # no temporary file left behind


def test_html_is_self_contained(briefing):
    html = briefing[0].read_text(encoding="utf-8")
    assert "<script" not in html
    assert not re.search(r"""(?:src|srcset)\s*=\s*["']?(?:https?:)?//""", html)
    assert not re.search(r"<link[^>]+href", html)
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", html)
    assert "https://pubs.usgs.gov/periodicals/mcs2026/mcs2026-rare-earths.pdf" in html  # as a link only


def test_states_data_version_scenario_and_seed(briefing):
    html = briefing[0].read_text(encoding="utf-8")
    assert re.search(r"Data: [^<]+, version [^<;]+; user data re_chain \(replace\)", html)
    assert "test-control.toml" in html and "Seed: 7" in html


def test_every_figure_carries_sources(briefing):
    html = briefing[0].read_text(encoding="utf-8")
    figures_html = re.findall(r"<figure id=\"[^\"]+\" title=\"([^\"]*)\">.*?Sources: (\[[^\]]*\])", html, re.S)
    assert len(figures_html) >= 8
    for hover, marks in figures_html:
        assert hover.startswith("Sources:") and re.fullmatch(r"\[\d+(, \d+)*\]", marks)
    appendix = html.split('id="sources"', 1)[1]
    for source_id in ("usgs-mcs-2026-ree", "eu-crm-2023", "adamas-2021", "est-test"):
        assert f"<td>{source_id}</td>" in appendix


def test_summary_names_hidden_dependence_and_concentration(briefing):
    html = briefing[0].read_text(encoding="utf-8")
    # Japan's magnets: 23 % shipped from China directly, 91 % through China at some stage.
    assert "<b>Japan</b>, NdFeB magnet" in html and "91%" in summary_numbers(html)
    assert "<b>gallium refining</b>: China makes <b class='num'>99%</b>" in html


def test_pdf_summary_page_matches_html(briefing, tmp_path):
    html_path, pdf_path = briefing
    pages = int(
        re.search(
            r"Pages:\s+(\d+)",
            subprocess.run(["pdfinfo", str(pdf_path)], capture_output=True, text=True, check=True).stdout,
        ).group(1)
    )
    assert 6 <= pages <= 20
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "2", str(pdf_path), str(tmp_path / "page")], check=True
    )
    assert sorted(p.name for p in tmp_path.glob("page-*.png")) == ["page-01.png", "page-02.png"] or sorted(
        p.name for p in tmp_path.glob("page-*.png")
    ) == ["page-1.png", "page-2.png"]
    first = subprocess.run(
        ["pdftotext", "-layout", "-f", "1", "-l", "1", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    numbers = summary_numbers(html_path.read_text(encoding="utf-8"))
    assert len(numbers) >= 10
    flat = re.sub(r"\s+", " ", first)
    for number in numbers:
        assert number in flat, number
    assert "Executive summary" in flat and "1. Who controls each stage" not in flat


def test_missing_results_are_left_out_with_reason(chain_ds):
    html = render_html(chain_ds)
    assert "no shock results were passed to this briefing" in html
    assert "no response results were passed to this briefing" in html
    assert 'id="shock-' not in html and "response-frontier" not in html


def test_shock_and_response_sections_render(briefing):
    html = briefing[0].read_text(encoding="utf-8")
    assert 'id="shock-shortfall-ndfeb"' in html and 'id="response-frontier"' in html
    assert "test-control: total shortfall" in html and 'Budget <b class="num">USD 200,000,000</b>' in html


def test_dataset_without_chain_says_why(tmp_path):
    import critmin

    html = render_html(critmin.load("tests/data/mini"))
    assert "Not drawn: the dataset has no chain coefficients" in html
    assert "Dependence is not computed: the dataset has no chain." in html


def test_sankey_flows_follow_chain_and_sourcing(chain_ds):
    chart = content.chain_sankey(chain_ds)
    assert chart.steps[0] == ("rare_earths", "mining") and chart.steps[-1] == ("ndfeb", "magnet")
    # Japan's magnets need 12,000 x 1.05 t of alloy; Japan sources alloy 12,400 - 0 domestic + 1,000 from China.
    japan = sum(f.tonnes for f in chart.flows if f.upstream == 3 and f.buyer == "JPN")
    assert japan == pytest.approx(12_000 * 1.05)
    svg = figures.sankey(chart, "t")
    assert svg.count("<path") == len(chart.flows)


def test_citations_number_in_order_of_first_use(chain_ds):
    cites = Citations(chain_ds)
    assert cites.marks("eu-crm-2023;adamas-2021") == "[1, 2]"
    assert cites.marks(["adamas-2021", "usgs-mcs-2026-ree"]) == "[2, 3]"
    assert [r.source_id for r in cites.appendix()][:3] == ["eu-crm-2023", "adamas-2021", "usgs-mcs-2026-ree"]


def test_stop_times_orders_by_first_month(shock):
    stops = results.stop_times(shock)
    assert list(stops.columns) == ["country", "sector", "first_month", "months_idle", "share_of_draws"]
    assert stops.first_month.tolist() == sorted(stops.first_month.tolist())


@pytest.mark.browser
def test_html_loads_nothing_from_the_network(briefing):
    from playwright.sync_api import sync_playwright

    requested: list[str] = []

    def route(r):
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            requested.append(r.request.url)
            r.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--headless",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page()
        page.route("**/*", route)
        page.goto(briefing[0].resolve().as_uri())
        page.wait_for_load_state("networkidle")
        assert page.locator("svg.chart").count() >= 8
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "briefing-html.png"))
        browser.close()
    assert requested == []
