"""The project pipeline and its Monte Carlo: which projects complete, when, and how fast they ramp.

Projects come from the packaged ``response_projects.csv`` (capacity, lead time with its range,
completion probability with its range, offtakers) and ``critmin/outlook/data/pipeline.csv``
(further announced projects with a start year and a status; their completion probability and
delay range come from ``status.csv``). Each draw decides, project by project in table order,

* completion: ``u < p_complete`` with ``u`` uniform;
* delay in years after the stated start: triangular(``delay_low``, ``delay_mode``,
  ``delay_high``) from a second uniform (inverse CDF);

and output in a calendar year is nameplate x :data:`RAMP` (by years since first output) x the
stage's utilisation (asm-capacity-utilisation). Draw ``i`` uses
``np.random.default_rng(np.random.SeedSequence([seed, i]))``, the shock engine's rule, so a run
is bit-identical however its draws are split.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from importlib import resources

import numpy as np
import pandas as pd

__all__ = ["RAMP", "UTILISATION", "project_draws", "project_output", "project_table"]

RAMP = (0.3, 0.6, 0.85, 1.0)
"""Share of nameplate in the first, second, ... year of output (asm-outlook-ramp); 1 after."""
UTILISATION = {"mining": 0.85, "separation": 0.8, "refining": 0.8, "metal": 0.7, "alloy": 0.65, "magnet": 0.65}
"""Output per unit of nameplate at full ramp, by stage (asm-capacity-utilisation)."""
CLOCK_YEAR = 2026
"""Lead times in response_projects.csv count months from January of this year."""
COLUMNS = [
    "project_id",
    "name",
    "country",
    "material",
    "stage",
    "capacity_t",
    "start_year",
    "p_complete",
    "p_backed",
    "delay_low",
    "delay_mode",
    "delay_high",
    "serves",
    "capex_usd",
    "source_id",
    "p_source",
]


def _read(name: str) -> pd.DataFrame:
    text = resources.files("critmin.outlook").joinpath("data", name).read_text(encoding="utf-8")
    return pd.DataFrame(list(csv.DictReader(text.splitlines())))


def _from_response(table: pd.DataFrame, projects: pd.DataFrame) -> pd.DataFrame:
    """Rows of response_projects.csv in the outlook's columns (lead months -> start year, delay)."""
    names = dict(zip(projects["project_id"], projects["name"], strict=True)) if len(projects) else {}
    lead = table["lead_time_months"].astype(float)
    start = CLOCK_YEAR + np.floor(lead / 12.0)
    return pd.DataFrame(
        {
            "project_id": table["project_id"],
            "name": [names.get(ref, pid) for ref, pid in zip(table["project_ref"], table["project_id"], strict=True)],
            "country": table["country"],
            "material": table["material"],
            "stage": table["stage"],
            "capacity_t": table["capacity_t_per_year"].astype(float),
            "start_year": start.astype(int),
            "p_complete": table["p_complete"].astype(float),
            "p_backed": table["p_complete_high"].astype(float),
            "delay_low": (table["lead_time_low"].astype(float) - lead) / 12.0,
            "delay_mode": 0.0,
            "delay_high": (table["lead_time_high"].astype(float) - lead) / 12.0,
            "serves": table["serves"],
            "capex_usd": table["capex_usd"].astype(float),
            "source_id": table["source_id"],
            "p_source": "asm-project-p-complete",
        }
    )


def project_table() -> pd.DataFrame:
    """Every project of the outlook, one row each, in draw order.

    ``source_id`` is the row's source for capacity and timing; ``p_source`` the source of its
    completion probability, delay range and ``p_backed`` (the high end of the probability range:
    completion if the alliance backs the project, used by :mod:`critmin.outlook.plan`).

    Examples
    --------
    >>> t = project_table()
    >>> t.loc[t.project_id == "O03-metlen-gallium", ["country", "capacity_t", "p_complete"]].values.tolist()
    [['GRC', 50.0, 0.75]]
    >>> bool((t.delay_low <= t.delay_mode).all() and (t.delay_mode <= t.delay_high).all())
    True
    """
    packaged = resources.files("critmin.data").joinpath("packaged")
    response = pd.read_csv(packaged.joinpath("response_projects.csv"), dtype=str, keep_default_na=False)
    projects = pd.read_csv(packaged.joinpath("projects.csv"), dtype=str, keep_default_na=False)
    first = _from_response(response, projects)
    pipeline = _read("pipeline.csv")
    status = _read("status.csv").set_index("status")
    extra = pipeline.merge(status.add_suffix("_status"), left_on="status", right_index=True, how="left")
    unknown = extra.loc[extra["p_complete_status"].isna(), "status"].tolist()
    if unknown:  # a shipped table, so a programming error rather than user input
        raise ValueError(f"pipeline.csv: status {unknown} not in status.csv")
    second = pd.DataFrame(
        {
            "project_id": extra["project_id"],
            "name": extra["name"],
            "country": extra["country"],
            "material": extra["material"],
            "stage": extra["stage"],
            "capacity_t": extra["capacity_t"].astype(float),
            "start_year": extra["start_year"].astype(int),
            "p_complete": extra["p_complete_status"].astype(float),
            "p_backed": extra["p_high_status"].astype(float),
            "delay_low": extra["delay_low_status"].astype(float),
            "delay_mode": extra["delay_mode_status"].astype(float),
            "delay_high": extra["delay_high_status"].astype(float),
            "serves": extra["serves"],
            "capex_usd": pd.to_numeric(extra["capex_usd"], errors="coerce"),
            "source_id": extra["source_id"],
            "p_source": extra["source_id_status"],
        }
    )
    return pd.concat([first, second], ignore_index=True)[COLUMNS]


def _triangular(u: np.ndarray, low: np.ndarray, mode: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Inverse CDF of the triangular distribution (degenerate where low == high)."""
    width = np.where(high > low, high - low, 1.0)
    cut = (mode - low) / width
    left = low + np.sqrt(u * width * (mode - low))
    right = high - np.sqrt((1.0 - u) * width * (high - mode))
    return np.where(high > low, np.where(u < cut, left, right), low)


def project_draws(
    projects: pd.DataFrame, draws: Sequence[int] | range, seed: int, probability: str = "p_complete"
) -> tuple[np.ndarray, np.ndarray]:
    """Completion (bool) and delay in years (float) per (draw, project).

    `probability` names the column of completion probabilities; the uniforms do not depend on
    it, so a project completes when backed (``p_backed``) in every draw it completes unbacked.

    Examples
    --------
    >>> t = project_table()
    >>> done, delay = project_draws(t, range(4), seed=1)
    >>> a, _ = project_draws(t, range(2), seed=1); b, _ = project_draws(t, range(2, 4), seed=1)
    >>> bool((np.vstack([a, b]) == done).all()), done.shape == (4, len(t))
    (True, True)
    """
    p = projects[probability].to_numpy(float)
    low, mode, high = (projects[c].to_numpy(float) for c in ("delay_low", "delay_mode", "delay_high"))
    done = np.empty((len(draws), len(projects)), dtype=bool)
    delay = np.empty((len(draws), len(projects)))
    for row, i in enumerate(draws):
        rng = np.random.default_rng(np.random.SeedSequence([seed, int(i)]))
        u = rng.random((2, len(projects)))
        done[row] = u[0] < p
        delay[row] = _triangular(u[1], low, mode, high)
    return done, delay


def project_output(projects: pd.DataFrame, done: np.ndarray, delay: np.ndarray, years: Sequence[int]) -> np.ndarray:
    """Output in t/year per (draw, project, year): nameplate x ramp x utilisation if completed.

    The first year of output is ``floor(start_year + delay)``.

    Examples
    --------
    >>> t = pd.DataFrame({"capacity_t": [100.0], "start_year": [2027], "stage": ["mining"]})
    >>> out = project_output(t, np.array([[True]]), np.array([[0.5]]), [2026, 2027, 2028, 2031])
    >>> out[0, 0].round(2).tolist()   # 0, 0.3, 0.6, 1.0 of 100 x 0.85
    [0.0, 25.5, 51.0, 85.0]
    """
    first = np.floor(projects["start_year"].to_numpy(float)[None, :] + delay)
    age = np.asarray(years, float)[None, None, :] - first[:, :, None]
    ramp = np.asarray(RAMP)
    index = np.clip(age, 0, len(ramp) - 1).astype(int)
    share = np.where(age >= 0, ramp[index], 0.0)
    util = projects["stage"].map(UTILISATION).fillna(1.0).to_numpy(float)
    scale = projects["capacity_t"].to_numpy(float) * util
    return share * scale[None, :, None] * done[:, :, None]
