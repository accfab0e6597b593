"""Pages of the app, one per task, built per browser session from the report's own functions.

Each session gets its own :class:`Session` (dataset in use, upload folder, results), so one
user's uploads and results are never visible to another. Charts are the briefing's SVG
figures (:mod:`critmin.report.figures`); tables carry their source ids and ``title=`` hover
text with the citations, as in the briefing.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd
import panel as pn
import xarray as xr

from critmin.app import links
from critmin.app.markup import csv_link, figure_html, html_table
from critmin.app.uploads import UploadQuota
from critmin.app.views_exposure import map_html, map_years, sankey_html
from critmin.model.schema import SCHEMA
from critmin.report import content, figures
from critmin.report.content import country_label, percent, step_label
from critmin.report.sources import Citations
from critmin.report.tables import NOT_EXCLUSIVE, ULTIMATE_LEGEND, stage_share_table
from critmin.report.trend import trend_rows, trend_table
from critmin.vocabulary import stages_of

ANY = "(any)"
MAX_ROWS = 50


class Session:
    """What one browser session sees: its dataset, its upload folder, its results."""

    def __init__(self, base: xr.Dataset, base_label: str, base_exposure: content.Exposure | None = None) -> None:
        self.base, self.base_label, self.base_exposure = base, base_label, base_exposure
        self.ds, self.label = base, base_label
        self._folder = tempfile.TemporaryDirectory(prefix="critmin-session-")
        self.listeners: list[Callable[[], None]] = []
        self.results: dict[str, Any] = {}
        self._exposure: content.Exposure | None = None
        self._shares: dict[int | None, pd.DataFrame] = {}
        self.upload_quota = UploadQuota()

    @property
    def upload_folder(self) -> Path:
        """This session's private folder for uploaded files."""
        return Path(self._folder.name) / "package"

    def exposure(self) -> content.Exposure:
        """Exposure tables of the dataset in use (computed once per dataset)."""
        if self._exposure is None:
            shared = self.base_exposure if self.ds is self.base else None
            self._exposure = shared if shared is not None else content.exposure(self.ds)
        return self._exposure

    def share_table(self, year: int | None) -> pd.DataFrame:
        """World shares by stage and country as of `year` (the base year when None), computed once per dataset."""
        if year not in self._shares:
            self._shares[year] = stage_share_table(self.ds, year)
        return self._shares[year]

    def use(self, ds: xr.Dataset, label: str, exposure: content.Exposure | None = None) -> None:
        """Switch this session to `ds` (with its `exposure` when already computed) and refresh every page."""
        self.ds, self.label, self._exposure = ds, label, exposure
        self._shares.clear()
        self.results.clear()
        for refresh in self.listeners:
            refresh()

    def close(self) -> None:
        """Delete the session's uploads."""
        self._folder.cleanup()


def material_label(material: str) -> str:
    """Display name of a material, e.g. 'NdFeB (magnets)' or 'rare earths'."""
    return "NdFeB (magnets)" if material == "ndfeb" else content.material_label(material)


def _html(text: str = "", **kwargs: Any) -> pn.pane.HTML:
    return pn.pane.HTML(text, sizing_mode="stretch_width", **kwargs)


def _intro(text: str) -> pn.pane.HTML:
    return _html(f'<p class="intro">{text}</p>')


class ExposurePage:
    """Material and ally selectors, stage-control chart, dependence, world maps, trend, chain Sankey."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.material = pn.widgets.Select(label="Material", width=240)
        self.ally = pn.widgets.Select(label="Ally", width=240)
        self.control = _html(css_classes=["chart-control"])
        self.dependence = _html(css_classes=["chart-dependence"])
        self.sankey = _html(css_classes=["chart-sankey"])
        self.trend = _html(css_classes=["chart-trend"])
        self.map_stage = pn.widgets.Select(label="Map: stage", width=160)
        self.map_year = pn.widgets.Select(label="Map: year", width=120)
        self.map = _html(css_classes=["chart-map"])
        self.material.param.watch(lambda _: self.draw_material(), "value")
        self.ally.param.watch(lambda _: self.draw_ally(), "value")
        self.map_stage.param.watch(lambda _: self.map_stage_changed(), "value")
        self.map_year.param.watch(lambda _: None if self._quiet else self.draw_map(), "value")
        self._quiet = False
        session.listeners.append(self.reset)
        self.reset()
        self.view = pn.Column(
            _intro(
                "Who makes each stage of a material's supply chain, and how much of each ally's supply "
                "passes through one country at any stage. Hover over a chart for its sources; every table "
                "has a CSV link."
            ),
            pn.Row(self.material, self.ally),
            pn.Row(self.control, self.dependence, sizing_mode="stretch_width"),
            _html("<h3>World map: who produces, and where the ally's imports come from</h3>"),
            pn.Row(self.map_stage, self.map_year),
            self.map,
            self.trend,
            self.sankey,
            sizing_mode="stretch_width",
            name="Exposure",
        )

    def reset(self) -> None:
        """Fill the selectors from the dataset in use and redraw."""
        exp = self.session.exposure()
        materials = content.materials_with_data(self.session.ds)
        self._quiet = True  # one redraw below, not one per selector set
        self.material.options = {material_label(m): m for m in materials}
        self.material.value = "ndfeb" if "ndfeb" in materials else (materials[0] if materials else None)
        self.ally.options = {country_label(a): a for a in exp.importers}
        self.ally.value = exp.importers[0] if exp.importers else None
        self._quiet = False
        self.draw_material()

    def draw_material(self) -> None:
        """The material changed: redraw every view of it."""
        if self._quiet:
            return
        self.draw_control()
        self.draw_dependence()
        self.draw_sankey()
        stages = list(stages_of(self.material.value)) if self.material.value else []
        with_data = [s for s in stages if map_years(self.session.ds, self.material.value, s)]
        self._quiet = True
        self.map_stage.options = with_data
        self.map_stage.value = with_data[-1] if with_data else None
        self._fill_years()
        self._quiet = False
        self.draw_map()

    def draw_ally(self) -> None:
        """The ally changed: redraw its dependence and its import map."""
        if not self._quiet:
            self.draw_dependence()
            self.draw_map()

    def map_stage_changed(self) -> None:
        """Years of the chosen stage, the latest chosen."""
        if self._quiet:
            return
        self._quiet = True
        self._fill_years()
        self._quiet = False
        self.draw_map()

    def _fill_years(self) -> None:
        stage = self.map_stage.value
        years = map_years(self.session.ds, self.material.value, stage) if stage else []
        self.map_year.options = years
        self.map_year.value = years[0] if years else None

    def draw_map(self) -> None:
        """Share map of the chosen stage and year, and the chosen ally's import flows."""
        material, stage = self.material.value, self.map_stage.value
        if material is None or stage is None:
            self.map.object = '<p class="absent">No production data to map.</p>'
            return
        table = self.session.share_table(self.map_year.value)
        self.map.object = map_html(self.session.ds, material, stage, self.map_year.value, self.ally.value, table)

    def draw_sankey(self) -> None:
        """The supply-chain Sankey that shows the chosen material."""
        material = self.material.value
        self.sankey.object = sankey_html(self.session.ds, material, self.session.exposure().year) if material else ""

    def draw_control(self) -> None:
        """Stage-control chart and table of the chosen material."""
        material, ds = self.material.value, self.session.ds
        if material is None:
            self.control.object = '<p class="absent">The dataset has no production data.</p>'
            return
        bars = content.stage_bars(ds, material, table=self.session.share_table(None))
        cites = Citations(ds)
        title = f"{content.material_label(material)}: world share of output at each stage"
        ids = [s for bar in bars for s in bar.sources]
        rows = self.session.exposure().control
        rows = rows[rows.material == material]
        table = html_table(
            ["stage", "year", "largest producer", "share", "HHI", "top three", "sources"],
            [
                [
                    r.stage,
                    r.year,
                    country_label(r.dominant),
                    percent(r.dominant_share),
                    f"{r.hhi:.2f}",
                    percent(r.top3_share),
                    r.sources.replace(";", ", "),
                ]
                for r in rows.itertuples()
            ],
            cites.hover(list(rows.sources)),
        )
        self.control.object = (
            "<h3>Who controls each stage</h3>"
            f"{figure_html(figures.stage_control(bars, title), ids, cites, title)}{table}"
        )
        over_time = trend_rows(ds, material)
        trend = trend_table(over_time, cites)
        if trend:
            trend += csv_link(
                list(over_time.columns), over_time.astype(object).values.tolist(), f"over_time_{material}.csv"
            )
        self.trend.object = (
            f"<h3>Concentration over time: {escape(material.replace('_', ' '))}</h3>{trend}"
            if trend
            else '<p class="absent">Only one year of production data for this material.</p>'
        )

    def draw_dependence(self) -> None:
        """Chosen ally's direct and ultimate dependence at each material's last stage."""
        exp, ally = self.session.exposure(), self.ally.value
        if ally is None or exp.dependence.empty:
            self.dependence.object = f'<p class="absent">{escape(" ".join(exp.notes) or "No ally has trade data.")}</p>'
            return
        final = content.final_rows(exp.dependence)
        final = final[(final.importer == ally) & final.ultimate.notna()].sort_values("ultimate", ascending=False)
        top = final.drop_duplicates("target")
        cites = Citations(self.session.ds)
        pairs = [
            (f"{step_label(tuple(r.target.split('/')))} · {r.origin}", float(r.direct), float(r.ultimate))
            for r in top.itertuples()
        ]
        title = f"{country_label(ally)}: direct and ultimate dependence on its largest origin, {exp.year}"
        chart = figures.hbar_pairs(pairs, ULTIMATE_LEGEND, title)
        mine = final[final.target.str.startswith(f"{self.material.value}/")]
        rows = [
            [
                step_label(tuple(r.target.split("/"))),
                country_label(r.origin),
                percent(r.direct),
                percent(r.ultimate),
                f"{r.hidden * 100:+.0f} pts",
                "assumed" if r.assumed else "recorded",
                r.sources.replace(";", ", "),
            ]
            for r in mine.head(8).itertuples()
        ]
        if not rows:
            rows = [[f"no dependence row for {self.material.value}", "", "", "", "", "", ""]]
        table = html_table(
            ["product", "origin", "direct", "ultimate", "hidden", "sourcing", "sources"],
            rows,
            cites.hover(list(final.sources)),
            "dependence",
        )
        self.dependence.object = (
            f"<h3>{escape(country_label(ally))}: dependence by origin</h3>"
            f"{figure_html(chart, list(top.sources), cites, title)}"
            f'<p class="note">{escape(NOT_EXCLUSIVE)}.</p>'
            f"<p>{escape(country_label(ally))}'s origins for "
            f"{escape(content.material_label(str(self.material.value)))}:</p>{table}"
        )


class SourcesPage:
    """Find where any number comes from: ``ds.critmin.source_of`` with chosen labels."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.variable = pn.widgets.Select(label="Variable", width=220)
        self.filters = pn.Row(sizing_mode="stretch_width")
        self.text = pn.widgets.TextInput(label="Filter results (any text)", width=260)
        self.results = _html(css_classes=["source-results"])
        self.variable.param.watch(lambda _: self.build_filters(), "value")
        self.text.param.watch(lambda _: self.search(), "value")
        session.listeners.append(self.reset)
        self.reset()
        self.view = pn.Column(
            _intro("Choose a variable and any labels; every matching value is listed with its source, grade and link."),
            pn.Row(self.variable, self.text),
            self.filters,
            self.results,
            sizing_mode="stretch_width",
            name="Sources",
        )

    def reset(self) -> None:
        """Variables of the dataset in use."""
        names = [n for n in SCHEMA if n in self.session.ds]
        self.variable.options = names
        self.variable.value = "production" if "production" in names else (names[0] if names else None)
        self.build_filters()

    def build_filters(self) -> None:
        """One selector per dim of the chosen variable."""
        name = self.variable.value
        widgets = []
        for dim in SCHEMA[name].dims if name else ():
            labels = [str(v) for v in self.session.ds[name].dropna(dim, how="all")[dim].values]
            widget = pn.widgets.Select(label=dim, options=[ANY, *labels], value=ANY, width=150)
            widget.param.watch(lambda _: self.search(), "value")
            widgets.append(widget)
        self.filters.objects = widgets
        self.search()

    def search(self) -> None:
        """List matching values with their provenance."""
        name = self.variable.value
        if name is None:
            self.results.object = ""
            return
        labels = {w.name: w.value for w in self.filters.objects if w.value != ANY}
        try:
            found = self.session.ds.critmin.source_of(name, **labels)
        except KeyError as error:
            self.results.object = f'<p class="absent">{escape(str(error.args[0]))}</p>'
            return
        needle = (self.text.value or "").strip().lower()
        if needle:
            found = [p for p in found if needle in str(p).lower()]
        rows = "".join(
            "<tr><td>"
            + escape(", ".join(f"{k}={v}" for k, v in p.key.items()))
            + f"</td><td>{p.value:,.6g} {escape(p.units)}</td>"
            f"<td>{escape(p.source_id)}</td><td>{escape(p.title)}</td><td>{escape(p.publisher)}, {escape(p.year)}</td>"
            f"<td>{escape(p.grade)}</td>"
            + (
                f'<td><a href="{escape(p.url, quote=True)}" target="_blank" rel="noopener">link</a></td>'
                if p.url.lower().startswith(("http://", "https://"))  # never javascript: or data: links
                else f"<td>{escape(p.url)}</td>"
            )
            + f"<td>{escape(p.note)}</td></tr>"
            for p in found[:MAX_ROWS]
        )
        more = f"<p>Showing {MAX_ROWS} of {len(found)}; choose labels to narrow.</p>" if len(found) > MAX_ROWS else ""
        self.results.object = (
            f"<p><b>{len(found)}</b> value(s).</p>{more}<table class='ctable'><thead><tr><th>labels</th><th>value</th>"
            "<th>source</th><th>title</th><th>publisher, year</th><th>grade</th><th>URL</th><th>note</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )


def session_view(
    base: xr.Dataset, base_label: str, base_exposure: content.Exposure | None = None
) -> pn.viewable.Viewable:
    """The whole app for one browser session (`base_exposure`: exposure of `base`, shared read-only)."""
    from critmin.app.views_data import DataPage
    from critmin.app.views_outlook import OutlookPage
    from critmin.app.views_response import ResponsePage
    from critmin.app.views_runs import ScenarioPage

    session = Session(base, base_label, base_exposure)
    pn.state.on_session_destroyed(lambda _: session.close())
    exposure, response = ExposurePage(session), ResponsePage(session)
    outlook = OutlookPage(session)
    pages: list[ExposurePage | ScenarioPage | ResponsePage | OutlookPage | SourcesPage | DataPage | GlossaryPage] = [
        exposure,
        ScenarioPage(session),
        response,
        outlook,
        SourcesPage(session),
        DataPage(session),
        GlossaryPage(),
    ]
    label = _html()

    def show_label() -> None:
        label.object = f'<p class="in-use">Data: {escape(session.label)}</p>'

    session.listeners.append(show_label)
    show_label()
    tabs = pn.Tabs(*[page.view for page in pages], dynamic=True, sizing_mode="stretch_width")
    names = [str(page.view.name) for page in pages]
    link = _html(css_classes=["view-link"])

    def show_link(*_: object) -> None:
        view = links.View(
            exposure.material.value, exposure.ally.value, tuple(response.scenarios.value), names[tabs.active]
        )
        link.object = (
            f'<p class="view-link"><a href="{escape(links.query(view) or "?", quote=True)}">Link to this view</a></p>'
        )

    def open_outlook(*_: object) -> None:  # computed when first shown, not for every session
        if names[tabs.active] == "Outlook" and not outlook.drawn:
            outlook.draw()

    tabs.param.watch(open_outlook, "active")
    problems = open_link(exposure, response, tabs, names)
    open_outlook()
    for widget in (exposure.material, exposure.ally, response.scenarios):
        widget.param.watch(show_link, "value")
    tabs.param.watch(show_link, "active")
    show_link()
    header = pn.Row(
        _html('<h1 class="apptitle">critmin <span>critical-minerals supply security</span></h1>'),
        label,
        link,
        sizing_mode="stretch_width",
        css_classes=["appheader"],
    )
    items = "".join(f"<li>{escape(p)}</li>" for p in problems)
    notice = _html(
        f'<div class="errors"><p><b>Part of the link was not used:</b></p><ul>{items}</ul></div>' if problems else ""
    )
    return pn.Column(header, notice, tabs, sizing_mode="stretch_width", css_classes=["app"])


def open_link(exposure: ExposurePage, response: Any, tabs: pn.Tabs, names: list[str]) -> list[str]:
    """Apply the view named by the session's link (its query string); return what could not be applied."""
    from critmin.app.views_response import library_scenarios

    args = dict(pn.state.session_args or {}) if pn.state.curdoc is not None else {}
    if not args:
        return []
    choices = links.Choices(
        materials=list(exposure.material.options.values()),
        allies=list(exposure.ally.options.values()),
        scenarios=library_scenarios(),
        pages=names,
    )
    view, problems = links.parse_view({str(k): v for k, v in args.items()}, choices)
    if view.material:
        exposure.material.value = view.material
    if view.ally:
        exposure.ally.value = view.ally
    if view.scenarios:
        response.scenarios.value = list(view.scenarios)
    if view.page:
        tabs.active = names.index(view.page)
    return problems


class GlossaryPage:
    """The terms the pages use, word for word as in the briefing and ``critmin glossary``."""

    def __init__(self) -> None:
        from critmin.glossary import TERMS

        rows = "".join(f"<dt>{escape(t)}</dt><dd>{escape(m)}.</dd>" for t, m in TERMS.items())
        self.view = pn.Column(_html(f'<dl class="glossary">{rows}</dl>'), sizing_mode="stretch_width", name="Glossary")


def frame(rows: pd.DataFrame) -> str:
    """A DataFrame as an escaped HTML table (no index)."""
    return html_table([str(c) for c in rows.columns], rows.astype(str).values.tolist())
