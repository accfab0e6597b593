"""Past episodes as backtests: load an episode's scenario and observed bands, run it, score each band.

An episode is ``<name>.toml`` (the scenario as written on the announcement day) and ``<name>.csv``
(observed bands) in :data:`EPISODES` (columns: ``critmin/scenarios/episodes/README.md``). A band's
model value is the ratio of a metric in its month(s) to the same metric in its baseline month(s):
exports on the named edges, or the price ratio of the market outside or inside the controller.

A band is hit when the model value lies in ``[low, high]``; its signed distance is 0 then, else
the log ratio to the nearest edge (negative below, positive above). Per episode: *direction* is
the share of bands whose model and observed ratios move the same way from 1 (within 5 % counts as
flat), *timing* the model's trough month minus the observed trough month on the series of the
band with the lowest observed export ratio, *magnitude* the mean absolute log error.

Examples
--------
>>> signed_distance(0.5, 0.3, 0.7), round(signed_distance(0.9, 0.3, 0.7), 3)
(0.0, 0.251)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from critmin.errors import Issue, ScenarioError
from critmin.scenarios.spec import Scenario, load_scenario
from critmin.shock.io import baseline_year
from critmin.shock.montecarlo import batches
from critmin.shock.network import build_network
from critmin.shock.simulate import months, run_batch, to_dataset
from critmin.vocabulary import MATERIAL_STAGES

EPISODES = Path(__file__).resolve().parents[1] / "scenarios" / "episodes"
"""The packaged episodes."""
COLUMNS = (
    "band",
    "metric",
    "materials",
    "stages",
    "exporter",
    "importer",
    "month",
    "baseline",
    "observed",
    "low",
    "high",
    "observed_as",
    "source_url",
    "quote",
    "band_written",
)
METRICS = ("exports", "price_outside", "price_inside")
FLOOR = 0.01
"""Ratios are floored here before taking logs (observed zeros, empty months)."""
FLAT = np.log(1.05)


@dataclass(frozen=True)
class Band:
    """One observed figure of an episode and the band the model should hit."""

    name: str
    metric: str
    materials: tuple[str, ...]
    stages: tuple[str, ...]
    exporter: str
    importer: str
    month: tuple[str, str]
    baseline: tuple[str, str]
    observed: float
    low: float
    high: float
    observed_as: str = ""
    source_url: str = ""
    quote: str = ""
    band_written: str = ""


@dataclass(frozen=True)
class Episode:
    """A past event: its scenario and its bands."""

    name: str
    scenario: Scenario
    bands: tuple[Band, ...]


def _window(text: str, scenario: Scenario, file: str, row: int, field: str, issues: list[Issue]) -> tuple[str, str]:
    first, _, last = text.partition("..")
    last = last or first
    span = [str(m)[:7] for m in months(scenario)]
    if first not in span or last not in span or first > last:
        issues.append(
            Issue(
                file,
                row,
                field,
                f"{text!r} is not a month or YYYY-MM..YYYY-MM range within the scenario's {span[0]}..{span[-1]}",
                "give months the scenario simulates, or widen its horizon",
            )
        )
    return first, last


def parse_bands(text: str, scenario: Scenario, file: str) -> tuple[tuple[Band, ...], list[Issue]]:
    """Bands of one observations CSV, and every problem found (file, row, field, fix)."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        return (), [
            Issue(file, 1, c, "column missing", f"add the column (columns: {', '.join(COLUMNS)})") for c in missing
        ]
    bands: list[Band] = []
    issues: list[Issue] = []
    seen: set[str] = set()
    for row, rec in enumerate(reader, start=2):
        if None in rec or None in rec.values():
            fix = f"give the {len(COLUMNS)} columns {', '.join(COLUMNS)}; quote text holding commas"
            issues.append(Issue(file, row, "(row)", "wrong number of fields", fix))
            continue
        before = len(issues)
        for material in rec["materials"].split(";"):
            if material not in MATERIAL_STAGES:
                issues.append(Issue(file, row, "materials", f"{material!r} is not a material", "use critmin's names"))
            for stage in (s for s in rec["stages"].split(";") if s):
                if material in MATERIAL_STAGES and stage not in MATERIAL_STAGES[material]:
                    fix = f"use one of {', '.join(MATERIAL_STAGES[material])}, or leave stages empty"
                    issues.append(Issue(file, row, "stages", f"{material} has no stage {stage!r}", fix))
        if rec["band"] in seen or not rec["band"]:
            issues.append(
                Issue(file, row, "band", f"{rec['band']!r} is empty or repeated", "give each band a unique name")
            )
        seen.add(rec["band"])
        if rec["metric"] not in METRICS:
            issues.append(
                Issue(file, row, "metric", f"{rec['metric']!r} is unknown", f"use one of {', '.join(METRICS)}")
            )
        nums = {}
        for f in ("observed", "low", "high"):
            try:
                nums[f] = float(rec[f])
            except ValueError:
                issues.append(Issue(file, row, f, f"{rec[f]!r} is not a number", "write a ratio such as 0.25"))
        if len(nums) == 3 and not 0 <= nums["low"] <= nums["high"]:
            issues.append(Issue(file, row, "low", "low is negative or above high", "make 0 <= low <= high"))
        month = _window(rec["month"], scenario, file, row, "month", issues)
        baseline = _window(rec["baseline"], scenario, file, row, "baseline", issues)
        is_price = rec["metric"].startswith("price")
        if is_price and len(rec["materials"].split(";")) != 1:
            issues.append(
                Issue(file, row, "materials", "a price band names one material", "split it into one band per material")
            )
        if not is_price and not (rec["exporter"] and rec["importer"]):
            issues.append(
                Issue(file, row, "exporter", "an exports band needs exporter and importer", "give ISO3 codes or *")
            )
        if len(issues) == before:
            split = lambda s: tuple(x for x in s.split(";") if x)  # noqa: E731
            where = (rec["exporter"], rec["importer"], month, baseline)
            head = (rec["band"], rec["metric"], split(rec["materials"]), split(rec["stages"]))
            numbers = (nums["observed"], nums["low"], nums["high"])
            notes = (rec["observed_as"], rec["source_url"], rec["quote"], rec["band_written"])
            bands.append(Band(*head, *where, *numbers, *notes))
    return tuple(bands), issues


def load_episodes(folder: Path = EPISODES) -> list[Episode]:
    """Every episode in `folder` (``<name>.toml`` with ``<name>.csv``), checked all at once.

    Raises
    ------
    ScenarioError
        Listing every problem in every file.

    Examples
    --------
    >>> [e.name for e in load_episodes()][:2]
    ['drc_cobalt_2025', 'ga_ge_2023']
    """
    episodes: list[Episode] = []
    issues: list[Issue] = []
    for path in sorted(Path(folder).glob("*.toml")):
        observations = path.with_suffix(".csv")
        try:
            scenario = load_scenario(path)
        except ScenarioError as err:
            issues.extend(err.issues)
            continue
        if not observations.exists():
            issues.append(Issue(observations.name, 0, "(file)", "missing", f"write the bands of {path.name} in it"))
            continue
        bands, found = parse_bands(observations.read_text(encoding="utf-8"), scenario, observations.name)
        issues.extend(found)
        episodes.append(Episode(path.stem, scenario, bands))
    if issues:
        raise ScenarioError(issues)
    return episodes


def run_episode(
    dataset: xr.Dataset, episode: Episode, grid: Mapping[str, np.ndarray] | None = None, batch: int = 64
) -> dict[str, xr.DataArray]:
    """Each band's metric by (draw, month): each row of `grid` (``"parameters.<key>"`` arrays) is a draw.

    Draws run in batches of `batch`; only the bands' series are kept, so memory does not grow
    with the grid.
    """
    size = len(next(iter(grid.values()))) if grid else 1
    net = build_network(dataset, year=baseline_year(dataset, episode.scenario))
    parts: dict[str, list[xr.DataArray]] = {b.name: [] for b in episode.bands}
    for chunk in batches(range(size), batch):
        values = {k: np.asarray(v)[list(chunk)] for k, v in (grid or {}).items()}
        out = to_dataset(run_batch(net, episode.scenario, chunk, values=values), net, episode.scenario, chunk)
        for b in episode.bands:
            parts[b.name].append(series(out, b))
    return {name: xr.concat(p, dim="draw") for name, p in parts.items()}


def series(out: xr.Dataset, band: Band) -> xr.DataArray:
    """The band's metric by (draw, month) in the model's units (t/month, or a price ratio)."""
    if band.metric == "exports":
        edges = out.edge_material.isin(list(band.materials))
        if band.stages:
            edges &= out.edge_stage.isin(list(band.stages))
        if band.exporter != "*":
            edges &= out.exporter == band.exporter
        if band.importer != "*":
            edges &= out.importer == band.importer
        edges &= out.exporter != out.importer
        return out.shipments.where(edges, 0.0).sum("edge")
    market = "outside" if band.metric == "price_outside" else "inside"
    price = out.price_ratio.sel(material=band.materials[0], market=market)
    if band.stages:
        price = price.sel(stage=list(band.stages))
    return price.max("stage", skipna=True)


def band_values(s: xr.DataArray, band: Band) -> np.ndarray:
    """Per draw, the model's ratio for the band from its series `s` (NaN where the baseline is
    zero: no model flow on those edges)."""
    num = s.sel(month=slice(*band.month)).mean("month").values
    den = s.sel(month=slice(*band.baseline)).mean("month").values
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def signed_distance(value: float, low: float, high: float) -> float:
    """0 inside ``[low, high]``, else the log ratio to the nearest edge (ratios floored at 0.01)."""
    if np.isnan(value):
        return float("nan")
    if low <= value <= high:
        return 0.0
    edge = low if value < low else high
    return float(np.log(max(value, FLOOR)) - np.log(max(edge, FLOOR)))


def _trough_month(s: np.ndarray) -> int:
    return int(np.flatnonzero(s <= s.min() + 1e-9 * max(abs(s.max()), 1.0))[0])


def episode_scores(
    episode: Episode, values: Mapping[str, float], runs: Mapping[str, xr.DataArray] | None = None, draw: int = 0
) -> dict[str, float]:
    """Hits, direction, timing and magnitude of one episode, from its bands' model values.

    Timing needs the bands' series (`runs`, from :func:`run_episode`; `draw` the grid row): the
    model's first lowest month after the baseline, on the series of the band with the lowest
    observed export ratio, minus that band's month.
    """
    scored = [b for b in episode.bands if not np.isnan(values[b.name])]
    logs = [(np.log(max(b.observed, FLOOR)), np.log(max(values[b.name], FLOOR))) for b in scored]
    sign = lambda x: 0 if abs(x) < FLAT else int(np.sign(x))  # noqa: E731
    timing = float("nan")
    falls = [b for b in scored if b.metric == "exports" and b.observed < 1]
    if runs is not None and falls:
        low = min(falls, key=lambda b: b.observed)
        s = runs[low.name].isel(draw=draw)
        labels = list(pd.DatetimeIndex(s.month.values).strftime("%Y-%m"))
        start = labels.index(low.baseline[1]) + 1
        timing = float(_trough_month(s.values[start:]) + start - labels.index(low.month[0]))
    return {
        "bands": len(episode.bands),
        "scored": len(scored),
        "hits": sum(signed_distance(values[b.name], b.low, b.high) == 0 for b in scored),
        "direction": float(np.mean([sign(o) == sign(m) for o, m in logs])) if logs else float("nan"),
        "timing_months": timing,
        "magnitude_log": float(np.mean([abs(m - o) for o, m in logs])) if logs else float("nan"),
    }
