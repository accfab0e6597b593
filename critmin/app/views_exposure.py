"""The Exposure page's world maps and chain Sankeys, as HTML, from the briefing's own figure functions.

Kept apart from :mod:`critmin.app.views` so that each module stays one concern: views.py holds the
pages and their widgets, this module what one exposure view shows for given choices.
"""

from __future__ import annotations

from html import escape

import pandas as pd
import xarray as xr

from critmin.app.markup import figure_html, html_table
from critmin.report import content, figures, maps
from critmin.report.content import country_label, percent, step_label
from critmin.report.sources import Citations
from critmin.vocabulary import MATERIAL_STAGES, stages_of


def map_years(ds: xr.Dataset, material: str, stage: str) -> list[int]:
    """Years with any production of `material` at `stage`, latest first."""
    if material not in ds.material.values or stage not in ds.stage.values:
        return []
    cell = ds.production.sel(material=material, stage=stage)
    has = cell.notnull().any([d for d in cell.dims if d != "year"])
    return sorted((int(y) for y in cell.year.values[has.values]), reverse=True)


def map_html(
    ds: xr.Dataset, material: str, stage: str, year: int | None, ally: str | None, table: pd.DataFrame | None = None
) -> str:
    """Choropleth of world shares at one stage and year, the ally's import flows, and their tables.

    `table` is :func:`critmin.report.tables.stage_share_table` of `ds` as of `year`, when already computed.
    """
    cites = Citations(ds)
    name = step_label((material, stage))
    shares, shown, ids = maps.map_shares(ds, material, stage, year, table)
    parts = []
    if shares:
        title = f"{name}: world share of output by country, {shown}"
        parts.append(figure_html(maps.share_map(shares, title), ids, cites, title))
        rows = [[country_label(c), c, percent(s), f"{s:.4f}"] for c, s in sorted(shares.items(), key=lambda kv: -kv[1])]
        parts.append(
            "<details><summary>The shares as a table</summary>"
            + html_table(
                ["country", "ISO3", "share", "share (0-1)"],
                rows,
                cites.hover(ids),
                "map-shares",
                csv_name=f"shares_{material}_{stage}_{shown}.csv",
            )
            + "</details>"
        )
    else:
        parts.append(f'<p class="absent">No production of {escape(name)} is recorded.</p>')
    if ally is None:
        return "".join(parts)
    flows, trade_year, trade_ids = maps.map_flows(ds, material, stage, ally, year)
    if not flows:
        traded = [s for s in stages_of(material) if maps.map_flows(ds, material, s, ally, year)[0]]
        hint = f" Stages with trade rows: {', '.join(traded)}." if traded else ""
        parts.append(
            f'<p class="absent">No {escape(name)} imports of {escape(country_label(ally))} are recorded in the trade '
            f"rows.{escape(hint)}</p>"
        )
        return "".join(parts)
    basis = MATERIAL_STAGES.get(material, {}).get(stage, "")
    title = f"{name}: imports of {country_label(ally)} by origin, {trade_year} (t {basis})"
    parts.append(figure_html(maps.flow_map(flows, ally, basis, title), trade_ids, cites, title))
    total = sum(t for _, t in flows)
    rows = [
        [country_label(e), e, figures.tonnes(t), f"{t:.1f}", percent(t / total)]
        for e, t in sorted(flows, key=lambda f: -f[1])
    ]
    parts.append(
        "<details><summary>The flows as a table</summary>"
        + html_table(
            ["origin", "ISO3", "tonnes", f"t {basis}", "share of imports"],
            rows,
            cites.hover(trade_ids),
            "map-flows",
            csv_name=f"imports_{ally}_{material}_{stage}_{trade_year}.csv",
        )
        + "</details>"
    )
    return "".join(parts)


def sankey_html(ds: xr.Dataset, material: str, year: int) -> str:
    """The chain Sankey that shows `material` (its own, or the longer chain it feeds), or why there is none."""
    target = content.sankey_target(ds, material)
    label = material.replace("_", " ")
    if target is None:
        return (
            f'<p class="absent">No chain is drawn for {escape(label)}: the chain table gives none of its stages an '
            "input, and it is no input of another material's chain.</p>"
        )
    chart = content.chain_sankey(ds, target, year=year)
    if isinstance(chart, str):
        return f'<p class="absent">The {escape(label)} chain is not drawn: {escape(chart)}.</p>'
    title = content.sankey_title(chart)
    heading = f"{content.step_label(chart.steps[0])} to {content.step_label(chart.steps[-1])}, {chart.year}"
    return f"<h3>Supply chain: {escape(heading)}</h3>" + figure_html(
        figures.sankey(chart, title), chart.sources, Citations(ds), title
    )
