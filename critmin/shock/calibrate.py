"""Calibration on past episodes, in sample and leave-one-episode-out.

The spec (:data:`SPEC`, TOML) names keys of :data:`critmin.shock.parameters.PARAMETERS` and a
number of points (``points``, or per key in ``[points_by_key]``); each key is tried at that many
values evenly spaced over its ``[low, high]`` range there, in a full grid. Row 0 of the grid is
the values the engine uses without calibration (dataset rows, else defaults). Each episode runs
once with the grid's rows as draws; an episode's loss at a row is the mean squared signed distance of its scored bands.

A fit over a set of episodes is the declared grid's row with the least summed loss (ties: the
row nearest the uncalibrated values); the uncalibrated row itself is reported, never chosen.
*In sample*: fitted on every episode, scored on every episode. *Out of
sample*: for each episode, fitted on all the others and scored on it, so its own observations
never reach its parameters.

Examples
--------
>>> losses = np.array([[1.0, 0.0, 2.0, 1.0], [0.0, 3.0, 0.0, 1.0]])
>>> near = np.array([0.0, 1.0, 1.0, 2.0])
>>> fit(losses, near), fit(losses[1:], near)
(2, 2)
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from critmin.documents import read_toml
from critmin.errors import Issue, ScenarioError
from critmin.shock.backtest import Episode, band_values, episode_scores, load_episodes, run_episode, signed_distance
from critmin.shock.parameters import PARAMETERS, resolve_parameters

SPEC = Path(__file__).with_name("calibration.toml")
"""The declared calibration: which parameters, how many points each."""


@dataclass(frozen=True)
class Spec:
    """Parameters to fit (PARAMETERS keys) and the grid points per key (`points`, or the key's
    entry in `points_by_key`)."""

    keys: tuple[str, ...]
    points: int
    points_by_key: tuple[tuple[str, int], ...] = ()

    def points_of(self, key: str) -> int:
        """Grid points of `key`.

        Examples
        --------
        >>> Spec(("leakage", "price_flexibility"), 3, (("leakage", 2),)).points_of("leakage")
        2
        """
        return dict(self.points_by_key).get(key, self.points)


def _points_issue(file: str, field: str, value: object) -> Issue | None:
    if isinstance(value, int) and not isinstance(value, bool) and 2 <= value <= 5:
        return None
    return Issue(file, 0, field, f"{value!r} is not an integer in 2..5", f"write {field.split('.')[-1]} = 3")


def load_spec(path: Path = SPEC) -> Spec:
    """Read and check a calibration spec; every problem at once.

    Examples
    --------
    >>> load_spec().points
    3
    """
    doc, issues = read_toml(Path(path).read_text(encoding="utf-8"), Path(path).name)
    keys, points = doc.get("keys", []), doc.get("points", 0)
    if not issues and (not isinstance(keys, list) or not keys):
        issues.append(Issue(Path(path).name, 0, "keys", "missing or empty", "list PARAMETERS keys to fit"))
    for key in keys if isinstance(keys, list) else []:
        if key not in PARAMETERS:
            issues.append(
                Issue(
                    Path(path).name,
                    0,
                    "keys",
                    f"{key!r} is not an engine parameter",
                    f"use keys of critmin.shock.parameters.PARAMETERS ({', '.join(PARAMETERS)})",
                )
            )
    name = Path(path).name
    by_key = doc.get("points_by_key", {})
    if not isinstance(by_key, dict):
        issues.append(Issue(name, 0, "points_by_key", f"{by_key!r} is not a table", "write [points_by_key]"))
        by_key = {}
    found = [_points_issue(name, "points", points)]
    for key, value in by_key.items():
        if key not in keys:
            fix = f"list {key!r} in keys, or remove it from [points_by_key]"
            issues.append(Issue(name, 0, f"points_by_key.{key}", "is not one of the keys fitted", fix))
        found.append(_points_issue(name, f"points_by_key.{key}", value))
    issues.extend(i for i in found if i is not None)
    if issues:
        raise ScenarioError(issues)
    return Spec(tuple(keys), points, tuple(by_key.items()))


def make_grid(spec: Spec, base: dict[str, float]) -> dict[str, np.ndarray]:
    """Full grid over the spec's keys; row 0 is `base` (the uncalibrated values).

    Examples
    --------
    >>> g = make_grid(Spec(("leakage",), 3), {"leakage": 0.05})
    >>> g["parameters.leakage"].tolist()
    [0.05, 0.0, 0.15, 0.3]
    """
    axes = [np.linspace(PARAMETERS[k].low, PARAMETERS[k].high, spec.points_of(k)) for k in spec.keys]
    rows = [tuple(base[k] for k in spec.keys), *itertools.product(*axes)]
    return {f"parameters.{k}": np.array([r[i] for r in rows], float) for i, k in enumerate(spec.keys)}


def fit(losses: np.ndarray, nearness: np.ndarray) -> int:
    """Grid row with the least summed loss over the rows of `losses` (episodes x grid); ties go
    to the smallest `nearness` (distance from the uncalibrated values), then the first row.

    Row 0 (the uncalibrated values) is never chosen: some engine defaults were read off past
    episodes, so choosing them could carry an episode's own outcome into its fit.
    """
    total = np.round(losses.sum(axis=0), 12)
    total[:1] = np.inf
    return int(np.lexsort((np.arange(total.size), nearness, total))[0])


@dataclass(frozen=True)
class Backtest:
    """Every band's model value at every grid row, and the fits."""

    episodes: tuple[Episode, ...]
    grid: dict[str, np.ndarray]
    values: dict[str, dict[str, np.ndarray]]
    runs: dict[str, dict[str, xr.DataArray]]


def run_backtest(dataset: xr.Dataset, episodes: Sequence[Episode] | None = None, spec: Spec | None = None) -> Backtest:
    """Run each episode once over the calibration grid (one draw per grid row)."""
    episodes = tuple(load_episodes() if episodes is None else episodes)
    spec = load_spec() if spec is None else spec
    grid = make_grid(spec, resolve_parameters(dataset)[0])
    runs = {e.name: run_episode(dataset, e, grid) for e in episodes}
    values = {e.name: {b.name: band_values(runs[e.name][b.name], b) for b in e.bands} for e in episodes}
    return Backtest(episodes, grid, values, runs)


def losses(result: Backtest, episodes: Sequence[Episode]) -> np.ndarray:
    """Mean squared signed distance per episode (rows) and grid row (columns), scored bands only;
    episodes without a scored band are left out."""
    rows = []
    for e in episodes:
        d = np.array([[signed_distance(v, b.low, b.high) for v in result.values[e.name][b.name]] for b in e.bands])
        if d.size and not np.isnan(d).all(axis=1).all():
            rows.append(np.nanmean(d[~np.isnan(d).all(axis=1)] ** 2, axis=0))
    size = len(next(iter(result.grid.values())))
    return np.array(rows) if rows else np.zeros((0, size))


def _nearness(grid: dict[str, np.ndarray]) -> np.ndarray:
    span = {k: (PARAMETERS[k.split(".", 1)[1]].high - PARAMETERS[k.split(".", 1)[1]].low) or 1.0 for k in grid}
    return sum(np.abs(v - v[0]) / span[k] for k, v in grid.items())  # type: ignore[return-value]


def fits(result: Backtest, loo: bool = True) -> dict[str, int]:
    """Fitted grid row: ``"all"`` on every episode, and per episode on all the others."""
    near = _nearness(result.grid)
    out = {"all": fit(losses(result, result.episodes), near)}
    if loo:
        for e in result.episodes:
            out[e.name] = fit(losses(result, [o for o in result.episodes if o.name != e.name]), near)
    return out


def tables(result: Backtest, loo: bool = True) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Bands, episodes and fitted-parameter tables (columns per fit: default, in sample, out of sample)."""
    fitted = fits(result, loo)
    columns = {"default": lambda e: 0, "in_sample": lambda e: fitted["all"]}
    if loo:
        columns["out_of_sample"] = lambda e: fitted[e.name]
    bands: list[dict[str, object]] = []
    episodes: list[dict[str, object]] = []
    for e in result.episodes:
        row: dict[str, object] = {"episode": e.name}
        for label, at in columns.items():
            vals = {b.name: float(result.values[e.name][b.name][at(e)]) for b in e.bands}
            scores = episode_scores(e, vals, result.runs[e.name], draw=at(e))
            row.update({"bands": scores["bands"], "scored": scores["scored"]})
            row.update({f"{k}_{label}": scores[k] for k in ("hits", "direction", "timing_months", "magnitude_log")})
            for b in e.bands:
                rec = next((r for r in bands if r["episode"] == e.name and r["band"] == b.name), None)
                if rec is None:
                    rec = {"episode": e.name, "band": b.name, "observed": b.observed, "low": b.low, "high": b.high}
                    bands.append(rec)
                rec[label] = vals[b.name]
                d = signed_distance(vals[b.name], b.low, b.high)
                rec[f"hit_{label}"] = "no model flow" if np.isnan(d) else ("hit" if d == 0 else "miss")
                rec[f"distance_{label}"] = d
        episodes.append(row)
    keys = [k.split(".", 1)[1] for k in result.grid]
    params = pd.DataFrame(
        [{"fit": "default", **{k: result.grid[f"parameters.{k}"][0] for k in keys}}]
        + [
            {
                "fit": f"{'all' if n == 'all' else 'all but ' + n}",
                **{k: result.grid[f"parameters.{k}"][g] for k in keys},
            }
            for n, g in fitted.items()
        ]
    )
    return pd.DataFrame(bands), pd.DataFrame(episodes), params


def hit_rates(bands: pd.DataFrame) -> dict[str, float]:
    """Share of scored bands hit, per fit column."""
    scored = bands[bands["hit_default"] != "no model flow"]
    return {c[4:]: float((scored[c] == "hit").mean()) for c in bands if c.startswith("hit_") and len(scored)}


def _cell(value: object) -> str:
    if isinstance(value, float):
        return "-" if np.isnan(value) else f"{value:.3g}"
    return str(value)


def markdown(frame: pd.DataFrame) -> str:
    """A table as Markdown (NaN as ``-``, numbers to 3 significant digits)."""
    lines = ["| " + " | ".join(frame.columns) + " |", "|---" * len(frame.columns) + "|"]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def report(result: Backtest, loo: bool = True) -> dict[str, str]:
    """The backtest as files: ``backtest.md`` and the three tables as CSV, by file name."""
    bands, episodes, params = tables(result, loo)
    rates = hit_rates(bands)
    fits_shown = [c for c in ("default", "in_sample", "out_of_sample") if c in bands]
    shown = bands[["episode", "band", "observed", "low", "high", *fits_shown, *(f"hit_{c}" for c in fits_shown)]]
    text = "\n\n".join(
        [
            "# Backtests on past episodes",
            "Hit rate over scored bands: "
            + ", ".join(f"{k} {v:.0%}" for k, v in rates.items())
            + f" ({int((bands['hit_default'] != 'no model flow').sum())} scored of {len(bands)} bands). "
            "default: the engine's values without calibration; in_sample: fitted on every episode and scored "
            "on every episode; out_of_sample: for each episode, fitted on all the others.",
            "## Bands",
            markdown(shown),
            "## Episodes (direction: share of bands moving the observed way; timing: model minus observed "
            "trough month; magnitude: mean absolute log error)",
            markdown(episodes),
            "## Fitted parameters",
            markdown(params),
        ]
    )
    return {
        "backtest.md": text + "\n",
        "backtest_bands.csv": bands.to_csv(index=False),
        "backtest_episodes.csv": episodes.to_csv(index=False),
        "backtest_parameters.csv": params.to_csv(index=False),
    }
