"""World maps drawn in Python as SVG: who produces a stage (choropleth) and where an ally's imports come from.

The outlines are Natural Earth 1:110m countries, shipped in the package as SVG paths keyed by
ISO3 (``critmin/data/geometry/world_110m.json``, built by ``tools/build_world_map.py``), so
nothing is fetched: the same string goes into the app, the HTML briefing and the PDF. The EU27,
one row in the data, is drawn as its 27 member states, each in the EU's colour; ``ROW`` (the
rest of the world) has no outline and is stated below the map.

Examples
--------
>>> svg = share_map({"CHN": 0.7, "USA": 0.12, "ROW": 0.18}, "Rare-earth mining, 2024")
>>> svg.startswith("<svg") and 'data-chart="share-map"' in svg
True
>>> flow_map([("CHN", 5000.0), ("MYS", 800.0)], "JPN", "REO", "Japan's imports").count('class="flow"')
2
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from html import escape
from importlib.resources import files

import numpy as np
import pandas as pd
import xarray as xr

from critmin.exposure.years import base_year
from critmin.report.content import country_label, percent
from critmin.report.figures import MUTED, WIDTH, _svg, _text, colour, tonnes
from critmin.report.tables import stage_share_table
from critmin.vocabulary import EU27_MEMBERS

BINS = (0.01, 0.05, 0.10, 0.25, 0.50)
"""Upper edges of the share classes; a class per edge plus one above the last."""
RAMP = ("#fde0d2", "#fcbba1", "#fc9272", "#ef5a3c", "#cb2a22", "#8e0d13")
NO_DATA, BORDER = "#e6e9ed", "#ffffff"
TOP_FLOWS = 8


@dataclass(frozen=True)
class Shape:
    """One country's outline (SVG path data), name, and the centre and area of its largest part."""

    name: str
    d: str
    centre: tuple[float, float]
    area: float


@dataclass(frozen=True)
class World:
    """The packaged outlines and where they come from."""

    width: float
    height: float
    shapes: dict[str, Shape]
    source: str
    licence: str


@cache
def world() -> World:
    """The packaged 1:110m world outlines (read once)."""
    raw = json.loads((files("critmin.data") / "geometry" / "world_110m.json").read_text(encoding="utf-8"))
    shapes = {
        key: Shape(c["name"], c["d"], (float(c["centre"][0]), float(c["centre"][1])), float(c["area"]))
        for key, c in raw["countries"].items()
    }
    return World(float(raw["width"]), float(raw["height"]), shapes, raw["source"], raw["licence"])


def _members(code: str) -> list[str]:
    return sorted(EU27_MEMBERS) if code == "EU27" else [code]


def centre(code: str) -> tuple[float, float] | None:
    """Where a flow starts or ends: a country's mainland, or the area-weighted centre of the EU27 members."""
    shapes = [world().shapes[m] for m in _members(code) if m in world().shapes]
    total = sum(s.area for s in shapes)
    if not total:
        return None
    return (
        sum(s.centre[0] * s.area for s in shapes) / total,
        sum(s.centre[1] * s.area for s in shapes) / total,
    )


def share_class(share: float) -> int:
    """Index into :data:`RAMP` of a share.

    Examples
    --------
    >>> share_class(0.004), share_class(0.07), share_class(0.7)
    (0, 2, 5)
    """
    return next((i for i, edge in enumerate(BINS) if share < edge), len(BINS))


def _outlines(fill: Mapping[str, tuple[str, str]]) -> list[str]:
    """Every country's path: `fill` maps ISO3 to (colour, hover text); the others are grey."""
    body = []
    for key, shape in world().shapes.items():
        colour_, tip = fill.get(key, (NO_DATA, f"{shape.name}: no data"))
        body.append(
            f'<path d="{shape.d}" fill="{colour_}" stroke="{BORDER}" stroke-width="0.4" data-iso3="{escape(key)}">'
            f"<title>{escape(tip)}</title></path>"
        )
    return body


def _legend_rows(items: Sequence[tuple[str, str]], y: float) -> tuple[list[str], float]:
    """Swatches with labels wrapped to the chart width; returns the marks and the y below them."""
    body, x = [], 4.0
    for fill, label in items:
        width = 22 + 6.4 * len(label)
        if x + width > WIDTH:
            x, y = 4.0, y + 18
        body.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="12" height="12" fill="{fill}" stroke="#9aa1a9" stroke-width="0.5"/>'
        )
        body.append(_text(x + 16, y + 10, label, size=11, fill=MUTED))
        x += width + 10
    return body, y + 18


def share_map(shares: Mapping[str, float], title: str) -> str:
    """Choropleth of world shares (0-1) by ISO3; EU27 fills its members, ROW is stated below the map."""
    fill: dict[str, tuple[str, str]] = {}
    for code, share in shares.items():
        for member in _members(code):
            if member in world().shapes and not (code == "EU27" and member in shares):
                where = f"{country_label(member)} (EU27 total)" if code == "EU27" else country_label(member)
                fill[member] = (RAMP[share_class(share)], f"{where}: {share:.1%} of world output")
    body = _outlines(fill)
    labels = ["under 1%", *(f"{lo:.0%}-{hi:.0%}" for lo, hi in zip(BINS, BINS[1:], strict=False)), f"{BINS[-1]:.0%}+"]
    items = [*zip(RAMP, labels, strict=True), (NO_DATA, "no production recorded")]
    legend, y = _legend_rows(items, world().height + 8)
    unmapped = [c for c in shares if c not in world().shapes and c != "EU27" and shares[c] >= 0.0005]
    notes = [f"{country_label(c)} {percent(shares[c])}" for c in sorted(unmapped, key=lambda c: -shares[c])]
    if "EU27" in shares:
        notes.append("EU27 drawn as its 27 members")
    if notes:
        legend.append(_text(4, y + 10, "Not on the map: " + "; ".join(notes), size=11, fill=MUTED))
        y += 18
    ranked = sorted(((c, round(float(s), 4)) for c, s in shares.items()), key=lambda v: (-v[1], v[0]))
    values = [[c, s] for c, s in ranked]
    return _svg("share-map", y + 4, body + legend, title, values)


def _arc(start: tuple[float, float], end: tuple[float, float]) -> str:
    """A quadratic curve bowed to the left of its direction, so opposite flows do not overlap."""
    (x0, y0), (x1, y1) = start, end
    dx, dy = x1 - x0, y1 - y0
    bend = 0.18 * math.hypot(dx, dy)
    norm = math.hypot(dx, dy) or 1.0
    cx, cy = (x0 + x1) / 2 + dy / norm * bend, (y0 + y1) / 2 - dx / norm * bend
    return f"M{x0:.1f},{y0:.1f} Q{cx:.1f},{cy:.1f} {x1:.1f},{y1:.1f}"


def flow_map(flows: Sequence[tuple[str, float]], importer: str, basis: str, title: str) -> str:
    """The largest flows of `flows` ((exporter, tonnes a year of `basis`)) to `importer`, widths by tonnes."""
    ranked = sorted(((e, float(t)) for e, t in flows if t > 0), key=lambda f: (-f[1], f[0]))
    drawn = [(e, t) for e, t in ranked if e != importer and centre(e) is not None][:TOP_FLOWS]
    rest = [(e, t) for e, t in ranked if (e, t) not in drawn]
    fill = {m: ("#9ec5e8", f"{country_label(importer)}: the importer") for m in _members(importer)}
    fill |= {
        m: ("#f6d5a8", f"{country_label(e)}: {tonnes(t)} to {country_label(importer)}")
        for e, t in drawn
        for m in _members(e)
    }
    body = _outlines(fill)
    end = centre(importer)
    largest = drawn[0][1] if drawn else 1.0
    placed: list[tuple[float, float, float]] = []  # label boxes (centre x, y, half width): no label over another
    for exporter, amount in drawn:
        start = centre(exporter)
        if start is None or end is None:
            continue
        width = 1.2 + 9 * math.sqrt(amount / largest)
        tip = f"{country_label(exporter)} to {country_label(importer)}: {tonnes(amount)} ({basis})"
        body.append(
            f'<path class="flow" d="{_arc(start, end)}" fill="none" stroke="{colour(exporter)}" '
            f'stroke-width="{width:.1f}" stroke-opacity="0.75" stroke-linecap="round">'
            f"<title>{escape(tip)}</title></path>"
        )
        label = f"{exporter} {tonnes(amount)}"
        half = 3.1 * len(label)
        if all(abs(start[0] - x) > half + h or abs(start[1] - y) > 12 for x, y, h in placed):
            placed.append((start[0], start[1], half))
            body.append(_text(start[0], start[1] - 4, label, size=10, anchor="middle", weight="bold"))
    if end is not None:
        body.append(f'<circle cx="{end[0]:.1f}" cy="{end[1]:.1f}" r="4" fill="#1f5f99" stroke="#fff"/>')
        body.append(_text(end[0], end[1] + 15, country_label(importer), size=11, anchor="middle", weight="bold"))
    y = world().height + 10
    total = sum(t for _, t in ranked)
    lines = [
        f"Line width: tonnes a year ({basis}); the {len(drawn)} largest of {len(ranked)} origins drawn, "
        f"{tonnes(total)} in all; hover a line for its tonnes."
    ]
    if rest:
        lines.append(
            "Not drawn: "
            + "; ".join(f"{country_label(e)} {tonnes(t)}" for e, t in rest[:6])
            + ("…" if len(rest) > 6 else "")
        )
    if importer == "EU27":
        lines.append("EU27 drawn as its 27 members; flows between members are not imports.")
    extra = []
    for line in lines:
        extra.append(_text(4, y + 10, line, size=11, fill=MUTED))
        y += 17
    values = [[e, round(t, 1)] for e, t in ranked]
    return _svg("flow-map", y + 4, body + extra, title, values)


def map_shares(
    ds: xr.Dataset, material: str, stage: str, year: int | None = None, table: pd.DataFrame | None = None
) -> tuple[dict[str, float], int, list[str]]:
    """World shares by country of `material` at `stage`, latest year with data at or before `year`.

    Returns the shares by ISO3 (``ROW`` for the rest of the world), the year read, and the source ids.
    `table`: :func:`~critmin.report.tables.stage_share_table` of `ds` as of `year`, when already computed.
    """
    table = stage_share_table(ds, year) if table is None else table
    rows = table[(table.material == material) & (table.stage == stage)]
    if rows.empty:
        return {}, int(year or base_year(ds)), []
    ids = sorted({s for cell in rows.source_id for s in str(cell).split(";") if s and s != "nan"})
    return {str(r.country): float(r.share) for r in rows.itertuples()}, int(rows.year.iloc[0]), ids


def map_flows(
    ds: xr.Dataset, material: str, stage: str, importer: str, year: int | None = None
) -> tuple[list[tuple[str, float]], int | None, list[str]]:
    """`importer`'s imports of `material` at `stage` by exporter (t), the latest trade year at or before `year`."""
    if "trade" not in ds or material not in ds.material.values or stage not in ds.stage.values:
        return [], None, []
    if importer not in ds.importer.values:
        return [], None, []
    cell = ds.trade.sel(material=material, stage=stage, importer=importer)
    limit = base_year(ds) if year is None else year
    years = [int(y) for y in cell.year.values if y <= limit and bool(cell.sel(year=y).notnull().any())]
    if not years:
        return [], None, []
    chosen = max(years)
    row = cell.sel(year=chosen).to_series().dropna()
    flows = [(str(e), float(t)) for e, t in row.items() if t > 0]
    ids: set[str] = set()
    if "trade_source" in ds:
        source = ds.trade_source.sel(material=material, stage=stage, importer=importer, year=chosen)
        ids = {str(s) for s in np.unique(source.values) if s and str(s) != "nan"}
    return flows, chosen, sorted(ids)
