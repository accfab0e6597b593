"""Shock charts that carry their own context: which market a price is, the stockpile release
rule, the events marked and the no-shock baseline drawn (used by the briefing and the app).

A price is charted per market, never averaged across them: under a Chinese export control the
price inside China falls (supply is stranded there) while the price outside rises, and their
average would read as a dip in "the" price.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import xarray as xr

from critmin.report import figures, results
from critmin.report.content import material_label

MARKET_PHRASE = {
    "inside": "inside the controlling country (China unless a control names another)",
    "outside": "outside the controlling country",
    "china_domestic": "inside China (China's domestic market)",
    "international": "outside China (international market)",
}
"""How each price market reads on a chart: the simulator's ``market`` (inside / outside the
controller of an export control) and the dataset's ``price_market``."""


@dataclass(frozen=True)
class ShockChart:
    """One chart: its anchor key, title, band, baseline, event marks and a note for the caption."""

    key: str
    title: str
    band: results.Band
    baseline: float | None
    marks: list[tuple[int, str]]
    note: str

    def svg(self, lines: dict[str, list[float]] | None = None) -> str:
        """The chart as SVG (`lines` replaces the median line, e.g. to add a previous run)."""
        return figures.bands(
            self.band.months,
            lines or {"median": self.band.median},
            self.title,
            self.band.units,
            self.band.outer,
            self.band.inner,
            baseline=self.baseline,
            marks=self.marks,
        )


def event_marks(shock: xr.Dataset) -> list[tuple[int, str]]:
    """(month index, label) of the scenario's events, from the result's ``events`` attribute."""
    try:
        return [(int(m), str(label)) for m, label in json.loads(str(shock.attrs.get("events", "[]")))]
    except (ValueError, TypeError):
        return []


CONTROL_NOTE = (
    "A control strands supply inside the controller, so the price there can fall while the price outside rises"
)
"""Caption of a price chart by market, for scenarios with an export control only: without one there is
nothing stranded, and the note would explain a gap that is not there."""


def has_control(marks: list[tuple[int, str]]) -> bool:
    """Whether the scenario's event marks include an export control.

    >>> has_control([(1, "CHN export control"), (7, "CHN control lifted")]), has_control([(1, "CHN outage")])
    (True, False)
    """
    return any(label.endswith("export control") for _, label in marks)


def _baseline(variable: str, band: results.Band) -> float | None:
    if variable == "price_ratio":
        return 1.0
    if variable == "shortfall":
        return 0.0
    return band.median[0] if band.median else None  # stocks and price levels: the first month, before events


def _alternates(series: list[float], tolerance: float = 0.25) -> bool:
    """Whether the series rises and falls by more than `tolerance` of its peak at least twice running.

    >>> _alternates([0, 7118, 903, 7118, 0]), _alternates([0, 100, 200, 200, 0])
    (True, False)
    """
    peak = max((abs(v) for v in series if v == v), default=0.0)
    if peak <= 0:
        return False
    moves = [b - a for a, b in zip(series, series[1:], strict=False) if abs(b - a) > tolerance * peak]
    return any(x * y < 0 and z * y < 0 for x, y, z in zip(moves, moves[1:], moves[2:], strict=False))


def stop_start_note(shock: xr.Dataset) -> str:
    """Why a shortfall can saw up and down month to month (the engine's stop rule, not noise)."""
    level = str(shock.attrs.get("parameter:min_operating_level", "")).split(" ")[0] or "the minimum"
    return (
        f"The shortfall alternates because users stop and restart: a user whose supply is below its "
        f"minimum operating level ({level} of need) stops and keeps what arrives, then restarts the next "
        f"month on that stock and runs it down; while supply stays short it runs every other month"
    )


def charts(shock: xr.Dataset, variable: str, material: str | None = None) -> list[ShockChart]:
    """The charts of `variable` for `material` (all materials when None): one per market for prices.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> months = pd.date_range("2025-01-01", periods=3, freq="MS").values
    >>> price = xr.DataArray(np.ones((2, 3, 2)), dims=("draw", "month", "market"),
    ...                      coords={"month": months, "market": ["inside", "outside"]})
    >>> shock = xr.Dataset({"price_ratio": price}, attrs={"events": "[[1, \\"CHN export control\\"]]"})
    >>> for chart in charts(shock, "price_ratio"):
    ...     print(chart.title.split(", ratio")[0])
    Simulated price inside the controlling country (China unless a control names another)
    Simulated price outside the controlling country
    >>> charts(shock, "price_ratio")[0].marks
    [(1, 'CHN export control')]
    """
    if material is None and results.banded_only(shock, variable) and "material" in results.series(shock, variable).dims:
        # bands are kept per material (tonnes of different materials are never added)
        return [c for m in results.split_labels(shock) for c in charts(shock, variable, m)]
    labels = {"material": material} if material else {}
    what = material_label(material) if material else ""
    marks = event_marks(shock)
    markets: list[str | None] = [None]
    array = results.series(shock, variable)
    dim = next((d for d in ("market", "price_market") if d in array.dims), None)
    if variable in results.INTENSIVE and dim is not None:
        markets = [str(m) for m in array[dim].values]
    out = []
    for market in markets:
        band = results.shock_band(shock, variable, **labels, **({str(dim): market} if market else {}))
        if variable in results.INTENSIVE:
            where = f" {MARKET_PHRASE.get(market, f'in the {market} market')}" if market else ""
            ratio = ", ratio to the baseline price" if variable == "price_ratio" else ""
            title = f"Simulated price{f' of {what}' if what else ''}{where}{ratio}, by month"
            note = CONTROL_NOTE if market and has_control(marks) else ""
        else:
            title = f"Simulated {variable}{f' of {what}' if what else ''} by month: median and range across draws"
            note = ""
        if variable == "shortfall" and _alternates(band.median):
            note = stop_start_note(shock)
        if variable == "stockpile":
            note = "Release rule: " + str(shock.attrs.get("stockpile_release", "not recorded in these results"))
        key = f"{variable}-{material}" + (f"-{market}" if market else "")
        out.append(ShockChart(key, title, band, _baseline(variable, band), marks, note))
    return out
