"""The briefing: self-contained HTML, a PDF whose summary page matches it, sources everywhere."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from critmin.report import content, figures, results
from critmin.report.html import render_html, write_report
from critmin.report.response_view import Backing, ResponseView
from critmin.report.sources import Citations

SCREENSHOTS = Path(__file__).parents[2] / "out" / "screenshots"


def summary_numbers(html: str) -> list[str]:
    summary = html.split('<section class="summary"', 1)[1].split("</section>", 1)[0]
    return re.findall(r"<b class=.num.>([^<]+)</b>", summary)


def page_fullness(pdf: Path, dpi: int = 12) -> list[float]:
    """Per page of `pdf`, how far down it is printed: the lowest non-white row over the page height."""
    raw = subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", str(pdf)], capture_output=True, check=True).stdout
    out = []
    while raw:  # pdftoppm writes one binary PGM (P5) after another
        magic, width, height, depth, rest = raw.split(maxsplit=4)
        assert magic == b"P5" and depth == b"255"
        w, h = int(width), int(height)
        pixels, raw = rest[: w * h], rest[w * h :]
        inked = [row for row in range(h) if min(pixels[row * w : (row + 1) * w]) < 200]
        out.append((max(inked) + 1) / h if inked else 0.0)
    return out


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
        assert hover.startswith("Sources:") and re.fullmatch(r"\[\d+(?:–\d+)?(?:, \d+(?:–\d+)?)*\]", marks)
    appendix = html.split('id="sources"', 1)[1]
    for source_id in ("usgs-mcs-2026-ree", "eu-crm-2023", "adamas-2021", "est-test"):
        assert f"<td>{source_id}</td>" in appendix


def test_summary_names_hidden_dependence_and_concentration(briefing):
    html = briefing[0].read_text(encoding="utf-8")
    # Japan's magnets: 23 % shipped from China directly, 91 % through China at some stage.
    assert "<b>Japan</b>, NdFeB magnet" in html and "91%" in summary_numbers(html)
    assert "<b>gallium refining</b>: China makes <b class='num'>99%</b>" in html
    assert "Not included: no outlook was passed to this briefing" in html


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
    # the re_chain package has no value of lost production: ranked by tonnes, and the briefing says so
    assert re.search(r"test-control, by tonnes: allied final shortfall of (NdFeB|gallium) <b", html)
    assert re.search(r"Ranked by tonnes of (NdFeB|gallium), the material most short \(tonnes of different", html)
    assert "Budget <b class='num'>USD 1.5 m</b>" in html and "<b class='num'>USD 5.0 m</b> avoided" in html
    assert "JOGMEC: NdPr" in html and 'id="response-portfolio"' in html


def test_dataset_without_chain_says_why(tmp_path):
    import critmin

    html = render_html(critmin.load("tests/data/mini"))
    assert "No chain is drawn: the dataset has no chain coefficients." in html
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


def test_stop_times_without_a_valuation_orders_allies_by_first_month(shock):
    stops = results.stop_times(shock)
    assert list(stops.columns) == [
        "country",
        "sector",
        "first_month",
        "months_idle",
        "share_of_draws",
        "loss_usd",
        "short_t",
    ]
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


def test_response_view_reads_result_frontier_or_both(response):
    both = results.response_view(response)
    assert both.budgets == [0.0, 512_500.0, 1.5e6] and both.budget == 1.5e6
    assert both.loss_avoided_usd == pytest.approx(5e6) and both.cvar_avoided_usd == pytest.approx(1e7)
    assert [(p.holder, p.material, round(p.tonnes, 6)) for p in both.stockpiles] == [("JOGMEC", "ndpr", 10.0)]
    only_front = results.response_view(response["frontier"])
    assert only_front.budget == 1.5e6 and "within 1 %" in only_front.budget_note
    assert only_front.do_nothing_loss_usd == 1e7 and only_front.stockpiles[0].tonnes == pytest.approx(10.0)
    only_result = results.response_view(response["portfolio"])
    assert only_result.budgets == [] and "carry no frontier" in only_result.notes[0]
    assert only_result.expected_loss_usd == 5e6


def test_option_sources_come_from_the_packaged_tables():
    import pandas as pd

    from critmin.data import packaged_path

    ids = results.option_sources()
    table = pd.read_csv(packaged_path() / "response_projects.csv")
    first = table.iloc[0]
    assert ids[("project", first.project_id)] == [first.source_id]
    assert ids[("stockpile", "ALLIANCE", "ndpr")] == ["est-response-stockpile"]


def shock_pair():
    """Two scenarios: 1,000 t of natural graphite short for batteries, or 10 t of gallium for chips."""
    import numpy as np
    import xarray as xr

    coords = {
        "scenario": ["graphite-heavy", "gallium-light"],
        "draw": [0, 1],
        "month": pd.date_range("2026-01-01", periods=2, freq="MS").values,
        "material": ["graphite_natural", "gallium"],
        "country": ["USA", "CHN"],
        "sector": ["batteries", "semiconductors"],
    }
    need = np.zeros(tuple(len(v) for v in coords.values()))
    need[0, :, :, 0, 0, 0] = 500.0  # graphite-heavy: 2 months x 500 t for US batteries
    need[1, :, :, 1, 0, 1] = 5.0  # gallium-light: 2 months x 5 t for US chips
    need[:, :, :, :, 1, :] = 1e6  # China's own shortfall is not the allies' loss
    dims = tuple(coords)
    return xr.Dataset(
        {"final_need": (dims, need, {"units": "t/month"}), "final_use": (dims, np.zeros_like(need))}, coords=coords
    )


def test_worst_scenario_by_allied_loss_in_usd_else_tonnes():
    import critmin

    shock = shock_pair()
    by_usd = results.worst_scenario(shock, critmin.load())
    assert by_usd.name == "gallium-light" and by_usd.basis == "USD" and by_usd.ranked == 2
    # 10 t x the dataset's value_lost_production_semiconductors for gallium (116 m USD/t)
    assert by_usd.loss_median_usd == pytest.approx(10 * 116e6)
    assert by_usd.shortfall_by_material == {"gallium": pytest.approx(10.0)}  # tonnes per material, never summed
    by_tonnes = results.worst_scenario(shock)
    assert by_tonnes.name == "graphite-heavy" and by_tonnes.basis == "tonnes"
    assert by_tonnes.basis_note.startswith(
        "Ranked by tonnes of graphite natural, the material most short (tonnes of different materials are not "
        "added), not USD: no dataset"
    )
    as_mapping = results.worst_scenario({n: shock.sel(scenario=n) for n in shock.scenario.values}, critmin.load())
    assert as_mapping.name == "gallium-light"


def test_appendix_lists_only_cited_sources(chain_ds):
    html = render_html(chain_ds)
    appendix = html.split('id="sources"', 1)[1]
    rows = re.findall(r'<tr id="source-(\d+)">', appendix)
    assert rows == [str(n) for n in range(1, len(rows) + 1)]
    cited = set(re.findall(r"Sources: \[([^\]]*)\]", html.split('id="sources"', 1)[0]))
    assert cited
    total = chain_ds.sizes["source"]
    further = total - len(rows)
    line = (
        f"{further} further sources? in the dataset (are|is) not cited"
        if further
        else "Every source in the dataset is cited"
    )
    assert re.search(line, appendix)


def test_dependence_figures_keep_each_allys_key_products(chain_ds):
    from critmin.report.html import KEY_HIDDEN, KEY_PRODUCTS, key_dependence

    exp = content.exposure(chain_ds)
    for material, stage in exp.targets:
        rows = key_dependence(exp, f"{material}/{stage}")
        full = content.ally_dependence(exp, f"{material}/{stage}")
        if material in KEY_PRODUCTS:
            assert len(rows) == len(full)
        else:
            final = content.final_rows(exp.dependence)
            hidden = final[final.target == f"{material}/{stage}"].groupby("importer").hidden.max()
            assert all(hidden[a] >= KEY_HIDDEN - 1e-9 for a in rows.importer)


@pytest.mark.filterwarnings("ignore::FutureWarning")  # xarray's notice about a merge default, inside the optimiser
def test_briefing_with_a_real_optimiser_run_on_the_default_data(tmp_path):
    import critmin
    from critmin.optimise import optimise_from_scenarios
    from critmin.scenarios import load_scenario
    from critmin.shock import run

    ds = critmin.load()
    scenarios = ["japan_ree_magnet_halt_6m", "critical_minerals_ban_usa"]
    result = optimise_from_scenarios(ds, scenarios, 5e8, draws=2, seed=1)
    shocks = {name: run(ds, load_scenario(name), draws=2) for name in scenarios}  # page 1 as full as `critmin run`'s
    html_path, pdf_path = write_report(ds, tmp_path, shock=shocks, response=result, scenario_files=scenarios)
    html = html_path.read_text(encoding="utf-8")
    summary = html.split('<section class="summary"', 1)[1].split("</section>", 1)[0]
    avoided = float(result.do_nothing_loss_usd - result.expected_loss_usd)
    assert f"<b class='num'>{figures.usd(avoided)}</b> avoided" in summary
    assert "Months of cover gained" in summary and "First to stop" in summary
    assert "5–95 % of 2 draws" in summary  # the tail range says how few draws it rests on
    assert "carry no frontier" in html and "est-response-stockpile" in html.split('id="sources"', 1)[1]
    info = subprocess.run(["pdfinfo", str(pdf_path)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages <= 36  # a Sankey per material's chain (13), two maps, section 4's charts, the stop appendix
    assert [n for n, full in enumerate(page_fullness(pdf_path), start=1) if full < 0.5 and n < pages] == []
    first = subprocess.run(
        ["pdftotext", "-layout", "-f", "1", "-l", "1", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = re.sub(r"\s+", " ", first)
    numbers = summary_numbers(html)
    assert figures.usd(avoided) in numbers and len(numbers) >= 10
    for number in numbers:
        assert number in flat, number
    # the summary is one page, down to its last line: page 2 is section 1, never the summary's tail
    assert "1. Who controls each stage" not in flat and "Sources appendix; terms" in flat
    second = subprocess.run(
        ["pdftotext", "-layout", "-f", "2", "-l", "2", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert second.strip().startswith("1. Who controls each stage"), second[:300]


def test_out_of_sample_check_is_stated(chain_ds, response):
    check = {
        "loss_avoided_usd": 4e6,
        "expected_loss_without_usd": 10e6,
        "in_sample_loss_avoided_usd": 5e6,
        "cvar_without_usd": 20e6,
        "cvar_with_usd": 12e6,
    }
    html = render_html(chain_ds, response={**response, "check": check})
    assert (
        "Tested on fresh simulated draws, not those it was chosen on: the portfolio avoids USD 4.0 m of "
        "USD 10 m expected loss (USD 5.0 m in the draws it was optimised on), and the mean of the worst 5% "
        "of draws falls from USD 20 m to USD 12 m."
    ) in html


def test_dependence_charts_say_ultimate_shares_overlap(briefing):
    from html import unescape

    from critmin.report.tables import NOT_EXCLUSIVE

    html = briefing[0].read_text(encoding="utf-8")
    captions = re.findall(r'<figure id="dependence-[^"]+".*?<figcaption>(.*?)</figcaption>', html, re.S)
    assert captions and all(NOT_EXCLUSIVE in unescape(c) for c in captions)
    assert "ultimate (any stage; origins overlap)" in html


def test_page_one_names_a_backed_project_as_a_reader_would():
    from critmin.report.html import _what_it_buys

    backed = Backing("R08-narva-magnets", "ndfeb", "grant", 8.1e7, 8.1e7, [])
    view = ResponseView(
        budgets=[], expected_loss=[], cvar=[], budget=1e8, budget_note="", expected_loss_usd=1.0, cvar_usd=1.0,
        do_nothing_loss_usd=2.0, do_nothing_cvar_usd=2.0, outlay_usd=8.1e7, cvar_alpha=0.95, stockpiles=[],
        projects=[backed], research=[], cover=[], scenarios=["s"], draws=2, notes=[],
    )  # fmt: skip
    text = " ".join(_what_it_buys(view))
    assert "backs Narva sintered magnet plant (Neo Performance Materials) (grant)" in text
    assert "R08-narva-magnets" not in text


def test_prose_and_captions_spell_materials_as_the_charts_do(briefing):
    # 'ndfeb' and 'ndpr' are file codes: a reader sees NdFeB and NdPr everywhere, as the chart headers show them
    text = re.sub(
        r"<[^>]+>",
        " ",
        re.sub(
            r"<svg.*?</svg>|<(?:style|script)>.*?</(?:style|script)>",
            "",
            briefing[0].read_text(encoding="utf-8"),
            flags=re.S,
        ),
    )
    words = re.findall(r"(?<![\w/#=\"-])(ndfeb|ndpr)(?![\w/\"-])", text)
    assert words == []
    assert "Simulated shortfall of NdFeB by month" in text
