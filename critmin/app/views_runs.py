"""Scenario and Response pages: forms that run the simulator and optimiser when installed.

Runs go to a child process (:mod:`critmin.app.jobs`), show progress and can be cancelled. When
``critmin.shock.run`` or ``critmin.optimise.optimise_from_scenarios`` is not importable the page
says so (the Scenario page still builds and validates the scenario), so nothing is faked.
"""

from __future__ import annotations

import json
import math
import threading
import time
from html import escape
from typing import Any

import panel as pn
import xarray as xr

from critmin.app.jobs import RESPONSE_ENGINE, RESPONSE_ENTRY, SHOCK_ENGINE, Job, engine_available
from critmin.app.markup import csv_link
from critmin.app.views import Session, _html, _intro, figure_html, html_table
from critmin.errors import Issue, ScenarioError
from critmin.report import content, figures, results
from critmin.report import shock_charts as charting
from critmin.report.content import country_label
from critmin.report.html import input_ids, loss_ids
from critmin.report.sources import Citations
from critmin.report.stops import tonnes_by_material
from critmin.scenarios.spec import parse_scenario
from critmin.vocabulary import ALLIES, SECTORS, sector_label, stages_of

KINDS = {"Export control": "export_control", "Outage": "outage", "Demand surge": "demand_surge"}
POLL_MS = 400
STARTED, RUNNING = 2, 10
"""Percentages shown once a run is clicked and once its process runs; the draws fill the rest."""


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


class Runner:
    """Start, poll and cancel one :class:`Job` from a page, with a progress bar and status line."""

    def __init__(self, on_done: Any) -> None:
        self.progress = pn.indicators.Progress(active=False, value=0, max=100, width=260, visible=False)
        self.cancel = pn.widgets.Button(label="Cancel", color="warning", visible=False)
        self.status = _html(css_classes=["run-status"])
        self.cancel.on_click(lambda _: self.stop())
        self.job: Job | None = None
        self._starter: threading.Thread | None = None
        self._clicked = 0.0
        self._callback: Any = None
        self._on_done = on_done

    def start(self, job: Job) -> None:
        """Show progress at once, start `job` beside the page and poll it until it ends.

        Starting the child process blocks for seconds (a fresh interpreter imports the engine and
        receives the dataset), so it happens in a thread: the click is answered before that.
        """
        self.stop()
        self.job = job
        self._clicked = time.monotonic()
        self.progress.visible = self.cancel.visible = True
        self.progress.active, self.progress.value = False, STARTED
        self.status.object = f"<p>{STARTED}%: starting the engine in a fresh process with the data in use…</p>"
        self._starter = threading.Thread(target=job.start, daemon=True)  # started by the first poll, once
        self._callback = pn.state.add_periodic_callback(self.poll, period=POLL_MS)  # the page shows the above

    def poll(self) -> None:
        """Check the job; show its outcome when it ends."""
        if self.job is None:
            return
        if self._starter is not None and self._starter.ident is None:
            self._starter.start()
        status = self.job.poll()
        waited = time.monotonic() - self._clicked
        if status == "new":
            self.status.object = f"<p>{STARTED}%: starting the engine in a fresh process… {waited:.0f} s</p>"
            return
        if status == "running":
            percent = RUNNING + int((100 - RUNNING) * self.job.fraction)
            self.progress.value = percent
            self.status.object = (
                f"<p>{percent}%: running, {waited:.0f} s; {self.job.fraction:.0%} of the draws done "
                "(the percentage moves as each batch of draws ends)</p>"
            )
            return
        self._finish()
        if status == "done":
            self.status.object = f"<p>Finished in {self.job.elapsed:.0f} s.</p>"
            self._on_done(self.job.result)
        else:
            self.status.object = f'<p class="absent">The run did not finish: {escape(self.job.message)}</p>'

    def stop(self) -> None:
        """Cancel a running job."""
        if self._starter is not None and self._starter.ident is not None:
            self._starter.join()  # a job still starting is cancelled once it has started
        self._starter = None
        if self.job is not None and self.job.status in ("new", "running"):
            if self.job.status == "running":
                self.job.cancel()
            else:  # cancelled before its process was started: it never will be
                self.job.status, self.job.message = "cancelled", "cancelled by the user"
            self.status.object = '<p class="absent">Cancelled; no result was kept.</p>'
        self._finish()

    def _finish(self) -> None:
        if self._callback is not None:
            self._callback.stop()
            self._callback = None
        self.progress.active, self.progress.visible, self.cancel.visible = False, False, False


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


DEFAULT_SCENARIOS = ("japan_ree_magnet_halt_6m", "heavy_ree_licensing_2025", "critical_minerals_ban_usa")
"""Library scenarios the Response page optimises against until the user picks others."""


def library_scenarios() -> list[str]:
    """Names of the scenario library's files."""
    from critmin.scenarios import LIBRARY

    return sorted(p.stem for p in LIBRARY.glob("*.toml"))


class ResponsePage:
    """Scenarios, budget and draws to the optimal portfolio, its losses and the budget frontier."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.available = engine_available(RESPONSE_ENGINE, RESPONSE_ENTRY)
        library = library_scenarios()
        self.scenarios = pn.widgets.MultiChoice(
            label="Scenarios (library)",
            options=library,
            value=[s for s in DEFAULT_SCENARIOS if s in library] or library[:1],
            width=560,
        )
        self.budget = pn.widgets.FloatSlider(
            label="Budget (USD million)", start=0, end=5000, step=50, value=500, width=400
        )
        self.draws = pn.widgets.IntSlider(label="Draws per scenario", start=1, end=50, value=4, width=220)
        self.seed = pn.widgets.IntInput(label="Seed", value=2025, start=0, width=120)
        self.run = pn.widgets.Button(label="Find the best portfolio", color="primary", width=220)
        self.summary = _html(css_classes=["response-summary"])
        self.charts = _html(css_classes=["chart-response"])
        self.runner = Runner(self.show)
        self.run.on_click(lambda _: self.submit())
        self.budget.param.watch(lambda _: self.stale(), "value")
        self.run.disabled = not self.available
        session.listeners.append(self.reset)
        notice = (
            ""
            if self.available
            else (
                '<p class="absent">The optimiser (critmin.optimise.optimise_from_scenarios) cannot be imported in '
                "this environment, so no portfolio or frontier is computed here. Briefings still show optimiser "
                "results passed to them.</p>"
            )
        )
        self.view = pn.Column(
            _intro(
                "Choose the scenarios to prepare for and a budget. The scenarios are simulated, then the optimiser "
                "picks the stockpile purchases, project backing and research that cut the allies' expected loss of "
                "production most for that budget, and traces the frontier of loss against budget. With 4 draws "
                "per scenario a run takes about ten seconds; more draws give steadier answers."
            ),
            _html(notice),
            self.scenarios,
            pn.Row(self.budget, self.draws, self.seed),
            pn.Row(self.run, self.runner.cancel, self.runner.progress),
            self.runner.status,
            self.summary,
            self.charts,
            sizing_mode="stretch_width",
            name="Response",
        )

    def reset(self) -> None:
        """The dataset changed: earlier results no longer apply."""
        self.summary.object = ""
        self.charts.object = ""

    @property
    def budget_usd(self) -> float:
        """The budget chosen on the slider, in USD."""
        value = self.budget.value
        if value is None:  # the slider always holds a number; its type allows None
            raise ValueError("no budget is chosen")
        return value * 1e6

    def stale(self) -> None:
        """The budget moved after a run: say the portfolio shown is for another budget."""
        shown = self.session.results.get("response")
        if shown is None:
            return
        budget = float(shown["portfolio"].budget_usd)
        if abs(budget - self.budget_usd) > 1:
            self.runner.status.object = (
                f'<p class="absent">The portfolio below is for {escape(figures.usd(budget))}; press '
                f"<b>Find the best portfolio</b> to optimise for {escape(figures.usd(self.budget_usd))}.</p>"
            )

    def submit(self) -> None:
        """Run the simulation and optimiser in a child process."""
        if not self.available:
            return
        if not self.scenarios.value:
            self.runner.status.object = '<p class="absent">Choose at least one scenario.</p>'
            return
        args = (self.session.ds, list(self.scenarios.value), self.budget_usd, self.draws.value, self.seed.value)
        self.runner.start(Job("response", args))

    def show(self, response: dict[str, Any]) -> None:
        """Losses against doing nothing, the frontier with the budget marked, the portfolio tables."""
        self.session.results["response"] = response
        self.summary.object, self.charts.object = response_html(self.session.ds, response)


def _cell_usd(value: float) -> str:
    return figures.usd(value) if value == value else "–"


def response_html(ds: xr.Dataset, response: Any) -> tuple[str, str]:
    """(summary, charts and tables) of an optimiser run, as HTML with sources."""
    view = results.response_view(response)
    cites = Citations(ds)
    model_ids = [*input_ids(ds), *loss_ids(ds)]
    notes = "".join(f'<p class="absent">{escape(n)}</p>' for n in view.notes)
    summary = ""
    if view.has_losses:
        alpha = f"CVaR {view.cvar_alpha:.0%}"
        rows = [
            [
                "expected loss",
                figures.usd(view.expected_loss_usd),
                figures.usd(view.do_nothing_loss_usd),
                figures.usd(view.loss_avoided_usd),
            ],
            [
                alpha,
                figures.usd(view.cvar_usd),
                figures.usd(view.do_nothing_cvar_usd),
                figures.usd(view.cvar_avoided_usd),
            ],
        ]
        summary = (
            f"<h3>At {escape(figures.usd(view.budget or 0.0))} (spent {escape(figures.usd(view.outlay_usd))}) over "
            f"{view.draws} simulated draws of {escape(', '.join(view.scenarios))}</h3>"
            + html_table(
                ["allied loss", "with the portfolio", "doing nothing", "avoided"],
                rows,
                cites.hover(model_ids),
                "response-losses",
            )
            + f'<p class="lead">{escape(alpha)}: mean loss in the worst {1 - view.cvar_alpha:.0%} of draws. Loss is '
            "tonnes short times the dataset's value of lost production per tonne.</p>"
        )
        left = (view.budget or 0.0) - view.outlay_usd
        if left > 0.01 * max(view.budget or 0.0, 1.0):
            summary += (
                f"<p>{escape(figures.usd(left))} of the budget is left unspent: every further option costs more "
                "than the loss it avoids in these draws.</p>"
            )
    parts = [notes]
    if view.budgets:
        title = "Frontier: allied loss of the best portfolio at each budget"
        svg = figures.frontier(
            view.budgets,
            {"expected loss": view.expected_loss, f"CVaR {view.cvar_alpha:.0%}": view.cvar},
            title,
            view.budget,
            "chosen budget",
        )
        parts.append(figure_html(svg, [*model_ids, *view.sources], cites, title))
    parts.append(_portfolio_tables(view, cites))
    return summary, "".join(parts)


def _portfolio_tables(view: results.ResponseView, cites: Citations) -> str:
    """Tonnes by holder x material, projects x instrument and research in USD, months of cover."""
    out = []
    if view.stockpiles:
        materials = list(dict.fromkeys(p.material for p in view.stockpiles))
        holders = list(dict.fromkeys(p.holder for p in view.stockpiles))
        cell = {(p.holder, p.material): p.tonnes for p in view.stockpiles}
        cost = {h: sum(p.cost_usd for p in view.stockpiles if p.holder == h) for h in holders}
        rows = [
            [h, *(figures.tonnes(cell[(h, m)]) if (h, m) in cell else "–" for m in materials), _cell_usd(cost[h])]
            for h in holders
        ]
        ids = [s for p in view.stockpiles for s in p.sources]
        out.append(
            "<h3>Stockpiles bought: tonnes by holder and material</h3>"
            + html_table(
                ["holder", *(m.replace("_", " ") for m in materials), "cost"], rows, cites.hover(ids), "portfolio-stock"
            )
        )
    else:
        out.append("<h3>Stockpiles bought</h3><p>None at this budget.</p>")
    if view.projects:
        instruments = list(dict.fromkeys(p.instrument for p in view.projects))
        rows = []
        for project in dict.fromkeys(p.project for p in view.projects):
            mine = {p.instrument: p for p in view.projects if p.project == project}
            material = next(iter(mine.values())).material
            rows.append(
                [
                    f"{project} ({material})",
                    *(
                        f"{_cell_usd(mine[i].outlay_usd)} (net {_cell_usd(mine[i].net_cost_usd)})" if i in mine else "–"
                        for i in instruments
                    ),
                ]
            )
        ids = [s for p in view.projects for s in p.sources]
        out.append(
            "<h3>Projects backed: budget outlay by instrument (USD)</h3>"
            + html_table(
                ["project", *(i.replace("_", " ") for i in instruments)], rows, cites.hover(ids), "portfolio-projects"
            )
        )
    else:
        out.append("<h3>Projects backed</h3><p>None at this budget.</p>")
    if view.research:
        rows = [[p.programme, p.material, _cell_usd(p.cost_usd)] for p in view.research]
        out.append(
            "<h3>Research funded</h3>"
            + html_table(
                ["programme", "material", "cost"], rows, cites.hover([s for p in view.research for s in p.sources])
            )
        )
    if view.cover:
        rows = [[country_label(r), m.replace("_", " "), f"{v:.1f}"] for r, m, v in view.cover[:15]]
        out.append(
            "<h3>Months of each ally's use covered by the tonnes bought</h3>"
            + html_table(["ally", "material", "months"], rows)
        )
    ids = view.sources
    named = ", ".join(ids[:8]) + (f" and {len(ids) - 8} more" if len(ids) > 8 else "")
    out.append(f'<p class="cites">Option sources (response_*.csv): {escape(named or "none recorded")}</p>')
    out.append(f'<p class="download">The whole portfolio, one row per option: {portfolio_csv(view)}</p>')
    return "".join(out)


PORTFOLIO_COLUMNS = [
    "kind",
    "holder_or_project",
    "material",
    "instrument",
    "tonnes",
    "outlay_usd",
    "net_cost_usd",
    "sources",
]


def portfolio_csv(view: results.ResponseView) -> str:
    """A link saving the portfolio as CSV: stockpiles, project backing and research, unrounded."""
    rows: list[list[object]] = [
        ["stockpile", p.holder, p.material, "", p.tonnes, p.cost_usd, p.cost_usd, ";".join(p.sources)]
        for p in view.stockpiles
    ]
    rows += [
        ["project", p.project, p.material, p.instrument, "", p.outlay_usd, p.net_cost_usd, ";".join(p.sources)]
        for p in view.projects
    ]
    rows += [
        ["research", p.programme, p.material, "", "", p.cost_usd, p.cost_usd, ";".join(p.sources)]
        for p in view.research
    ]
    budget = f"{(view.budget or 0) / 1e6:.0f}m"
    return csv_link(PORTFOLIO_COLUMNS, rows, f"portfolio_usd_{budget}.csv")
