"""The briefing's maps and chain Sankeys: which to draw, with captions and source ids.

Each function returns ``(anchor, caption, svg, source ids)`` tuples that
:mod:`critmin.report.html` turns into figures, and the reasons for what it could not draw.

Examples
--------
>>> from critmin.data import load
>>> ds = load()
>>> [anchor for anchor, *_ in chain_figures(ds, 2024)[0]][:3]
['sankey-ndfeb-magnet', 'sankey-ndpr-metal', 'sankey-neodymium-metal']
"""

from __future__ import annotations

import xarray as xr

from critmin.report import content, figures, maps
from critmin.report.content import country_label, step_label
from critmin.vocabulary import MATERIAL_STAGES

FigureParts = tuple[str, str, str, list[str]]
MAP_STEP = ("rare_earths", "mining")
"""The stage mapped by country in the briefing: where the chain starts and concentration is highest."""
FLOW_STEP = ("ndfeb", "magnet")
"""The product whose import flows are mapped for :data:`FLOW_ALLY`."""
FLOW_ALLY = "USA"


def map_figures(ds: xr.Dataset, year: int) -> list[FigureParts]:
    """A choropleth of :data:`MAP_STEP` shares and a map of :data:`FLOW_ALLY`'s :data:`FLOW_STEP` imports."""
    out: list[FigureParts] = []
    shares, shown, ids = maps.map_shares(ds, *MAP_STEP, year)
    if shares:
        caption = f"{step_label(MAP_STEP)}: world share of output by country, {shown}"
        out.append(("map-shares", caption, maps.share_map(shares, caption), ids))
    flows, trade_year, trade_ids = maps.map_flows(ds, *FLOW_STEP, FLOW_ALLY, year)
    if flows:
        basis = MATERIAL_STAGES[FLOW_STEP[0]][FLOW_STEP[1]]
        caption = (
            f"{step_label(FLOW_STEP)}: imports of {country_label(FLOW_ALLY)} by origin, {trade_year} "
            f"(t {basis}); the app maps every ally, material and stage"
        )
        out.append(("map-flows", caption, maps.flow_map(flows, FLOW_ALLY, basis, caption), trade_ids))
    return out


def chain_figures(ds: xr.Dataset, year: int) -> tuple[list[FigureParts], list[str]]:
    """One Sankey per distinct chain that shows a material with data, longest first; and what was not drawn."""
    targets: dict[tuple[str, str], list[str]] = {}
    missing = []
    for material in content.materials_with_data(ds):
        target = content.sankey_target(ds, material)
        if target is None:
            missing.append(f"{material.replace('_', ' ')}: no stage has an input in the chain table")
        else:
            targets.setdefault(target, []).append(material)
    out: list[FigureParts] = []
    charts = []
    for target in targets:
        chart = content.chain_sankey(ds, target, year=year)
        if isinstance(chart, str):
            missing.append(f"{step_label(target)}: {chart}")
        else:
            charts.append((target, chart))
    for target, chart in sorted(charts, key=lambda tc: -len(tc[1].steps)):  # stable: vocabulary order within
        caption = content.sankey_title(chart)
        anchor = f"sankey-{target[0]}-{target[1]}"
        out.append((anchor, caption, figures.sankey(chart, caption), chart.sources))
    return out, missing
