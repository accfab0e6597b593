"""The briefing as one self-contained HTML file (CSS inline, charts as inline SVG, no script).

:func:`write_report` writes ``briefing.html`` and prints ``briefing.pdf`` from it with headless
Chromium (:mod:`critmin.report.pdf`); both are written to a temporary file and renamed, so a
failed run leaves an earlier briefing intact. Sections that need shock or response results are
rendered from those Datasets when given and otherwise left out with the reason stated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2
import xarray as xr

from critmin import __version__
from critmin._io import atomic_write_text
from critmin.report import content, figures, results
from critmin.report.content import country_label, percent, step_label
from critmin.report.sources import Citations, split_ids

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
    for material in content.materials_with_data(ds):
        bars = content.stage_bars(ds, material)
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
        title = f"{material.replace('_', ' ')}: world share of output at each stage"
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


def _dependence_figures(exp: content.Exposure, cites: Citations) -> list[Figure]:
    found = []
    for material, stage in exp.targets:
        target = f"{material}/{stage}"
        rows = content.ally_dependence(exp, target)
        if rows.empty:
            continue
        pairs = [(f"{r.importer} on {r.origin}", float(r.direct), float(r.ultimate)) for r in rows.itertuples()]
        title = f"{step_label((material, stage))}: each ally's direct and ultimate dependence, {exp.year}"
        svg = figures.hbar_pairs(pairs, ("direct (last shipper)", "ultimate (any stage)"), title)
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
                title,
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


def _shock_section(ds: xr.Dataset, shock: xr.Dataset, cites: Citations) -> dict[str, Any]:
    ids = input_ids(ds)
    figs = []
    materials = results.split_labels(shock)[:MAX_SHOCK_PANELS] or [None]
    for variable in results.shock_variables(shock):
        for material in materials:
            band = results.shock_band(shock, variable, **({"material": material} if material else {}))
            what = f"{variable} of {material.replace('_', ' ')}" if material else variable
            title = f"Simulated {what} by month: median and range across draws"
            svg = figures.bands(band.months, {"median": band.median}, title, band.units, band.outer, band.inner)
            figs.append(_figure(cites, f"shock-{variable}-{material}", title, svg, ids))
    worst = results.worst_scenario(shock)
    stops = worst.stops if isinstance(worst, results.ScenarioOutcome) else None
    return {
        "figures": figs,
        "worst": worst if not isinstance(worst, str) else None,
        "reason": worst if isinstance(worst, str) else "",
        "stops": [] if stops is None else stops.head(12).to_dict("records"),
        "marks": cites.marks(ids),
    }


def _response_section(response: xr.Dataset, cites: Citations, ids: list[str]) -> dict[str, Any]:
    view = results.response_view(response)
    figs = []
    if view.budgets:
        svg = figures.frontier(
            view.budgets, view.shortfall, "Expected shortfall left against budget", "USD", "t", view.recommended
        )
        figs.append(
            _figure(cites, "response-frontier", "Response frontier: expected shortfall left for each budget", svg, ids)
        )
    if view.portfolio:
        rows = [(name.replace("_", " "), value, f"USD {value:,.0f}") for name, value in view.portfolio]
        figs.append(
            _figure(
                cites,
                "response-portfolio",
                "Recommended portfolio: spending per option",
                figures.hbars(rows, "Recommended portfolio"),
                ids,
            )
        )
    return {"view": view, "figures": figs}


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
    env.filters["pct"] = percent
    env.filters["country"] = country_label
    return env


def render_html(
    ds: xr.Dataset,
    *,
    shock: xr.Dataset | None = None,
    response: xr.Dataset | None = None,
    scenario_files: Sequence[str | Path] = (),
    seed: int | None = None,
) -> str:
    """The briefing as one HTML document (see :func:`write_report`)."""
    cites = Citations(ds)
    exp = content.exposure(ds)
    hidden, concentrated = _summary_exposure(exp, cites)
    control = _control_figures(ds, exp, cites)
    sankey = content.chain_sankey(ds, year=exp.year)
    sankey_fig = None
    if isinstance(sankey, content.Sankey):
        title = f"Rare-earth chain {exp.year}, mine to magnet: who supplies whom at each step"
        sankey_fig = _figure(cites, "sankey", title, figures.sankey(sankey, title), sankey.sources)
    dependence = _dependence_figures(exp, cites)
    shock_part = _shock_section(ds, shock, cites) if shock is not None else None
    response_part = _response_section(response, cites, input_ids(ds)) if response is not None else None
    if seed is None and shock is not None and "seed" in shock.attrs:
        seed = int(shock.attrs["seed"])
    return (
        _environment()
        .get_template("briefing.html.j2")
        .render(
            css=(Path(str(files("critmin.report") / "templates" / "briefing.css"))).read_text(encoding="utf-8"),
            generated=dt.datetime.now(dt.UTC).strftime("%d %B %Y, %H:%M UTC"),
            version=__version__,
            data_version=data_version(ds),
            scenario_files=[Path(str(p)).name for p in scenario_files],
            seed=seed,
            exp=exp,
            hidden=hidden,
            concentrated=concentrated,
            control=control,
            sankey=sankey_fig,
            sankey_reason=sankey if isinstance(sankey, str) else "",
            dependence=dependence,
            shock=shock_part,
            response=response_part,
            sources=cites.appendix(),
        )
    )


def write_report(
    ds: xr.Dataset,
    out_dir: str | Path,
    *,
    shock: xr.Dataset | None = None,
    response: xr.Dataset | None = None,
    scenario_files: Sequence[str | Path] = (),
    seed: int | None = None,
) -> tuple[Path, Path]:
    """Write ``briefing.html`` and ``briefing.pdf`` into `out_dir`.

    Parameters
    ----------
    ds : xarray.Dataset
        The critmin dataset (``critmin.load()``); its ``attrs`` give the data version.
    out_dir : str or pathlib.Path
        Folder written to (created if needed).
    shock : xarray.Dataset, optional
        Results of ``critmin.shock.run``; without them the shock sections state why they are absent.
    response : xarray.Dataset, optional
        Results of ``critmin.optimise``; likewise.
    scenario_files : sequence of path
        Scenario files the shock results come from, named in the briefing.
    seed : int, optional
        Monte Carlo seed of the shock results, stated in the briefing.

    Returns
    -------
    tuple of pathlib.Path
        Paths of the HTML and the PDF.
    """
    from critmin.report.pdf import print_pdf

    folder = Path(out_dir)
    html = render_html(ds, shock=shock, response=response, scenario_files=scenario_files, seed=seed)
    html_path = atomic_write_text(folder / "briefing.html", html)
    pdf_path = print_pdf(html_path, folder / "briefing.pdf")
    return html_path, pdf_path
