"""The briefing's outlook section (6): charts with bands, the milestones table, the plan, CRMA, page count."""

from __future__ import annotations

import re
import subprocess
from html import escape

import pytest

import critmin
from critmin.outlook import load_scenario
from critmin.outlook.output import compute_outlook, plan_targets_for
from critmin.report import figures
from critmin.report.html import render_html, write_report


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
        assert caption.startswith(f"<b>{step}</b>: share of world output (0-1), IEA stated policies (STEPS)")
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
        assert "No plan can meet these by 2030: the projects and options serving them come online too late" in section


def test_plan_lists_the_options_it_buys(outlook_run, section):
    _, run = outlook_run
    bought = run.found.bought
    assert len(bought)  # on the packaged data the plan buys recycling or new plants
    for name in bought["name"].unique():
        assert f"<li>Buy {escape(name)} (" in section


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
