"""The briefing's outlook section (6): charts with bands, the milestones table, the plan, CRMA, page count."""

from __future__ import annotations

import json
import re
import subprocess
from html import escape, unescape

import pytest

import critmin
from critmin.outlook import load_scenario
from critmin.outlook.output import compute_outlook, plan_targets_for
from critmin.report import figures
from critmin.report.html import render_html, write_report
from critmin.report.outlook import _in_sentence


@pytest.fixture(scope="module")
def outlook_run():
    ds = critmin.load()
    run = compute_outlook(
        ds,
        load_scenario("steps"),
        draws=4,
        plan_targets=plan_targets_for(2030),
        plan_draws=4,
        shocks=("heavy_ree_licensing_2025",),
        shock_draws=3,
    )
    return ds, run


@pytest.fixture(scope="module")
def section(outlook_run):
    ds, run = outlook_run
    html = render_html(ds, outlook=run)
    return html.split('<section id="outlook">', 1)[1].split("</section>", 1)[0]


def test_charts_show_the_band_unit_scenario_and_draws(section):
    for anchor, step in (("outlook-ndfeb-magnet", "NdFeB magnet"), ("outlook-gallium-refining", "gallium refining")):
        figure = section.split(f'<figure id="{anchor}"', 1)[1].split("</figure>", 1)[0]
        assert "<title>5-95 % of draws</title>" in figure
        caption = figure.split("<figcaption>", 1)[1]
        assert caption.startswith(f"<b>{step}</b>: share of world output (%), IEA stated policies (STEPS)")
        ticks = re.findall(r'text-anchor="end"[^>]*>([^<]+)</text>', figure.split("<figcaption>", 1)[0])
        assert ticks == ["0%", "25%", "50%", "75%", "100%"]  # as the tables below write shares
        assert "over 4 draws" in caption


def test_milestones_table_is_the_answer_table(outlook_run, section):
    _, run = outlook_run
    table = section.split('<table class="outlook milestones"', 1)[1].split("</table>", 1)[0]
    row = run.answer.loc[(run.answer["target"] == "ndfeb/magnet") & (run.answer["ally"] == "USA")].iloc[0]
    short = [("–" if v.startswith("not by") else v) for v in (row.direct_pipeline, row.ultimate_pipeline)]
    cells = re.findall(r"<td>([^<]*)</td>", table.split("<td>NdFeB magnets</td>", 1)[1].split("</tr>", 1)[0])
    assert cells[0].startswith(f"{short[0]} / {short[1]}")
    assert "<th>United States</th>" in table and "– = not by 2035" in table


def test_plan_states_cost_and_the_targets_no_plan_can_meet(outlook_run, section):
    _, run = outlook_run
    counts = run.found.targets["status"].value_counts()
    assert "The cheapest plan for the 65% target by 2030" in section
    assert f"{counts.get('no plan can meet', 0)} by no plan" in section
    blocked = run.found.targets.loc[run.found.targets["status"] == "no plan can meet"]
    if len(blocked):
        assert "No plan can meet these by 2030, and why:" in section
    # each blocked target is listed under the cause the plan gave for it, never under "lead times"
    # when nothing serves it at all (the briefing once blamed lead times for every blocked target)
    unserved = blocked["reason"].str.startswith("no listed project or option serves it")
    assert unserved.any() == ("no listed project or option serves them" in section)
    if (~unserved).any():
        assert "too late or too small" in section
    assert "come online too late or too small (lead times)" not in section


def test_plan_lists_the_options_it_buys(outlook_run, section):
    _, run = outlook_run
    bought = run.found.bought
    assert len(bought)  # on the packaged data the plan buys recycling or new plants
    for name in bought["name"].unique():
        assert f"<li>Buy {escape(_in_sentence(name))} (" in section


def test_what_the_plan_saves_if_a_shock_hits(outlook_run, section):
    _, run = outlook_run
    table = section.split("<h2>What the plan saves if a shock hits</h2>", 1)[1].split("</table>", 1)[0]
    assert "(3 draws each, same draws both times)" in table
    assert (
        "the plan's capacity in 2030 is added to today's network (the data each shock runs on, 2024 at the latest)"
        in table
    )
    loss = run.resilience.loc[run.resilience.measure == "loss_usd_allies"].iloc[0]
    cells = re.findall(r"<td>([^<]*)</td>", table.split("<td>heavy_ree_licensing_2025</td>", 1)[1])[:3]
    assert cells[:2] == [figures.usd(loss.without_plan), figures.usd(loss.with_plan)]
    assert cells[2].startswith(figures.usd(loss.avoided) + " (")


def test_crma_table_is_the_eu27s(outlook_run, section):
    _, run = outlook_run
    crma = section.split("EU Critical Raw Materials Act benchmarks, EU-27", 1)[1]
    eu = run.crma.loc[(run.crma.importer == "EU27") & (run.crma.step == "gallium/refining")].iloc[0]
    year = "not by 2035" if eu.year_met is None or str(eu.year_met) == "<NA>" else str(eu.year_met)
    assert f"<td>gallium refining</td><td>{escape(eu.benchmark)}</td>" in crma and year in crma


def test_section_fits_three_pages_and_terms_are_in_the_glossary(outlook_run, tmp_path):
    ds, run = outlook_run
    html_path, pdf_path = write_report(ds, tmp_path, outlook=run)
    glossary = html_path.read_text(encoding="utf-8").split('id="glossary"', 1)[1]
    for term in ("outlook", "cheapest plan", "no plan can meet", "CRMA benchmarks", "top-three share"):
        assert f"<dt>{term}</dt>" in glossary
    info = subprocess.run(["pdfinfo", str(pdf_path)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    text = [
        subprocess.run(
            ["pdftotext", "-f", str(i), "-l", str(i), str(pdf_path), "-"], capture_output=True, text=True
        ).stdout
        for i in range(1, pages + 1)
    ]
    first = next(i for i, t in enumerate(text) if "6. Outlook to 2035" in t)
    last = next(i for i, t in enumerate(text) if "Appendix: glossary" in t)
    assert last - first <= 3  # the section's own pages, counting the one it starts on


def boxes_of_legend_names(svg: str) -> list[tuple[str, float, float, float, float]]:
    """(name, x0, y0, x1, y1) of every text naming a plotted line, as drawn (11 px, its anchor applied)."""
    from critmin.report.figures import text_width

    names = set(json.loads(unescape(re.search(r'data-values="([^"]*)"', svg).group(1))))
    out = []
    for x, y, anchor, text in re.findall(
        r'<text x="([\d.]+)" y="([\d.]+)"[^>]*text-anchor="(\w+)"[^>]*>([^<]+)</text>', svg
    ):
        if unescape(text) in names:
            width = text_width(unescape(text), 11)
            left = float(x) - (width if anchor == "end" else 0.0)
            out.append((unescape(text), left, float(y) - 11, left + width, float(y) + 3))
    return out


def line_boxes(svg: str) -> list[tuple[float, float, float, float]]:
    boxes = []
    for points in re.findall(r'<polyline points="([^"]+)"', svg):
        xy = [tuple(map(float, p.split(","))) for p in points.split()]
        boxes.append((min(x for x, _ in xy), min(y for _, y in xy), max(x for x, _ in xy), max(y for _, y in xy)))
    return boxes


def legend_on_lines(svg: str) -> list[str]:
    """Legend names whose box meets the extent of a data line, or that leave the chart."""
    height = float(re.search(r'viewBox="0 0 \d+ ([\d.]+)"', svg).group(1))
    legend = boxes_of_legend_names(svg)
    assert legend, "no legend names the lines"
    hits = [n for n, x0, y0, x1, y1 in legend if y1 > height]
    for name, x0, y0, x1, y1 in legend:
        for lx0, ly0, lx1, ly1 in line_boxes(svg):
            if x0 < lx1 and lx0 < x1 and y0 < ly1 and ly0 < y1:
                hits.append(name)
    return hits


def test_no_legend_sits_on_a_line(section):
    # the outlook's shares run near 1.0, where the legend used to be drawn, over the lines
    charts = re.findall(r'<svg[^>]*data-chart="bands".*?</svg>', section)
    assert len(charts) == 2
    assert [legend_on_lines(svg) for svg in charts] == [[], []]


def test_no_legend_sits_on_a_line_in_shock_and_frontier_charts():
    from critmin.report import figures

    months = [f"2025-{m:02d}" for m in range(1, 13)]
    price = figures.bands(
        months, {"median": [1.9] * 12, "previous run (median)": [1.85] * 12}, "t", "price ratio",
        outer=([0.9] * 12, [2.0] * 12), baseline=1.0, marks=[(2, "CHN export control")],
    )  # fmt: skip
    frontier = figures.frontier([0, 1e9, 2e9], {"expected loss": [24e9] * 3, "CVaR 95%": [23e9] * 3}, "t", chosen=1e9)
    assert legend_on_lines(price) == [] and legend_on_lines(frontier) == []
