"""Scenario and Response pages: forms that run the simulator and optimiser when installed.

Runs go to a child process (:mod:`critmin.app.jobs`), show progress and can be cancelled. When
``critmin.shock.run`` or ``critmin.optimise.run`` is not importable the page says so and still
builds (and validates) the scenario, so nothing is faked.
"""

from __future__ import annotations

from html import escape
from typing import Any

import panel as pn
import xarray as xr

from critmin.app.jobs import RESPONSE_ENGINE, SHOCK_ENGINE, Job, engine_available
from critmin.app.views import Session, _html, _intro, figure_html, html_table
from critmin.errors import ScenarioError
from critmin.report import content, figures, results
from critmin.report.content import country_label
from critmin.report.html import input_ids
from critmin.report.sources import Citations
from critmin.scenarios.spec import parse_scenario
from critmin.vocabulary import ALLIES, SECTORS, stages_of

KINDS = {"Export control": "export_control", "Outage": "outage", "Demand surge": "demand_surge"}
POLL_MS = 400


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
    lines = [
        f'name = "{form["name"]}"',
        'description = "Built in the critmin app"',
        f"horizon_months = {int(form['horizon'])}",
        f'start = "{form["start"]}"',
        f"seed = {int(form['seed'])}",
        f"draws = {int(form['draws'])}",
        "",
        "[[events]]",
        f'kind = "{form["kind"]}"',
    ]
    begin, end = int(form["begin"]), int(form["begin"]) + int(form["duration"])
    if form["kind"] == "export_control":
        destinations = (
            "[" + ", ".join(f'"{d}"' for d in form["destinations"]) + "]" if form["destinations"] else '"all"'
        )
        lines += [
            f'controller = "{form["country"]}"',
            f'materials = ["{form["material"]}"]',
            f'stages = ["{form["stage"]}"]',
            f"destinations = {destinations}",
            f"announced = {max(begin - 1, 0)}",
            f"effective = {begin}",
            f"lifted = {end}",
            f"approval_path = [{1 - float(form['share']):.3f}]",
        ]
    elif form["kind"] == "outage":
        lines += [
            f'country = "{form["country"]}"',
            f'material = "{form["material"]}"',
            f'stage = "{form["stage"]}"',
            f"capacity_lost = {float(form['share']):.3f}",
            f"start = {begin}",
            f"duration_months = {int(form['duration'])}",
        ]
    else:
        lines += [
            f'region = "{form["country"]}"',
            f'sector = "{form["sector"]}"',
            f'material = "{form["material"]}"',
            f"size = {float(form['share']):.3f}",
            f"start = {begin}",
            f"duration_months = {int(form['duration'])}",
        ]
    return "\n".join(lines) + "\n"


class Runner:
    """Start, poll and cancel one :class:`Job` from a page, with a progress bar and status line."""

    def __init__(self, on_done: Any) -> None:
        self.progress = pn.indicators.Progress(active=False, value=0, max=100, width=260, visible=False)
        self.cancel = pn.widgets.Button(name="Cancel", button_type="warning", visible=False)
        self.status = _html(css_classes=["run-status"])
        self.cancel.on_click(lambda _: self.stop())
        self.job: Job | None = None
        self._callback: Any = None
        self._on_done = on_done

    def start(self, job: Job) -> None:
        """Run `job`, polling it until it ends."""
        self.stop()
        self.job = job
        job.start()
        self.progress.visible = self.cancel.visible = True
        self.progress.active, self.progress.value = True, -1
        self.status.object = "<p>Running… this can take a while for many draws.</p>"
        self._callback = pn.state.add_periodic_callback(self.poll, period=POLL_MS)

    def poll(self) -> None:
        """Check the job; show its outcome when it ends."""
        if self.job is None:
            return
        status = self.job.poll()
        if status == "running":
            if self.job.fraction > 0:
                self.progress.active, self.progress.value = False, int(100 * self.job.fraction)
            self.status.object = f"<p>Running… {self.job.elapsed:.0f} s, {self.job.fraction:.0%} of draws done</p>"
            return
        self._finish()
        if status == "done":
            self.status.object = f"<p>Finished in {self.job.elapsed:.0f} s.</p>"
            self._on_done(self.job.result)
        else:
            self.status.object = f'<p class="absent">The run did not finish: {escape(self.job.message)}</p>'

    def stop(self) -> None:
        """Cancel a running job."""
        if self.job is not None and self.job.status == "running":
            self.job.cancel()
            self.status.object = '<p class="absent">Cancelled; no result was kept.</p>'
        self._finish()

    def _finish(self) -> None:
        if self._callback is not None:
            self._callback.stop()
            self._callback = None
        self.progress.active, self.progress.visible, self.cancel.visible = False, False, False


class ScenarioPage:
    """Build an export control, outage or demand surge; run it; compare with the previous run."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.available = engine_available(SHOCK_ENGINE)
        self.kind = pn.widgets.RadioButtonGroup(name="Event", options=list(KINDS), value="Export control")
        self.country = pn.widgets.Select(name="Controller / country / region", width=220)
        self.material = pn.widgets.Select(name="Material", width=200)
        self.stage = pn.widgets.Select(name="Stage", width=160)
        self.sector = pn.widgets.Select(name="Sector (demand surge)", options=list(SECTORS), value="all", width=180)
        self.destinations = pn.widgets.MultiChoice(name="Destinations (empty: all)", options=list(ALLIES), width=300)
        self.share = pn.widgets.FloatSlider(
            name="Share blocked / capacity lost / demand added", start=0, end=1, step=0.05, value=0.8, width=300
        )
        self.start = pn.widgets.TextInput(name="First simulated month (YYYY-MM)", value="2025-01", width=200)
        self.begin = pn.widgets.IntSlider(name="Event starts in month", start=0, end=24, value=1, width=220)
        self.duration = pn.widgets.IntSlider(name="Lasts (months)", start=1, end=36, value=6, width=220)
        self.horizon = pn.widgets.IntSlider(name="Months simulated", start=6, end=60, value=24, width=220)
        self.draws = pn.widgets.IntSlider(name="Monte Carlo draws", start=1, end=200, value=20, width=220)
        self.seed = pn.widgets.IntInput(name="Seed", value=2025, start=0, width=120)
        self.run = pn.widgets.Button(name="Run scenario", button_type="primary", width=160)
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
                "cannot be imported), so scenarios cannot be run here. The form still builds and checks the scenario file.</p>"
            )
        )
        self.view = pn.Column(
            _intro("Describe a disruption, run it through the shock simulator, and compare it with the previous run."),
            _html(notice),
            self.kind,
            pn.Row(self.country, self.material, self.stage, self.sector),
            pn.Row(self.destinations, self.share),
            pn.Row(self.start, self.begin, self.duration),
            pn.Row(self.horizon, self.draws, self.seed),
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
        materials = content.materials_with_data(ds)
        self.material.options = materials
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
            "start": self.start.value.strip(),
            "begin": self.begin.value,
            "duration": self.duration.value,
            "horizon": self.horizon.value,
            "draws": self.draws.value,
            "seed": self.seed.value,
            "name": f"app-{KINDS[self.kind.value].replace('_', '-')}",
        }

    def preview(self) -> str | None:
        """Show the scenario file; return its text when valid."""
        text = scenario_toml(self.form())
        try:
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
        band = results.shock_band(shock, variable, **chosen)
        lines = {"this run (median)": band.median}
        if previous is not None and variable in results.shock_variables(previous):
            lines["previous run (median)"] = results.shock_band(previous, variable, **chosen).median
        title = f"{variable} by month{' of ' + material if chosen else ''}"
        parts.append(
            figure_html(figures.bands(band.months, lines, title, band.units, band.outer, band.inner), ids, cites, title)
        )
    stops = results.stop_times(shock).head(10)
    rows = [
        [country_label(r.country), r.sector, r.first_month or "–", f"{r.months_idle:.1f}", f"{r.share_of_draws:.0%}"]
        for r in stops.itertuples()
    ]
    parts.append(
        "<h3>Who stops when</h3>"
        + html_table(["country", "sector", "first month idle", "months idle", "share of draws"], rows)
    )
    return "".join(parts)


class ResponsePage:
    """Budget slider to portfolio and frontier, when the optimiser is installed."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.available = engine_available(RESPONSE_ENGINE)
        self.budget = pn.widgets.FloatSlider(
            name="Budget (USD million)", start=0, end=5000, step=50, value=500, width=400
        )
        self.run = pn.widgets.Button(name="Find the best portfolio", button_type="primary", width=220)
        self.charts = _html(css_classes=["chart-response"])
        self.runner = Runner(self.show)
        self.run.on_click(lambda _: self.submit())
        self.run.disabled = not self.available
        notice = (
            ""
            if self.available
            else (
                '<p class="absent">The optimiser cannot be run from the app in this build: the app calls '
                "critmin.optimise.run(dataset, budget=..., shock=...), which is not provided, so no portfolio or "
                "frontier is computed here. Briefings still show optimiser results passed to them.</p>"
            )
        )
        self.view = pn.Column(
            _intro(
                "Choose a budget; the optimiser picks stockpiles and project support that cut the expected "
                "shortfall most, and draws the frontier of shortfall against budget."
            ),
            _html(notice),
            pn.Row(self.budget, self.run, self.runner.cancel, self.runner.progress),
            self.runner.status,
            self.charts,
            sizing_mode="stretch_width",
            name="Response",
        )

    def submit(self) -> None:
        """Run the optimiser in a child process."""
        if self.available:
            shock = self.session.results.get("shock")
            self.runner.start(Job("response", (self.session.ds,), {"budget": self.budget.value * 1e6, "shock": shock}))

    def show(self, response: xr.Dataset) -> None:
        """Frontier and portfolio charts."""
        view = results.response_view(response)
        cites, ids = Citations(self.session.ds), input_ids(self.session.ds)
        parts = [f'<p class="absent">{escape(n)}</p>' for n in view.notes]
        if view.budgets:
            svg = figures.frontier(
                view.budgets, view.shortfall, "Expected shortfall left against budget", "USD", "t", view.recommended
            )
            parts.append(figure_html(svg, ids, cites, "Frontier: expected shortfall left for each budget"))
        if view.portfolio:
            rows = [(n.replace("_", " "), v, f"USD {v:,.0f}") for n, v in view.portfolio]
            parts.append(figure_html(figures.hbars(rows, "Portfolio"), ids, cites, "Portfolio at the chosen budget"))
        self.charts.object = "".join(parts)
