"""The projected network: supply volumes by importer and origin, year by year and draw by draw.

The base year's sourcing is the one :func:`critmin.exposure.dependence.sourcing_matrix` builds
(domestic supply = production - exports, floored at 0, plus imports; an importer without
recorded imports buys like the world market). From there, for each year and draw:

* **Production** of a country at a step = base production x its incumbent growth (the
  scenario's ``[[incumbent]]`` entries, e.g. China's quota rise) + the output of its projects.
* **Sourcing volumes** of an importer grow with its demand for the step's material (all its
  origins alike, so shares are unchanged by growth alone).
* **Allocation rule for new supply.** A project's output displaces China in the sourcing of the
  importers it serves (its offtakers in the project table; ``ALLIES`` = every ally), pro rata
  to their volume bought from China, never more than that volume; what is left over goes to the
  world market (it raises the project country's share of world production, and with it the
  sourcing of importers that buy like the world market). New output in China adds to China.
* Tier by tier as in :mod:`critmin.exposure.dependence`: the stage-s product of country c is
  made from c's stage-(s - 1) supply, so a magnet plant in the USA that buys Chinese metal
  leaves the USA's any-stage exposure to China where it was.

Arrays are numpy with dims (draw, year, importer, exporter); the module's
:func:`exposure_any_stage` reproduces the xarray one exactly (tested).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from ..vocabulary import ALLIES, EU27_MEMBERS

__all__ = [
    "StepBase",
    "allocation_rows",
    "allocation_weights",
    "exposure_any_stage",
    "project_rows",
    "projected_step",
    "step_base",
]

DOMINANT = "CHN"


@dataclass(frozen=True)
class StepBase:
    """Base-year production and sourcing volumes of one (material, stage) over `countries`."""

    material: str
    stage: str
    countries: tuple[str, ...]
    production: np.ndarray
    """(country,) t/year; 0 where the data lists no production."""
    volume: np.ndarray
    """(importer, exporter) t/year: each country's supply by origin."""
    recorded: np.ndarray
    """(importer,) bool: the country has recorded imports at this step."""


def _vector(array: xr.DataArray | None, dim: str, labels: Sequence[str]) -> np.ndarray:
    if array is None:
        return np.zeros(len(labels))
    return array.reset_coords(drop=True).reindex({dim: list(labels)}).fillna(0.0).to_numpy().astype(float)


def step_base(data: xr.Dataset, material: str, stage: str, year: int, countries: Sequence[str]) -> StepBase:
    """Base-year production and supply volumes, by the rule of ``sourcing_matrix``.

    Examples
    --------
    >>> from critmin.data import load
    >>> b = step_base(load(), "ndpr", "separation", 2024, ["CHN", "JPN", "MYS", "USA"])
    >>> b.volume[1].round(0).tolist(), bool(b.recorded[1])   # Japan's oxide by origin
    ([0.0, 0.0, 2881.0, 0.0], True)
    """
    labels = list(countries)
    select = {"material": material, "stage": stage, "year": year}
    made = _vector(data["production"].sel(select), "country", labels)
    if "trade" in data:
        flows = data["trade"].sel(select).reset_coords(drop=True)
        flows = flows.reindex({"exporter": labels, "importer": labels})
        table = flows.transpose("exporter", "importer").to_numpy().astype(float)
    else:
        table = np.full((len(labels), len(labels)), np.nan)
    np.fill_diagonal(table, np.nan)
    recorded = (~np.isnan(table)).any(axis=0)
    shipped = np.nan_to_num(table)
    domestic = np.clip(made - shipped.sum(axis=1), 0.0, None)
    volume = shipped.T + np.diag(domestic)
    return StepBase(material, stage, tuple(labels), made, volume, recorded)


def project_rows(projects: pd.DataFrame, material: str, stage: str) -> pd.DataFrame:
    """The projects of one step, with ``serves`` expanded to a list of importers."""
    rows = projects.loc[(projects["material"] == material) & (projects["stage"] == stage)].copy()
    rows["served"] = [_served(str(s)) for s in rows["serves"]]
    return rows


def _served(text: str) -> list[str]:
    names = [s.strip() for s in text.split(";") if s.strip()]
    if not names or names == ["ALLIES"]:
        return list(ALLIES)
    return names


def projected_step(
    base: StepBase,
    growth: np.ndarray,
    incumbent: np.ndarray,
    projects: pd.DataFrame,
    output: np.ndarray,
    avoided: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Production (draw, year, country) and sourcing matrix (draw, year, importer, exporter).

    Parameters
    ----------
    base : StepBase
    growth : (year, importer) array
        Demand growth factor of each country's supply relative to the base year.
    incumbent : (year, country) array
        Capacity factor of existing producers relative to the base year.
    projects : DataFrame
        :func:`project_rows` of this step, in the column order of `output`.
    output : (draw, project, year) array
        Output of those projects in t/year.
    avoided : (draw, year, importer) array, optional
        Demand avoided by substitution in t/year: it comes off each recorded importer's China
        volume (the marginal, non-allied source) after new supply has displaced China, never
        below 0; an importer buying like the world market keeps world shares.

    Returns
    -------
    (draw, year, country) and (draw, year, importer, exporter) arrays; the draw dim has length 1
    when the step has no projects (the result is the same in every draw).

    Examples
    --------
    Two countries; A imports 100 from China; a project in B serving A makes 30:

    >>> b = StepBase("m", "s", ("A", "B", "CHN"), np.array([0, 0, 200.0]),
    ...              np.array([[0, 0, 100.0], [0, 0, 0], [0, 0, 100.0]]), np.array([True, False, False]))
    >>> p = pd.DataFrame({"country": ["B"], "served": [["A"]]})
    >>> made, m = projected_step(b, np.ones((1, 3)), np.ones((1, 3)), p, np.array([[[30.0]]]))
    >>> made[0, 0].tolist(), m[0, 0, 0].round(2).tolist(), m[0, 0, 1].round(3).tolist()
    ([0.0, 30.0, 200.0], [0.0, 0.3, 0.7], [0.0, 0.13, 0.87])
    """
    labels = list(base.countries)
    n_draws, _n_years = output.shape[0], output.shape[2]
    made = base.production[None, None, :] * incumbent[None, :, :]
    volume = base.volume[None, None] * growth[None, :, :, None]
    if len(projects) or avoided is not None:  # only then do draws differ; else one row broadcasts
        n_draws = n_draws if len(projects) else avoided.shape[0]  # type: ignore[union-attr]
        made = made + np.zeros((n_draws, 1, 1))
        volume = volume + np.zeros((n_draws, 1, 1, 1))
    china = labels.index(DOMINANT) if DOMINANT in labels else None
    undisplaced = volume[..., china].copy() if china is not None else None
    for j, (country, served) in enumerate(zip(projects["country"], projects["served"], strict=True)):
        made[:, :, labels.index(country)] += output[:, j, :]
        if undisplaced is None or country == DOMINANT:
            continue
        rows = allocation_rows(base, served)
        if not rows:
            continue
        weight = allocation_weights(undisplaced[:, :, rows])
        moved = np.minimum(output[:, j, :, None] * weight, volume[:, :, rows, china])
        volume[:, :, rows, china] -= moved
        volume[:, :, rows, labels.index(country)] += moved
    if avoided is not None and china is not None:
        cut = np.where(base.recorded[None, None, :], avoided, 0.0)
        volume[..., china] -= np.minimum(cut, volume[..., china])
    total = volume.sum(-1, keepdims=True)
    measured = volume / np.where(total > 0, total, np.nan)
    world_total = made.sum(-1, keepdims=True)
    world = made / np.where(world_total > 0, world_total, np.nan)
    matrix = np.where(base.recorded[None, None, :, None], measured, world[:, :, None, :])
    return made, matrix


def allocation_rows(base: StepBase, served: Sequence[str]) -> list[int]:
    """Rows a project's output can displace China in: served importers with recorded imports.

    An importer without recorded imports buys like the world market, so new output reaches it
    through world shares instead.
    """
    return [base.countries.index(a) for a in served if a in base.countries and base.recorded[base.countries.index(a)]]


def allocation_weights(china_volume: np.ndarray) -> np.ndarray:
    """Pro rata shares of the served rows' China volumes (last axis), before any displacement.

    Fixed weights make the total moved into a row ``min(Σ_j q_j w_j, China volume)`` whatever
    the order of projects, which keeps the multi-year plan linear.
    """
    total = china_volume.sum(-1, keepdims=True)
    return china_volume / np.where(total > 0, total, 1.0)


def exposure_any_stage(matrices: Sequence[np.ndarray], origins: Sequence[int]) -> np.ndarray:
    """Share of each importer's last-stage supply passing through each origin at any stage.

    Same rule as :func:`critmin.exposure.dependence.exposure_any_stage`: ``F_0 = 1 - M_0[:, k]``,
    ``F_s[a, k] = Σ_{c≠k} M_s[a, c] F_{s-1}[c, k]``, ``E = 1 - F``; an unknown (NaN) upstream
    row makes a result unknown only where it carries weight.

    Parameters
    ----------
    matrices : sequence of (..., importer, exporter) arrays, upstream first, on one country set
    origins : indexes of the origins k wanted

    Returns
    -------
    (..., importer, len(origins)) array

    Examples
    --------
    >>> c = lambda rows: np.array(rows, float)
    >>> chain = [c([[1, 0, 0], [0.6, 0, 0.4], [0, 0, 1]]), c([[1, 0, 0], [0.8, 0.2, 0], [0, 0, 1]]),
    ...          c([[1, 0, 0], [0, 1, 0], [0, 0, 1]])]
    >>> round(float(exposure_any_stage(chain, [0])[1, 0]), 6)
    0.92
    """
    k = np.asarray(origins, int)
    first = matrices[0]
    free = 1.0 - first[..., :, k]
    free = np.where(np.isnan(first).any(-1, keepdims=True), np.nan, free)
    for matrix in matrices[1:]:
        weights = np.nan_to_num(matrix)
        unknown = np.isnan(free).astype(float)
        known = np.nan_to_num(free)
        own = weights[..., :, k]  # M_s[a, k]: the k-th column is left out of the sum
        diag_known = known[..., k, np.arange(len(k))][..., None, :]
        diag_unknown = unknown[..., k, np.arange(len(k))][..., None, :]
        combined = weights @ known - own * diag_known
        unknown_weight = weights @ unknown - own * diag_unknown
        free = np.where(unknown_weight > 1e-15, np.nan, combined)
        free = np.where(np.isnan(matrix).any(-1, keepdims=True), np.nan, free)
    return 1.0 - free


def own_mask(importer: str, labels: Sequence[str]) -> np.ndarray:
    """True for the origins that are `importer` itself (EU members for the EU27)."""
    return np.array([c == importer or (importer == "EU27" and c in EU27_MEMBERS) for c in labels])
