"""The Response page: scenarios and a budget to the optimal portfolio, its losses and the frontier."""

from __future__ import annotations

from html import escape
from typing import Any

import panel as pn
import xarray as xr

from critmin.app.jobs import RESPONSE_ENGINE, RESPONSE_ENTRY, Job, engine_available
from critmin.app.markup import csv_link
from critmin.app.runner import Runner
from critmin.app.views import Session, _html, _intro, figure_html, html_table
from critmin.report import figures
from critmin.report.content import country_label
from critmin.report.html import input_ids, loss_ids
from critmin.report.response_view import ResponseView, response_view
from critmin.report.sources import Citations

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
                "production most for that budget, and traces the frontier of loss against budget. A run shows "
                "its progress as a percentage from the click; more draws give steadier answers."
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
    view = response_view(response)
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


def _portfolio_tables(view: ResponseView, cites: Citations) -> str:
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


def portfolio_csv(view: ResponseView) -> str:
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
