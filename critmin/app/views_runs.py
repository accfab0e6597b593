"""The Scenario page: a form that builds a scenario and runs the simulator when installed.

Runs go to a child process (:mod:`critmin.app.jobs`) through :class:`critmin.app.runner.Runner`,
show progress and can be cancelled. When ``critmin.shock.run`` is not importable the page says so
(it still builds and validates the scenario), so nothing is faked. The Response page is in
:mod:`critmin.app.views_response`; its names stay importable from here.
"""

from __future__ import annotations

import json
import math
from html import escape
from typing import Any

import panel as pn
import xarray as xr

from critmin.app.jobs import SHOCK_ENGINE, Job, engine_available
from critmin.app.runner import POLL_MS, RUNNING, STARTED, Runner
from critmin.app.views import Session, _html, _intro, figure_html, html_table, material_label
from critmin.app.views_response import (  # the Response page, importable from here as before
    DEFAULT_SCENARIOS,
    PORTFOLIO_COLUMNS,
    ResponsePage,
    library_scenarios,
    portfolio_csv,
    response_html,
)
from critmin.errors import Issue, ScenarioError
from critmin.report import content, figures, results
from critmin.report import shock_charts as charting
from critmin.report.content import country_label
from critmin.report.html import input_ids
from critmin.report.sources import Citations
from critmin.report.stops import tonnes_by_material
from critmin.scenarios.spec import parse_scenario
from critmin.vocabulary import ALLIES, SECTORS, sector_label, stages_of

KINDS = {"Export control": "export_control", "Outage": "outage", "Demand surge": "demand_surge"}
FORM_NUMBERS = ("horizon", "seed", "draws", "begin", "duration", "share", "project_tonnes", "project_online")
"""Form fields that must be numbers; every other value is written as an escaped TOML string."""


def _text(value: Any) -> str:
    """A TOML basic string: the value escaped (JSON's escapes are TOML's), so it cannot add keys or tables."""
    return json.dumps(str(value))


def _numbers(form: dict[str, Any]) -> dict[str, Any]:
    """The form with its numeric fields checked as finite numbers (the browser's limits are not trusted)."""
    issues = []
    for key in FORM_NUMBERS:
        value = form.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            issues.append(Issue("scenario form", 0, key, f"{value!r} is not a number", "give a number"))
    if issues:
        raise ScenarioError(issues)
    return form


def scenario_toml(form: dict[str, Any]) -> str:
    """TOML text of a one-event scenario from the form's values (validated by parse_scenario).

    Examples
    --------
    >>> text = scenario_toml({"kind": "outage", "country": "CHN", "material": "ndfeb", "stage": "magnet",
    ...                       "share": 0.5, "start": "2025-01", "begin": 1, "duration": 6, "horizon": 12,
    ...                       "draws": 10, "seed": 1, "destinations": [], "sector": "all", "name": "x"})
    >>> parse_scenario(text).events[0].capacity_lost
    0.5
    """
    form = _numbers(form)
    lines = [
        f"name = {_text(form['name'])}",
        'description = "Built in the critmin app"',
        f"horizon_months = {int(form['horizon'])}",
        f"start = {_text(form['start'])}",
        f"seed = {int(form['seed'])}",
        f"draws = {int(form['draws'])}",
        "",
        "[[events]]",
        f"kind = {_text(form['kind'])}",
    ]
    begin, end = int(form["begin"]), int(form["begin"]) + int(form["duration"])
    if form["kind"] == "export_control":
        destinations = (
            "[" + ", ".join(_text(d) for d in form["destinations"]) + "]" if form["destinations"] else '"all"'
        )
        lines += [
            f"controller = {_text(form['country'])}",
            f"materials = [{_text(form['material'])}]",
            f"stages = [{_text(form['stage'])}]",
            f"destinations = {destinations}",
            f"announced = {max(begin - 1, 0)}",
            f"effective = {begin}",
            f"lifted = {end}",
            f"approval_path = [{1 - float(form['share']):.3f}]",
        ]
    elif form["kind"] == "outage":
        lines += [
            f"country = {_text(form['country'])}",
            f"material = {_text(form['material'])}",
            f"stage = {_text(form['stage'])}",
            f"capacity_lost = {float(form['share']):.3f}",
            f"start = {begin}",
            f"duration_months = {int(form['duration'])}",
        ]
    else:
        lines += [
            f"region = {_text(form['country'])}",
            f"sector = {_text(form['sector'])}",
            f"material = {_text(form['material'])}",
            f"size = {float(form['share']):.3f}",
            f"start = {begin}",
            f"duration_months = {int(form['duration'])}",
        ]
    return "\n".join(lines + project_lines(form)) + "\n"


def project_lines(form: dict[str, Any]) -> list[str]:
    """A ``project`` event for the form's material and stage, when the form asks for new supply.

    Examples
    --------
    >>> project_lines({"project_tonnes": 0})
    []
    >>> project_lines({"project_tonnes": 500, "project_country": "USA", "project_online": 6,
    ...                "project_serves": ["JPN"], "material": "ndfeb", "stage": "magnet"})[-1]
    'serves = ["JPN"]'
    """
    tonnes = float(form.get("project_tonnes") or 0)
    if tonnes <= 0:
        return []
    serves = form.get("project_serves") or [form["project_country"]]
    return [
        "",
        "[[events]]",
        'kind = "project"',
        f"country = {_text(form['project_country'])}",
        f"material = {_text(form['material'])}",
        f"stage = {_text(form['stage'])}",
        f"tonnes_per_year = {tonnes:g}",
        f"online = {int(form['project_online'])}",
        "serves = [" + ", ".join(_text(c) for c in serves) + "]",
    ]


class ScenarioPage:
    """Build an export control, outage or demand surge (and a project); run it; compare with the last run."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.available = engine_available(SHOCK_ENGINE)
        self.kind = pn.widgets.RadioButtonGroup(label="Event", options=list(KINDS), value="Export control")
        self.country = pn.widgets.Select(label="Controller / country / region", width=220)
        self.material = pn.widgets.Select(label="Material", width=200)
        self.stage = pn.widgets.Select(label="Stage", width=160)
        self.sector = pn.widgets.Select(label="Sector (demand surge)", options=list(SECTORS), value="all", width=180)
        self.destinations = pn.widgets.MultiChoice(label="Destinations (empty: all)", options=list(ALLIES), width=300)
        self.share = pn.widgets.FloatSlider(
            label="Share blocked / capacity lost / demand added", start=0, end=1, step=0.05, value=0.8, width=300
        )
        self.start = pn.widgets.TextInput(label="First simulated month (YYYY-MM)", value="2025-01", width=200)
        self.begin = pn.widgets.IntSlider(label="Event starts in month", start=0, end=24, value=1, width=220)
        self.duration = pn.widgets.IntSlider(label="Lasts (months)", start=1, end=36, value=6, width=220)
        self.horizon = pn.widgets.IntSlider(label="Months simulated", start=6, end=60, value=24, width=220)
        self.draws = pn.widgets.IntSlider(label="Monte Carlo draws", start=1, end=200, value=20, width=220)
        self.seed = pn.widgets.IntInput(label="Seed", value=2025, start=0, width=120)
        self.project_tonnes = pn.widgets.IntInput(
            label="Project output, t/yr (0 = none)", value=0, start=0, step=100, width=300
        )
        self.project_country = pn.widgets.Select(label="Project built in", width=200)
        self.project_online = pn.widgets.IntSlider(label="Project online in month", start=0, end=36, value=6, width=220)
        self.project_serves = pn.widgets.MultiChoice(
            label="Project serves (empty: its own country)", options=list(ALLIES), width=300
        )
        self.run = pn.widgets.Button(label="Run scenario", color="primary", width=160)
        self.toml = _html(css_classes=["scenario-toml"])
        self.charts = _html(css_classes=["chart-shock"])
        self.runner = Runner(self.show)
        self.material.param.watch(lambda _: self._stages(), "value")
        for widget in (
            self.kind,
            self.country,
            self.material,
            self.stage,
            self.sector,
            self.destinations,
            self.share,
            self.start,
            self.begin,
            self.duration,
            self.horizon,
            self.draws,
            self.seed,
            self.project_tonnes,
            self.project_country,
            self.project_online,
            self.project_serves,
        ):
            widget.param.watch(lambda _: self.preview(), "value")
        self.run.on_click(lambda _: self.submit())
        session.listeners.append(self.reset)
        self.reset()
        notice = (
            ""
            if self.available
            else (
                '<p class="absent">The shock simulator is not installed in this environment (critmin.shock.run '
                "cannot be imported), so scenarios cannot be run here. "
                "The form still builds and checks the scenario file.</p>"
            )
        )
        self.view = pn.Column(
            _intro(
                "Describe a disruption, optionally a project adding supply of the same material and stage, "
                "run it through the shock simulator, and compare it with the previous run."
            ),
            _html(notice),
            self.kind,
            pn.Row(self.country, self.material, self.stage, self.sector),
            pn.Row(self.destinations, self.share),
            pn.Row(self.start, self.begin, self.duration),
            pn.Row(self.horizon, self.draws, self.seed),
            pn.Row(self.project_tonnes, self.project_country, self.project_online, self.project_serves),
            pn.Row(self.run, self.runner.cancel, self.runner.progress),
            self.runner.status,
            self.charts,
            self.toml,
            sizing_mode="stretch_width",
            name="Scenario",
        )
        self.run.disabled = not self.available

    def reset(self) -> None:
        """Options from the dataset in use."""
        ds = self.session.ds
        countries = [str(c) for c in ds.country.values] if "country" in ds.dims else ["CHN"]
        self.country.options = {f"{c} {country_label(c)}": c for c in countries}
        self.country.value = "CHN" if "CHN" in countries else countries[0]
        self.project_country.options = dict(self.country.options)
        self.project_country.value = "USA" if "USA" in countries else countries[0]
        materials = content.materials_with_data(ds)
        self.material.options = {material_label(m): m for m in materials}
        self.material.value = "ndfeb" if "ndfeb" in materials else (materials[0] if materials else None)
        self._stages()
        self.charts.object = ""

    def _stages(self) -> None:
        stages = list(stages_of(self.material.value)) if self.material.value else []
        self.stage.options = stages
        self.stage.value = stages[-1] if stages else None

    def form(self) -> dict[str, Any]:
        """Current form values."""
        return {
            "kind": KINDS[self.kind.value],
            "country": self.country.value,
            "material": self.material.value,
            "stage": self.stage.value,
            "sector": self.sector.value,
            "destinations": list(self.destinations.value),
            "share": self.share.value,
            "start": (self.start.value or "").strip(),
            "begin": self.begin.value,
            "duration": self.duration.value,
            "horizon": self.horizon.value,
            "draws": self.draws.value,
            "seed": self.seed.value,
            "project_tonnes": self.project_tonnes.value,
            "project_country": self.project_country.value,
            "project_online": self.project_online.value,
            "project_serves": list(self.project_serves.value),
            "name": f"app-{KINDS[self.kind.value].replace('_', '-')}",
        }

    def preview(self) -> str | None:
        """Show the scenario file; return its text when valid."""
        try:
            text = scenario_toml(self.form())
            parse_scenario(text)
        except ScenarioError as error:
            items = "".join(f"<li>{escape(str(i))}</li>" for i in error.issues)
            self.toml.object = f'<div class="errors"><p><b>The scenario is not valid:</b></p><ul>{items}</ul></div>'
            return None
        self.toml.object = f"<details><summary>Scenario file (TOML)</summary><pre>{escape(text)}</pre></details>"
        return text

    def submit(self) -> None:
        """Run the scenario in a child process."""
        text = self.preview()
        if text is None or not self.available:
            return
        self.runner.start(Job("shock", (self.session.ds, text)))

    def show(self, shock: xr.Dataset) -> None:
        """Chart the run's shortfall and price, with the previous run for comparison."""
        previous = self.session.results.get("shock")
        self.session.results["previous_shock"], self.session.results["shock"] = previous, shock
        self.charts.object = shock_charts(self.session.ds, shock, previous, self.material.value)


def shock_charts(ds: xr.Dataset, shock: xr.Dataset, previous: xr.Dataset | None, material: str | None) -> str:
    """Band charts per variable; the previous run's median drawn beside the current one."""
    cites, ids = Citations(ds), input_ids(ds)
    chosen = {"material": material} if material and material in results.split_labels(shock) else {}
    parts = []
    for variable in results.shock_variables(shock):
        for chart in charting.charts(shock, variable, chosen.get("material")):
            lines = {"this run (median)": chart.band.median}
            if previous is not None and variable in results.shock_variables(previous):
                market = chart.key.rsplit("-", 1)[1] if chart.key.count("-") == 2 else None
                dims = results.series(previous, variable).dims
                dim = next((d for d in ("market", "price_market") if d in dims), "market")
                earlier = {**chosen, **({dim: market} if market else {})}
                lines["previous run (median)"] = results.shock_band(previous, variable, **earlier).median
            parts.append(figure_html(chart.svg(lines), ids, cites, chart.title))
            if chart.note:
                parts.append(f'<p class="note">{escape(chart.note)}.</p>')
    stops = results.stop_times(shock, results.value_per_tonne(ds))
    rows = [
        [
            country_label(r.country),
            sector_label(r.sector),
            r.first_month or "–",
            f"{r.months_idle:.1f}",
            f"{r.share_of_draws:.0%}",
            figures.usd(r.loss_usd),
            tonnes_by_material(r.short_t),
        ]
        for r in stops.itertuples()
    ]
    parts.append(
        "<h3>Who stops when: allies first, largest loss first</h3>"
        + html_table(
            [
                "country",
                "sector",
                "first month idle",
                "months idle",
                "share of draws",
                "loss",
                "shortfall per material",
            ],
            rows,
        )
    )
    return "".join(parts)


__all__ = [
    "DEFAULT_SCENARIOS",
    "KINDS",
    "PORTFOLIO_COLUMNS",
    "POLL_MS",
    "RUNNING",
    "STARTED",
    "ResponsePage",
    "Runner",
    "ScenarioPage",
    "library_scenarios",
    "portfolio_csv",
    "project_lines",
    "response_html",
    "scenario_toml",
    "shock_charts",
]
