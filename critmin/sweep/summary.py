"""Sweep summary: each ally's loss by policy, what drives the tail, the best policy.

Loss of a scenario for a country: ``loss_usd = sum over sectors of cumulative_final_shortfall
(t) x value of lost production (USD/t)``. The value per tonne comes from the dataset's
``parameters`` ``value_lost_production_<sector>`` (per material): for each case, the mean over
the materials named by the case's events that have a value for the sector (else over every
material with a value), weighted by world final demand of the sector. A sector without any such
parameter is valued at :data:`ASSUMED_VALUE_USD_PER_T` (the output says which sectors). The
simulator reports final shortfall summed over materials, hence the per-case weighting.

Examples
--------
>>> tail_indices(np.array([5.0, 1.0, 9.0, 9.0]), 0.5)
array([2, 3])
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from critmin.glossary import RANGE_MIN_DRAWS, range_caveat, tail_caveat
from critmin.scenarios.spec import ExportControl, Project
from critmin.sweep.spec import Case, Sweep
from critmin.sweep.store import atomic_json, atomic_write

ASSUMED_VALUE_USD_PER_T = 1.0e6
"""Value of lost production per tonne for a sector the dataset gives no parameter for."""
TAIL = 0.05
"""Share of scenarios (highest total ally loss) counted as the tail; CVaR level is 1 - TAIL."""


def tail_indices(loss: np.ndarray, share: float = TAIL) -> np.ndarray:
    """Indices of the ``ceil(share * n)`` largest losses (ties broken by index), sorted."""
    k = max(1, math.ceil(share * loss.size))
    order = np.lexsort((np.arange(loss.size), -loss))
    return np.sort(order[:k])


def _event_materials(case: Case) -> set[str]:
    """Materials the case's disruptions hit (projects add supply, so they do not count)."""
    out: set[str] = set()
    for event in case.scenario.events:
        if isinstance(event, ExportControl):
            out |= set(event.materials)
        elif not isinstance(event, Project) and event.material:
            out.add(event.material)
    return out


def _sector_values(dataset: xr.Dataset, sector: str) -> pd.Series:
    name = f"value_lost_production_{sector}"
    if "parameters" not in dataset or name not in dataset["parameter"].values:
        return pd.Series(dtype=float)
    row = dataset["parameters"].sel(parameter=name).to_series().dropna()
    return row[row.index != "all"] if len(row[row.index != "all"]) else row


def _demand_weights(dataset: xr.Dataset, sector: str) -> pd.Series:
    if "demand" not in dataset or sector not in dataset["sector"].values:
        return pd.Series(dtype=float)
    d = dataset["demand"].sel(sector=sector).sum("region", min_count=1).ffill("year")
    return d.isel(year=-1, drop=True).to_series().fillna(0.0)


def value_per_tonne(dataset: xr.Dataset, cases: list[Case], sectors: list[str]) -> tuple[xr.DataArray, str]:
    """Value of lost production (case, sector) in USD/t, and a sentence saying where from."""
    out = np.full((len(cases), len(sectors)), ASSUMED_VALUE_USD_PER_T)
    assumed = []
    for j, sector in enumerate(sectors):
        values, weights = _sector_values(dataset, sector), _demand_weights(dataset, sector)
        if values.empty:
            assumed.append(sector)
            continue
        for i, case in enumerate(cases):
            use = values[values.index.isin(_event_materials(case))]
            use = use if len(use) else values
            w = weights.reindex(use.index).fillna(0.0).to_numpy()
            w = w if w.sum() > 0 else np.ones(len(use))
            out[i, j] = float((use.to_numpy() * w).sum() / w.sum())
    basis = (
        "loss_usd = cumulative_final_shortfall (t) x value of lost production (USD/t) from "
        "the dataset parameters value_lost_production_<sector>, averaged over the case's "
        "event materials valued for the sector (else all valued materials), weighted by "
        "world final demand"
    )
    if assumed:
        basis += f"; no parameter for {', '.join(assumed)}: assumed {ASSUMED_VALUE_USD_PER_T:.0f} USD/t"
    da = xr.DataArray(out, dims=("case", "sector"), coords={"sector": sectors})
    return da.assign_attrs(units="USD/t"), basis


def axis_name(key: str) -> str:
    """Variable name of a grid axis: ``events[0].controller`` -> ``grid_events_0_controller``."""
    return "grid_" + re.sub(r"\W+", "_", key).strip("_")


def _axis_values(values: list[Any]) -> np.ndarray:
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=float)
    return np.asarray([v if isinstance(v, str) else json.dumps(v) for v in values], dtype=str)


def annotate(combined: xr.Dataset, sweep: Sweep, dataset: xr.Dataset, key: str) -> xr.Dataset:
    """Add case metadata, value per tonne, ``loss_usd`` and fixed attributes to the chunks."""
    d = sweep.draws_per_case
    idx = combined["scenario"].values
    cases = list(sweep.cases)
    coords: dict[str, Any] = {
        "scenario_case": ("scenario", idx // d),
        "scenario_draw": ("scenario", idx % d),
        "case_policy": ("case", [c.policy.name for c in cases]),
    }
    for k, (name, _) in enumerate(sweep.grid):
        coords[axis_name(name)] = ("case", _axis_values([c.grid_point[k][1] for c in cases]))
    out = combined.assign_coords(case=np.arange(len(cases)), **coords)
    value, basis = value_per_tonne(dataset, cases, [str(s) for s in out["sector"].values])
    out["value_lost_usd_per_t"] = value
    per = value.isel(case=xr.DataArray(idx // d, dims="scenario"), drop=True)
    out["loss_usd"] = (out["cumulative_final_shortfall"].fillna(0.0) * per).sum("sector").assign_attrs(units="USD")
    allies = sweep.allies or tuple(
        sorted(
            {str(c) for c in np.atleast_1d(dataset.get("holder_country", xr.DataArray([])).values)}
            & {str(c) for c in out["country"].values}
        )
    )
    attrs = {
        "sweep": sweep.name,
        "sweep_digest": sweep.digest,
        "dataset_sha256": key,
        "draws_per_case": d,
        "seed": sweep.seed,
        "allies": ",".join(allies),
        "grid_axes": json.dumps([k for k, _ in sweep.grid]),
        "loss_basis": basis,
        "order": "scenario = case * draws_per_case + draw; case = grid_point * n_policies "
        "+ policy; grid points row-major over axes as written",
    }
    return out.assign_attrs(dict(sorted(attrs.items())))


@dataclass(frozen=True)
class SweepSummary:
    """Tables of the sweep summary (see :func:`summarise_sweep`)."""

    loss_by_policy: pd.DataFrame
    policy_risk: pd.DataFrame
    tail_shares: pd.DataFrame
    rank_correlation: pd.DataFrame
    best_expected: str
    best_cvar: str
    basis: str
    by_grid: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    draws_per_policy: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (floats rounded to 6 significant digits)."""

        def rows(df: pd.DataFrame) -> list[dict[str, Any]]:
            return [
                {k: (float(f"{v:.6g}") if isinstance(v, float) else v) for k, v in r.items()}
                for r in df.to_dict(orient="records")
            ]

        return {
            "loss_basis": self.basis,
            "best_policy_expected_loss": self.best_expected,
            f"best_policy_cvar_{100 * (1 - TAIL):.0f}": self.best_cvar,
            "loss_by_policy": rows(self.loss_by_policy),
            "policy_risk": rows(self.policy_risk),
            "tail_shares": rows(self.tail_shares),
            "rank_correlation": rows(self.rank_correlation),
            "loss_by_grid_point": rows(self.by_grid),
        }

    def text(self) -> str:
        """Plain-text report: first the loss at each grid point (the question the sweep asks)."""
        usd_columns = {"mean", "q05", "q50", "q95", "expected", "cvar"} | set(self.by_grid.columns[1:])
        grid = [
            "Expected loss by grid point and policy (USD over the horizon, mean over draws):",
            money_table(self.by_grid, usd_columns) if len(self.by_grid) else "  (no grid)",
            "",
        ]
        return "\n".join(
            [
                *grid,
                "Loss of each ally by policy (USD over the horizon, over grid points x draws; "
                f"q05-q95: {range_caveat(self.draws_per_policy)}):",
                money_table(self._ranged(self.loss_by_policy), usd_columns),
                "",
                f"Total ally loss by policy (expected, CVaR {100 * (1 - TAIL):.0f}%"
                + (f", {tail_caveat(self.draws_per_policy)}" if self.draws_per_policy else "")
                + "):",
                money_table(self.policy_risk, usd_columns),
                f"Policy minimising expected loss: {self.best_expected}; "
                f"minimising CVaR {100 * (1 - TAIL):.0f}%: {self.best_cvar}",
                "",
                f"Tail (top {100 * TAIL:.0f}% total ally loss, "
                f"{tail_caveat(self.draws_per_policy * len(self.policy_risk))}) by factor value "
                "(lift = share of tail / share of all):",
                self.tail_shares.to_string(index=False, float_format=lambda v: f"{v:,.2f}"),
                "",
                "Spearman rank correlation of total ally loss with each varying factor:",
                self.rank_correlation.to_string(index=False, float_format=lambda v: f"{v:,.2f}")
                if len(self.rank_correlation)
                else "  (no numeric factor varies)",
                "",
                f"Loss basis: {self.basis}.",
            ]
        )

    def _ranged(self, table: pd.DataFrame) -> pd.DataFrame:
        """`table` without q05 and q95 where too few draws stand behind them (the header says so)."""
        if self.draws_per_policy >= RANGE_MIN_DRAWS:
            return table
        return table.drop(columns=[c for c in ("q05", "q95") if c in table.columns])


def money_table(table: pd.DataFrame, usd_columns: set[str]) -> str:
    """A table as text with USD columns written for people, never 1.2e+09, and all in one unit (that
    of the largest value: 'USD 0.2 m' beside 'USD 2.4 m', not 'USD 210,394').

    >>> print(money_table(pd.DataFrame({"policy": ["a", "b"], "expected": [1.234e9, 4.8e8]}), {"expected"}))
    policy    expected
         a USD 1.23 bn
         b USD 0.48 bn
    """
    from critmin.report.figures import usd, usd_unit

    shown = table.copy()
    money = [c for c in shown.columns if c in usd_columns and shown[c].dtype.kind == "f"]
    unit = usd_unit([float(v) for c in money for v in shown[c]])
    for column in shown.columns:
        if column in money:
            shown[column] = [usd(float(v), unit) for v in shown[column]]
        elif shown[column].dtype.kind == "f":
            shown[column] = [f"{v:,.6g}" for v in shown[column]]
    return shown.to_string(index=False)


def _grid_table(result: xr.Dataset, allies: list[str]) -> pd.DataFrame:
    """Mean loss per grid point × policy: one row per grid point and policy, a column per ally and the total."""
    case = result["scenario_case"].values
    axes = [str(n) for n in result.coords if str(n).startswith("grid_")]
    if not axes:
        return pd.DataFrame()
    frame = pd.DataFrame({axis[5:]: result[axis].values[case] for axis in axes})
    frame["policy"] = result["case_policy"].values[case].astype(str)
    for ally in allies:
        frame[ally] = result["loss_usd"].sel(country=ally).values
    frame["total"] = frame[allies].sum(axis=1)
    keys = [axis[5:] for axis in axes] + ["policy"]
    table = frame.groupby(keys, sort=False)[[*allies, "total"]].mean().reset_index()
    for axis in axes:
        column = axis[5:]
        if table[column].dtype.kind == "f" and (table[column] == table[column].round()).all():
            table[column] = table[column].astype(int)
    return table


def _factors(result: xr.Dataset) -> dict[str, np.ndarray]:
    """Per-scenario value of the policy, each grid axis and each varying sampled parameter."""
    case = result["scenario_case"].values
    out = {"policy": result["case_policy"].values[case].astype(str)}
    for name in result.coords:
        if str(name).startswith("grid_"):
            out[str(name)[5:]] = result[name].values[case]
    for name in result.data_vars:
        if str(name).startswith("parameter_") and result[name].ndim == 1 and np.unique(result[name].values).size > 1:
            out[str(name)] = result[name].values
    return out


def _loss_table(result: xr.Dataset, allies: list[str], policy: np.ndarray) -> pd.DataFrame:
    rows = []
    for p in dict.fromkeys(result["case_policy"].values.astype(str)):
        for ally in allies:
            x = result["loss_usd"].sel(country=ally).values[policy == p]
            q = np.quantile(x, [0.05, 0.5, 0.95])
            rows.append(
                {
                    "policy": p,
                    "ally": ally,
                    "mean": float(x.mean()),
                    "q05": float(q[0]),
                    "q50": float(q[1]),
                    "q95": float(q[2]),
                }
            )
    return pd.DataFrame(rows)


def _tail_table(total: np.ndarray, factors: dict[str, np.ndarray]) -> pd.DataFrame:
    tail = np.zeros(total.size, dtype=bool)
    tail[tail_indices(total)] = True
    rows = []
    for name, values in factors.items():
        if name.startswith("parameter_"):
            continue
        for v in sorted(set(values.tolist()), key=str):
            hit = values == v
            share_tail, share_all = float(hit[tail].mean()), float(hit.mean())
            rows.append(
                {
                    "factor": name,
                    "value": str(v),
                    "share_of_tail": share_tail,
                    "share_of_all": share_all,
                    "lift": share_tail / share_all,
                }
            )
    return pd.DataFrame(rows)


def _rank_table(total: np.ndarray, factors: dict[str, np.ndarray]) -> pd.DataFrame:
    rows = []
    if np.unique(total).size < 2:  # a loss that never varies has no rank correlation with anything
        factors = {}
    for name, values in factors.items():
        if values.dtype.kind not in "fi" or np.unique(values).size < 2:
            continue
        if np.unique(total).size < 2:  # a loss that never varies ranks with nothing
            rows.append({"factor": name, "spearman": 0.0})
            continue
        rho = pd.Series(values).corr(pd.Series(total), method="spearman")
        rows.append({"factor": name, "spearman": float(0.0 if np.isnan(rho) else rho)})
    table = pd.DataFrame(rows, columns=["factor", "spearman"])
    return table.sort_values("spearman", key=np.abs, ascending=False, kind="stable")


def summarise_sweep(result: xr.Dataset, allies: list[str] | None = None) -> SweepSummary:
    """Loss quantiles per ally and policy, tail drivers and the best policy.

    Parameters
    ----------
    result : xarray.Dataset
        The combined sweep result (``run_sweep`` / ``OUT/sweep.nc``).
    allies : list of str, optional
        Countries summarised (default: the result's ``allies`` attribute).

    Returns
    -------
    SweepSummary
        Total ally loss per scenario is the sum over `allies`; CVaR is the mean of the worst
        ``ceil(5 %)`` scenarios of each policy.
    """
    allies = allies or [a for a in str(result.attrs.get("allies", "")).split(",") if a]
    factors = _factors(result)
    policy = factors["policy"]
    total = result["loss_usd"].sel(country=allies).sum("country").values
    risk = []
    for p in dict.fromkeys(result["case_policy"].values.astype(str)):
        x = total[policy == p]
        risk.append({"policy": p, "expected": float(x.mean()), "cvar": float(x[tail_indices(x)].mean())})
    risk_df = pd.DataFrame(risk)
    return SweepSummary(
        loss_by_policy=_loss_table(result, allies, policy),
        policy_risk=risk_df,
        tail_shares=_tail_table(total, factors),
        rank_correlation=_rank_table(total, factors),
        best_expected=str(risk_df.loc[risk_df["expected"].idxmin(), "policy"]),
        best_cvar=str(risk_df.loc[risk_df["cvar"].idxmin(), "policy"]),
        basis=str(result.attrs.get("loss_basis", "")),
        by_grid=_grid_table(result, allies),
        draws_per_policy=int((policy == policy[0]).sum()) if policy.size else 0,
    )


def write_summary(summary: SweepSummary, root: Path) -> None:
    """Write ``summary.json`` and ``summary.txt`` atomically."""
    atomic_json(Path(root) / "summary.json", summary.to_dict())
    text = summary.text() + "\n"
    atomic_write(Path(root) / "summary.txt", lambda p: p.write_text(text, encoding="utf-8"))
