"""The briefing as one self-contained HTML file (CSS inline, charts as inline SVG, no script).

:func:`write_report` writes ``briefing.html`` and prints ``briefing.pdf`` from it with headless
Chromium (:mod:`critmin.report.pdf`); both are written to a temporary file and renamed, so a
failed run leaves an earlier briefing intact. Sections that need shock or response results are
rendered from those Datasets when given and otherwise left out with the reason stated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
import xarray as xr

from critmin import __version__
from critmin import vocabulary as vocab
from critmin._io import atomic_write_text
from critmin.glossary import TERMS, tail_caveat
from critmin.outlook.output import OutlookRun
from critmin.report import atlas, content, figures, results, shock_charts
from critmin.report import stops as stop_ranking
from critmin.report.content import country_label, percent, step_label
from critmin.report.outlook import outlook_section
from critmin.report.response_view import ResponseView, project_names, response_view
from critmin.report.sources import Citations, split_ids
from critmin.report.tables import NOT_EXCLUSIVE, ULTIMATE_LEGEND, stage_share_table
from critmin.report.trend import trend_rows, trend_table

MAX_SHOCK_PANELS = 6


@dataclass
class Figure:
    """One figure or table of the briefing with its caption and sources."""

    anchor: str
    caption: str
    svg: str
    marks: str
    hover: str
    table: list[list[str]] = field(default_factory=list)
    header: list[str] = field(default_factory=list)


def _figure(cites: Citations, anchor: str, caption: str, svg: str, ids: Sequence[str] | str, **table: Any) -> Figure:
    return Figure(anchor, caption, svg, cites.marks(ids), cites.hover(ids), **table)


def data_version(ds: xr.Dataset) -> str:
    """The dataset's name, version and title from ``ds.attrs``, and any user override.

    Examples
    --------
    >>> import xarray as xr
    >>> data_version(xr.Dataset(attrs={"name": "critmin-default", "version": "2026.1"}))
    'critmin-default, version 2026.1'
    """
    attrs = ds.attrs
    parts = [str(attrs.get("title") or attrs.get("name") or "unnamed data package")]
    if attrs.get("title") and attrs.get("name"):
        parts[0] = f"{attrs['title']} ({attrs['name']})"
    parts.append(f"version {attrs.get('version', 'not stated')}")
    text = ", ".join(parts)
    if attrs.get("user_data"):
        text += f"; user data {Path(str(attrs['user_data'])).name} ({attrs.get('user_mode', 'override')})"
    return text


def _summary_exposure(exp: content.Exposure, cites: Citations) -> tuple[list[str], list[str]]:
    hidden = []
    for row in content.top_hidden(exp).itertuples():
        hidden.append(
            f"<b>{country_label(row.importer)}</b>, {step_label(tuple(row.target.split('/')))}: "
            f"<b class='num'>{percent(row.direct)}</b> shipped directly from {country_label(row.origin)}, but "
            f"<b class='num'>{percent(row.ultimate)}</b> passes through it at some stage "
            f"(hidden <b class='num'>{row.hidden * 100:.0f}</b> points) {cites.marks(row.sources)}"
        )
    concentrated = []
    for row in content.top_concentrated(exp).itertuples():
        concentrated.append(
            f"<b>{step_label((row.material, row.stage))}</b>: {country_label(row.dominant)} makes "
            f"<b class='num'>{percent(row.dominant_share)}</b> of the world's output (HHI "
            f"<b class='num'>{row.hhi:.2f}</b>, top three <b class='num'>{percent(row.top3_share)}</b>) "
            f"{cites.marks(row.sources)}"
        )
    return hidden, concentrated


def _control_figures(ds: xr.Dataset, exp: content.Exposure, cites: Citations) -> list[Figure]:
    found = []
    shares = stage_share_table(ds)  # once for every material's bars
    for material in content.materials_with_data(ds):
        bars = content.stage_bars(ds, material, table=shares)
        if not bars:
            continue
        ids = [s for bar in bars for s in bar.sources]
        rows = exp.control[exp.control.material == material]
        table = [
            [
                r.stage,
                country_label(r.dominant),
                percent(r.dominant_share),
                f"{r.hhi:.2f}",
                percent(r.top3_share),
                percent(r.n1_coverage),
                cites.marks(r.sources),
            ]
            for r in rows.itertuples()
        ]
        title = f"{content.material_label(material)}: world share of output at each stage"
        svg = figures.stage_control(bars, title)
        found.append(
            _figure(
                cites,
                f"control-{material}",
                title,
                svg,
                ids,
                table=table,
                header=["stage", "largest producer", "share", "HHI", "top three", "N-1 cover", "sources"],
            )
        )
    return found


KEY_PRODUCTS = ("ndfeb", "gallium", "graphite_anode")
"""Products charted for every ally in the dependence section."""
KEY_HIDDEN = 0.20
"""Any other product is charted for the allies whose hidden dependence on it is at least this."""


def key_dependence(exp: content.Exposure, target: str) -> pd.DataFrame:
    """Each ally's row of :func:`content.ally_dependence` for `target`, if it is a key product of that ally.

    Key products of an ally: NdFeB magnets, gallium and graphite anode, plus any product whose
    hidden dependence (ultimate minus direct, on any origin) is at least 20 points for it.
    """
    rows = content.ally_dependence(exp, target)
    if rows.empty or target.split("/")[0] in KEY_PRODUCTS:
        return rows
    final = content.final_rows(exp.dependence)
    hidden = final[final.target == target].groupby("importer").hidden.max()
    keep = [a for a in rows.importer if float(hidden.get(a, 0.0) or 0.0) >= KEY_HIDDEN - 1e-9]
    return rows[rows.importer.isin(keep)].reset_index(drop=True)


def _dependence_figures(exp: content.Exposure, cites: Citations) -> list[Figure]:
    found = []
    for material, stage in exp.targets:
        target = f"{material}/{stage}"
        rows = key_dependence(exp, target)
        if rows.empty:
            continue
        pairs = [(f"{r.importer} on {r.origin}", float(r.direct), float(r.ultimate)) for r in rows.itertuples()]
        title = f"{step_label((material, stage))}: each ally's direct and ultimate dependence, {exp.year}"
        svg = figures.hbar_pairs(pairs, ULTIMATE_LEGEND, title)
        table = [
            [
                country_label(r.importer),
                country_label(r.origin),
                percent(r.direct),
                percent(r.ultimate),
                f"{r.hidden * 100:+.0f} pts",
                "assumed" if r.assumed else "recorded",
                cites.marks(r.sources),
            ]
            for r in rows.itertuples()
        ]
        found.append(
            _figure(
                cites,
                f"dependence-{material}-{stage}",
                f"{title}. {NOT_EXCLUSIVE}",
                svg,
                list(rows.sources),
                table=table,
                header=["ally", "origin", "direct", "ultimate", "hidden", "sourcing", "sources"],
            )
        )
    return found


def input_ids(ds: xr.Dataset) -> list[str]:
    """Source ids of the production, trade and stockpile values a simulation starts from."""
    names = ("production_source", "trade_source", "stockpile_source", "price_source")
    return sorted({s for name in names if name in ds for s in split_ids(str(v) for v in set(ds[name].values.ravel()))})


def loss_ids(ds: xr.Dataset) -> list[str]:
    """Source ids of the dataset's ``value_lost_production_<sector>`` parameters (USD per tonne short)."""
    if "parameters_source" not in ds:
        return []
    names = [p for p in ds.parameter.values if str(p).startswith(results.LOSS_PREFIX)]
    return split_ids(str(v) for v in np.unique(ds.parameters_source.sel(parameter=names).values.astype(str)))


def _shock_section(ds: xr.Dataset, shock: xr.Dataset | Mapping[str, xr.Dataset], cites: Citations) -> dict[str, Any]:
    ids = input_ids(ds)
    worst = results.worst_scenario(shock, ds)
    if isinstance(shock, xr.Dataset):
        charted = shock
    else:
        charted = shock[worst.name] if isinstance(worst, results.ScenarioOutcome) else next(iter(shock.values()))
    figs = []
    materials: list[str | None] = [*_short_materials(charted)[:MAX_SHOCK_PANELS]] or [None]
    present = results.shock_variables(charted)
    price = next((v for v in ("price_ratio", "price") if v in present), None)
    for variable in [v for v in ("shortfall", price) if v in present]:
        for material in materials:
            for chart in shock_charts.charts(charted, variable, material):
                caption = chart.title + (f". {chart.note}" if chart.note else "")
                figs.append(_figure(cites, f"shock-{chart.key}", caption, chart.svg(), ids))
    stops = worst.stops if isinstance(worst, results.ScenarioOutcome) else None
    by_usd = isinstance(worst, results.ScenarioOutcome) and worst.basis == "USD"
    return {
        "figures": figs,
        "worst": worst if not isinstance(worst, str) else None,
        "reason": worst if isinstance(worst, str) else "",
        "stops": [] if stops is None else stops.to_dict("records"),
        "stops_shown": STOPS_SHOWN,
        "draws": results.draw_count(charted),
        "marks": cites.marks([*ids, *(loss_ids(ds) if by_usd else [])]),
    }


STOPS_SHOWN = 12
"""Stop-table rows in section 4; the appendix has them all."""


def _short_materials(shock: xr.Dataset) -> list[str]:
    """Materials with any shortfall in the results (all split labels when none is short)."""
    labels = results.split_labels(shock)
    if "shortfall" not in results.shock_variables(shock):
        return labels
    short = []
    for material in labels:
        band = results.shock_band(shock, "shortfall", material=material)
        if any(v > 1e-6 for v in (band.outer[1] if band.outer else band.median) if np.isfinite(v)):
            short.append(material)
    return short or labels


def _label(name: str) -> str:
    return content.material_label(name)


def _response_section(ds: xr.Dataset, response: xr.Dataset | Mapping[str, Any], cites: Citations) -> dict[str, Any]:
    view = response_view(response)
    model_ids = [*input_ids(ds), *loss_ids(ds)]
    figs = []
    if view.budgets:
        alpha = f"CVaR {view.cvar_alpha:.0%}"
        svg = figures.frontier(
            view.budgets,
            {"expected loss": view.expected_loss, alpha: view.cvar},
            "Response frontier: allied loss against budget",
            view.budget,
            "portfolio shown",
        )
        table = [
            [figures.usd(b), figures.usd(e), figures.usd(c), "◀ shown below" if b == view.budget else ""]
            for b, e, c in zip(view.budgets, view.expected_loss, view.cvar, strict=True)
        ]
        figs.append(
            _figure(
                cites,
                "response-frontier",
                f"Response frontier: expected loss and {alpha} (mean of the worst {1 - view.cvar_alpha:.0%} of draws) "
                "of the optimal portfolio at each budget",
                svg,
                [*model_ids, *view.sources],
                table=table,
                header=["budget", "expected loss", alpha, ""],
            )
        )
    names = project_names()
    spend = [
        *((f"{p.holder} {_label(p.material)}", p.cost_usd) for p in view.stockpiles),
        *((f"{names.get(p.project, p.project)} ({_label(p.instrument)})", p.outlay_usd) for p in view.projects),
        *((f"{p.programme} (research)", p.cost_usd) for p in view.research),
    ]
    known = sorted([(n, v) for n, v in spend if np.isfinite(v) and v > 0], key=lambda kv: -kv[1])
    rows = [
        *(
            [
                "stockpile",
                f"{p.holder}: {_label(p.material)}",
                figures.tonnes(p.tonnes),
                figures.usd(p.cost_usd),
                cites.marks(p.sources),
            ]
            for p in view.stockpiles
        ),
        *(
            [
                "project",
                f"{names.get(p.project, p.project)} [{p.project}] ({_label(p.material)}), {_label(p.instrument)}",
                "",
                f"{figures.usd(p.outlay_usd)} (net {figures.usd(p.net_cost_usd)})",
                cites.marks(p.sources),
            ]
            for p in view.projects
        ),
        *(
            ["research", f"{p.programme} ({_label(p.material)})", "", figures.usd(p.cost_usd), cites.marks(p.sources)]
            for p in view.research
        ),
    ]
    if rows:
        top = known[:12]
        title = (
            f"Recommended portfolio at {figures.usd(view.budget) if view.budget is not None else 'the chosen budget'}"
        )
        svg = figures.hbars([(n, v, figures.usd(v)) for n, v in top], title) if top else ""
        more = f"; the {len(known) - len(top)} smaller items are in the table" if len(known) > len(top) else ""
        figs.append(
            _figure(
                cites,
                "response-portfolio",
                f"{title}: budget spent per stockpile lot, project and programme{more}",
                svg,
                [*view.sources, *input_ids(ds)],  # options' tables; prices and holdings from the dataset
                table=rows,
                header=["kind", "option", "tonnes", "budget (USD)", "sources"],
            )
        )
    cover = [[country_label(region), _label(material), f"{months:.1f}"] for region, material, months in view.cover[:14]]
    return {
        "view": view,
        "figures": figs,
        "cover": cover,
        "cover_more": max(len(view.cover) - len(cover), 0),
        "buys": _what_it_buys(view),
        "marks": cites.marks([*model_ids, *view.sources]),
    }


def _what_it_buys(view: ResponseView) -> list[str]:
    """Summary lines: budget, loss avoided, CVaR, months of cover, what is bought (HTML)."""

    def num(text: str) -> str:
        return f"<b class='num'>{text}</b>"

    lines = []
    if view.has_losses:
        lines.append(
            f"Budget {num(figures.usd(view.budget or 0.0))} (outlay {figures.usd(view.outlay_usd)}): expected allied "
            f"loss {num(figures.usd(view.expected_loss_usd))} against {num(figures.usd(view.do_nothing_loss_usd))} "
            f"doing nothing, so {num(figures.usd(view.loss_avoided_usd))} avoided; CVaR {view.cvar_alpha:.0%} "
            f"{num(figures.usd(view.cvar_usd))} against {num(figures.usd(view.do_nothing_cvar_usd))}"
            + (f" ({tail_caveat(view.draws)})." if view.draws else ".")
        )
    if view.cover:
        best: dict[str, list[tuple[str, float]]] = {}
        for region, material, months in view.cover:
            best.setdefault(material, []).append((region, months))
        parts = []
        for material, cells in list(best.items())[:3]:
            cells = sorted(cells, key=lambda c: -c[1])[:3]
            parts.append(f"{_label(material)}: " + ", ".join(f"{country_label(r)} {num(f'{m:.1f}')}" for r, m in cells))
        lines.append("Months of cover gained: " + "; ".join(parts) + ".")
    if view.has_portfolio:
        stock_cost = sum(p.cost_usd for p in view.stockpiles if np.isfinite(p.cost_usd))
        materials = list(dict.fromkeys(_label(p.material) for p in view.stockpiles))
        n = len(view.stockpiles)
        text = f"Buys {n} stockpile lot{'s' if n != 1 else ''}"
        if materials:
            text += f" ({', '.join(materials[:5])}{' and more' if len(materials) > 5 else ''}"
            text += f"; {figures.usd(stock_cost)})" if stock_cost else ")"
        names = project_names()
        backed = [f"{names.get(p.project, p.project)} ({_label(p.instrument)})" for p in view.projects]
        text += "; backs " + (", ".join(backed) if backed else "no project")
        text += "; funds " + (", ".join(p.programme for p in view.research) if view.research else "no research") + "."
        lines.append(text)
    return lines


def _environment() -> jinja2.Environment:
    folder = Path(str(files("critmin.report") / "templates"))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["tonnes"] = figures.tonnes
    env.filters["usd"] = figures.usd
    env.filters["pct"] = percent
    env.filters["country"] = country_label
    env.filters["material"] = content.material_label
    env.filters["sector"] = vocab.sector_label
    env.filters["short"] = stop_ranking.tonnes_by_material
    return env


TREND_MATERIALS = ("rare_earths", "graphite_natural", "tungsten", "antimony", "cobalt")
"""Materials whose mine output the briefing shows over time (those with a sourced series)."""


def render_html(
    ds: xr.Dataset,
    *,
    shock: xr.Dataset | Mapping[str, xr.Dataset] | None = None,
    response: xr.Dataset | Mapping[str, Any] | None = None,
    scenario_files: Sequence[str | Path] = (),
    seed: int | None = None,
    outlook: OutlookRun | None = None,
) -> str:
    """The briefing as one HTML document (see :func:`write_report`)."""
    cites = Citations(ds)
    exp = content.exposure(ds)
    hidden, concentrated = _summary_exposure(exp, cites)
    control = _control_figures(ds, exp, cites)
    world_maps = [_figure(cites, *parts) for parts in atlas.map_figures(ds, exp.year)]
    chains, not_drawn = atlas.chain_figures(ds, exp.year)
    sankeys = [_figure(cites, *parts) for parts in chains]
    dependence = _dependence_figures(exp, cites)
    trends = [(m, trend_table(trend_rows(ds, m), cites)) for m in TREND_MATERIALS]
    shock_part = _shock_section(ds, shock, cites) if shock is not None else None
    response_part = _response_section(ds, response, cites) if response is not None else None
    outlook_part = outlook_section(outlook, cites, input_ids(ds)) if outlook is not None else None
    seeds = _seed_text(seed, shock)
    sources = cites.appendix()
    return (
        _environment()
        .get_template("briefing.html.j2")
        .render(
            css=(Path(str(files("critmin.report") / "templates" / "briefing.css"))).read_text(encoding="utf-8"),
            generated=dt.datetime.now(dt.UTC).strftime("%d %B %Y, %H:%M UTC"),
            version=__version__,
            data_version=data_version(ds),
            scenario_files=[Path(str(p)).name for p in scenario_files],
            seed=seeds,
            exp=exp,
            hidden=hidden,
            concentrated=concentrated,
            control=control,
            world_maps=world_maps,
            sankeys=sankeys,
            not_drawn=not_drawn,
            dependence=dependence,
            trends=[(m.replace("_", " "), t) for m, t in trends if t],
            not_exclusive=NOT_EXCLUSIVE,
            glossary=TERMS,
            shock=shock_part,
            response=response_part,
            outlook=outlook_part,
            sources=[s for s in sources if s.cited],
            uncited=sum(1 for s in sources if not s.cited),
        )
    )


def _seed_text(seed: int | None, shock: xr.Dataset | Mapping[str, xr.Dataset] | None) -> str:
    """The seed(s) that regenerate the simulations shown: given, or each result's own."""
    if seed is not None:
        return str(seed)
    if isinstance(shock, xr.Dataset):
        return str(shock.attrs.get("seed", "as in the scenario file"))
    if shock:
        return ", ".join(f"{name} {result.attrs.get('seed', '?')}" for name, result in shock.items())
    return "none (no simulation)"


def write_report(
    ds: xr.Dataset,
    out_dir: str | Path,
    *,
    shock: xr.Dataset | Mapping[str, xr.Dataset] | None = None,
    response: xr.Dataset | Mapping[str, Any] | None = None,
    scenario_files: Sequence[str | Path] = (),
    seed: int | None = None,
    pdf_optional: bool = False,
    outlook: OutlookRun | None = None,
) -> tuple[Path, Path | None]:
    """Write ``briefing.html`` and ``briefing.pdf`` into `out_dir`.

    Parameters
    ----------
    ds : xarray.Dataset
        The critmin dataset (``critmin.load()``); its ``attrs`` give the data version.
    out_dir : str or pathlib.Path
        Folder written to (created if needed).
    shock : xarray.Dataset or mapping of name to Dataset, optional
        Results of ``critmin.shock.run`` (several scenarios as a mapping or a ``scenario`` dim:
        the worst, by allied loss in USD where the results allow, is named and charted); without
        them the shock sections state why they are absent.
    response : xarray.Dataset or mapping, optional
        The result of :func:`critmin.optimise.optimise_from_scenarios`, a frontier
        (:func:`critmin.optimise.frontier_from_scenarios`), or a mapping with keys
        ``"portfolio"`` and ``"frontier"`` (see :func:`critmin.report.results.response_view`);
        without it the response sections state why they are absent.
    scenario_files : sequence of path
        Scenario files the shock results come from, named in the briefing.
    seed : int, optional
        Monte Carlo seed of the shock results, stated in the briefing.
    outlook : critmin.outlook.output.OutlookRun, optional
        An outlook run with its plan (:func:`critmin.outlook.output.compute_outlook`), shown in
        section 6; without it the section states why it is absent.
    pdf_optional : bool
        When no PDF printer (Chromium) is installed, write the HTML only and return None for the
        PDF (:func:`critmin.report.pdf.printer_problem` says why) instead of raising.

    Returns
    -------
    tuple of pathlib.Path
        Paths of the HTML and the PDF (None when skipped, see `pdf_optional`).
    """
    from critmin._publish import publish_folder
    from critmin.report.pdf import print_pdf, printer_problem

    folder = Path(out_dir)
    html = render_html(ds, shock=shock, response=response, scenario_files=scenario_files, seed=seed, outlook=outlook)
    skip_pdf = pdf_optional and printer_problem() is not None

    def write(staging: Path) -> None:
        html_path = atomic_write_text(staging / "briefing.html", html)
        if not skip_pdf:
            print_pdf(html_path, staging / "briefing.pdf")

    publish_folder(folder, write)  # the HTML and its PDF appear together
    return folder / "briefing.html", None if skip_pdf else folder / "briefing.pdf"
