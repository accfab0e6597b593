"""The Outlook page: scenario, year slider, a map of the chosen stage's shares, bands, milestones.

The outlook of each shipped scenario is computed once per process and dataset
(:func:`outlook_for`; the server warms the default scenario when it starts), so moving the
slider or switching stage only redraws from stored bands.
"""

from __future__ import annotations

import contextlib
import threading
from html import escape
from typing import TYPE_CHECKING

import panel as pn
import xarray as xr

from critmin.app.markup import figure_html, html_table
from critmin.errors import CritminError
from critmin.outlook import load_scenario
from critmin.outlook.output import OutlookRun, compute_outlook, plan_targets_for
from critmin.report import maps
from critmin.report.content import country_label, step_label
from critmin.report.outlook import band_chart, register_sources
from critmin.report.sources import Citations

if TYPE_CHECKING:
    from critmin.app.views import Session

SCENARIOS = {"IEA stated policies (STEPS)": "steps", "IEA announced pledges (APS)": "aps"}
APP_DRAWS = 50
"""Pipeline draws of the app's outlook (``critmin outlook --draws`` for more)."""
PLAN_YEAR = 2030
FIRST_YEAR, LAST_YEAR = 2025, 2035

_runs: dict[tuple[int, str], tuple[xr.Dataset, OutlookRun]] = {}
_lock = threading.Lock()


def outlook_for(ds: xr.Dataset, scenario: str) -> OutlookRun:
    """The outlook and its 65%-by-2030 plan of `scenario` on `ds`, computed once per process."""
    key = (id(ds), scenario)
    with _lock:  # one computation per key, however many sessions ask at once
        if key not in _runs:  # the dataset is kept with its run so its id is never reused
            _runs[key] = (
                ds,
                compute_outlook(
                    ds,
                    load_scenario(scenario),
                    to=LAST_YEAR,
                    draws=APP_DRAWS,
                    plan_targets=plan_targets_for(PLAN_YEAR),
                    plan_draws=APP_DRAWS,
                ),
            )
        return _runs[key][1]


def warm(ds: xr.Dataset, scenario: str = "steps") -> threading.Thread:
    """Compute `scenario`'s outlook in the background, so the page's first open is quick.

    Bad input (a package without demand) is left for the page to state when it is opened.
    """

    def compute() -> None:
        with contextlib.suppress(CritminError):  # the page computes again and shows the problem
            outlook_for(ds, scenario)

    thread = threading.Thread(target=compute, daemon=True, name="outlook-warm")
    thread.start()
    return thread


def citations(ds: xr.Dataset, run: OutlookRun) -> Citations:
    """The dataset's sources and the outlook's own (scenario rates, announced projects)."""
    cites = Citations(ds)
    register_sources(cites, run.sources)
    return cites


def map_section(ds: xr.Dataset, run: OutlookRun, step: str, year: int) -> str:
    """Choropleth of the median draw's world shares at `step` in `year`, with the shares as a table."""
    result = run.result
    shares = result["country_share"].sel(step=step, year=year, quantile=0.5).to_series().dropna()
    shares = shares[shares > 0]
    material, stage = step.split("/")
    scenario = result.attrs["scenario_title"]
    title = f"{step_label((material, stage))}: world share of output by country, {year}, {scenario} (median draw)"
    ids = run.sources["source_id"].tolist()
    cites = citations(ds, run)
    if shares.empty:
        return f'<p class="absent">No output of {escape(step_label((material, stage)))} in {year}.</p>'
    svg = maps.share_map({str(c): float(v) for c, v in shares.items()}, title)
    rows = [[country_label(str(c)), str(c), f"{v:.1%}"] for c, v in shares.sort_values(ascending=False).items()]
    table = html_table(
        ["country", "ISO3", "share (median draw)"],
        rows,
        cites.hover(ids),
        "outlook-shares",
        csv_name=f"outlook_shares_{material}_{stage}_{year}.csv",
    )
    return figure_html(svg, ids, cites, title) + f"<details><summary>The shares as a table</summary>{table}</details>"


def milestones_section(run: OutlookRun) -> str:
    """The answer table: year each ally's dependence on China falls to 65%, pipeline alone and with the plan."""
    answer = run.answer
    if answer is None:
        return ""
    header = [
        "product", "ally", "direct: pipeline", "direct: plan", "ultimate: pipeline", "ultimate: plan", "plan",
        "plan cost (USD)", "plan buys",
    ]  # fmt: skip
    rows = [
        [
            r.product,
            country_label(r.ally),
            r.direct_pipeline,
            r.direct_plan,
            r.ultimate_pipeline,
            r.ultimate_plan,
            r.plan_status,
            f"{r.plan_cost_usd:,.0f}" if r.plan_cost_usd else "",
            r.plan_buys,
        ]
        for r in answer.itertuples()
    ]
    cost = f"USD {float(answer['plan_total_usd'].iloc[0]):,.0f}" if len(answer) else "USD 0"
    intro = (
        f"<h3>Year each ally's dependence on China falls to 65% or below (median draw)</h3>"
        f"<p>Pipeline alone, and with the cheapest plan for 65% by {PLAN_YEAR} in half the draws "
        f"(cost {escape(cost)}: listed projects backed and recycling, substitution and new plants bought, "
        "all decided in 2026; a project serving several allies counts in each of their rows).</p>"
    )
    return intro + html_table(
        header, rows, "", "outlook-milestones", csv_name=f"answer_{run.result.attrs['scenario']}.csv"
    )


class OutlookPage:
    """Scenario selector, year slider, share map, concentration chart with bands, milestones table."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.scenario = pn.widgets.Select(label="Scenario", options=SCENARIOS, value="steps", width=260)
        self.step = pn.widgets.Select(label="Material and stage", width=240)
        self.year = pn.widgets.IntSlider(
            name="Year", start=FIRST_YEAR, end=LAST_YEAR, value=PLAN_YEAR, step=1, width=320
        )
        self.map = pn.pane.HTML("", sizing_mode="stretch_width", css_classes=["outlook-map"])
        self.chart = pn.pane.HTML("", sizing_mode="stretch_width", css_classes=["outlook-chart"])
        self.table = pn.pane.HTML("", sizing_mode="stretch_width", css_classes=["outlook-table"])
        self.note = pn.pane.HTML("", sizing_mode="stretch_width")
        self.drawn = False
        self.quiet = False
        self.scenario.param.watch(lambda _: self.draw(), "value")
        self.step.param.watch(lambda _: self.draw_step(), "value")
        self.year.param.watch(lambda _: self.draw_map(), "value")
        session.listeners.append(lambda: self.draw() if self.drawn else None)
        self.view = pn.Column(
            pn.pane.HTML(
                '<p class="intro">Supply shares year by year to 2035 as the announced projects come online '
                "(each completes or not and starts late by a sampled delay), and the year each ally's "
                "dependence on China falls to 65%. Bands are 5-95% of the draws.</p>",
                sizing_mode="stretch_width",
            ),
            pn.Row(self.scenario, self.step, self.year),
            self.note,
            self.map,
            self.chart,
            self.table,
            sizing_mode="stretch_width",
            name="Outlook",
        )

    def run(self) -> OutlookRun:
        """The chosen scenario's outlook on the session's dataset (computed once per process)."""
        return outlook_for(self.session.ds, self.scenario.value)

    def draw(self) -> None:
        """Compute (or fetch) the chosen scenario's outlook and redraw everything."""
        self.drawn = True
        try:
            run = self.run()
        except CritminError as error:
            self.note.object = f'<p class="absent">No outlook for this data: {escape(str(error))}</p>'
            self.map.object = self.chart.object = self.table.object = ""
            return
        steps = [str(s) for s in run.result["step"].values]
        labels = {step_label(tuple(s.split("/"))): s for s in steps}  # type: ignore[arg-type]
        previous = self.step.value
        self.quiet = True  # one redraw below, not one per selector change
        self.step.options = labels
        self.step.value = previous if previous in steps else ("ndfeb/magnet" if "ndfeb/magnet" in steps else steps[0])
        self.quiet = False
        self.note.object = (
            f'<p class="note">{escape(run.result.attrs["scenario_title"])}: {int(run.result.attrs["draws"])} draws '
            f"of the project pipeline; shares of world output in %.</p>"
        )
        self.table.object = milestones_section(run)
        self.draw_step()

    def draw_step(self) -> None:
        """The stage changed: its chart with bands and its map."""
        if not self.drawn or self.quiet or self.step.value is None:
            return
        run = self.run()
        self.chart.object = figure_html(
            band_chart(run.result, self.step.value),
            run.sources["source_id"].tolist(),
            citations(self.session.ds, run),
            "China's share (median and 5-95% band) and the top three's share (median) of world output",
        )
        self.draw_map()

    def draw_map(self) -> None:
        """The year or stage changed: the share map of that year."""
        if self.drawn and self.step.value is not None:
            self.map.object = map_section(
                self.session.ds, self.run(), self.step.value, int(self.year.value or PLAN_YEAR)
            )
