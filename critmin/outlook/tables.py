"""Tidy tables of an outlook result, and the year each target or benchmark is met.

A target is *met in year y* when the median draw meets it in y and in every later year of the
outlook (a figure that dips under 65% for one year and rises again is not "met"). ``p_met_<y>``
is the share of draws meeting it in year y (from the bands: 0.95, 0.5 or 0.05 reached).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr

__all__ = [
    "ANSWER_ALLIES",
    "ANSWER_PRODUCTS",
    "CRMA",
    "CRMA_SINGLE",
    "TARGET_SHARE",
    "answer_table",
    "crma_table",
    "dependence_table",
    "format_answer",
    "milestones",
    "world_table",
    "year_met",
]

TARGET_SHARE = 0.65
"""Largest share of supply from one third country (EU CRMA Art. 5(1)(d))."""
CRMA_SINGLE = TARGET_SHARE
CRMA = {"extraction": 0.10, "processing": 0.40, "recycling": 0.25}
"""EU CRMA benchmarks: shares of the EU's consumption made in the EU by 2030."""
EXTRACTION_STAGES = ("mining",)


def year_met(
    values: Sequence[float] | np.ndarray, years: Sequence[int], threshold: float, *, below: bool
) -> int | None:
    """First year from which `values` stay at or below (or above) `threshold` to the end.

    >>> year_met([0.9, 0.6, 0.7, 0.6, 0.5], [2024, 2025, 2026, 2027, 2028], 0.65, below=True)
    2027
    >>> year_met([0.9, 0.8], [2024, 2025], 0.65, below=True) is None
    True
    """
    ok = [(v <= threshold + 1e-12) if below else (v >= threshold - 1e-12) for v in values]
    ok = [bool(o) and np.isfinite(v) for o, v in zip(ok, values, strict=True)]
    met = None
    for year, flag in zip(years, ok, strict=True):
        if flag and met is None:
            met = int(year)
        elif not flag:
            met = None
    return met


def _band_frame(array: xr.DataArray, name: str) -> pd.DataFrame:
    frame = array.to_dataset(name=name).to_dataframe()[name].unstack("quantile")
    frame.columns = [f"p{round(q * 100):02d}" for q in frame.columns]
    return frame.reset_index()


def world_table(result: xr.Dataset) -> pd.DataFrame:
    """Rows step, year, measure (supply_t, china_share, top1_share, top3_share, hhi), p05, p50, p95."""
    frames = []
    for name, measure in (
        ("supply", "supply_t"),
        ("china_share", "china_share"),
        ("top1_share", "top1_share"),
        ("top3_share", "top3_share"),
        ("hhi", "hhi"),
    ):
        frames.append(_band_frame(result[name], measure).assign(measure=measure))
    balance = _band_frame(result["balance"].rename(target="step"), "balance_t").assign(measure="balance_t")
    frames.append(balance)
    table = pd.concat(frames, ignore_index=True)
    return table[["step", "year", "measure", "p05", "p50", "p95"]].sort_values(["step", "measure", "year"])


def dependence_table(result: xr.Dataset) -> pd.DataFrame:
    """Rows importer, target, year, measure, p05, p50, p95."""
    frames = [
        _band_frame(result[name], name).assign(measure=name)
        for name in ("direct_china", "ultimate_china", "direct_largest", "ultimate_largest")
    ]
    table = pd.concat(frames, ignore_index=True)
    return table[["importer", "target", "year", "measure", "p05", "p50", "p95"]].sort_values(
        ["importer", "target", "measure", "year"]
    )


def _p_met(array: xr.DataArray, year: int, threshold: float, *, below: bool) -> float:
    """At least this share of draws meet the threshold in `year` (0.95, 0.5, 0.05 or 0), from the bands."""
    band = array.sel(year=year)
    order = (0.95, 0.5, 0.05) if below else (0.05, 0.5, 0.95)
    for q in order:
        value = float(band.sel(quantile=q))
        if not np.isfinite(value):
            return float("nan")
        if (value <= threshold + 1e-12) if below else (value >= threshold - 1e-12):
            return q if below else round(1.0 - q, 2)
    return 0.0


def milestones(result: xr.Dataset, check_year: int = 2030) -> pd.DataFrame:
    """Year each ally's direct and any-stage dependence on China falls to 65% or below, per target.

    Columns importer, target, measure, base (base-year value), p50_<check_year>, year_met
    (median draw; empty if not by the last year) and p_met_<check_year> (at least this share of
    draws meet it then: 0.95, 0.5, 0.05 or 0).
    """
    years = result["year"].values.tolist()
    rows = []
    for measure in ("direct_china", "ultimate_china"):
        array = result[measure]
        for importer in array["importer"].values:
            for target in array["target"].values:
                series = array.sel(importer=importer, target=target)
                rows.append(
                    {
                        "importer": str(importer),
                        "target": str(target),
                        "measure": measure,
                        **_milestone(series, years, check_year, TARGET_SHARE, below=True),
                    }
                )
    table = pd.DataFrame(rows)
    table["year_met"] = table["year_met"].astype("Int64")
    return table


def _milestone(series: xr.DataArray, years: list, check_year: int, threshold: float, below: bool) -> dict:
    """Base-year median, median at `check_year`, the year the median meets `threshold` and the share of
    draws meeting it at `check_year`."""
    median = series.sel(quantile=0.5).to_numpy()
    return {
        "base": float(median[0]),
        f"p50_{check_year}": float(series.sel(quantile=0.5, year=check_year)),
        "year_met": year_met(median, years, threshold, below=below),
        f"p_met_{check_year}": _p_met(series, check_year, threshold, below=below),
    }


def crma_table(result: xr.Dataset, check_year: int = 2030) -> pd.DataFrame:
    """CRMA benchmarks per ally and step: single third country <= 65%; extraction 10%; processing 40%.

    Recycling (25%) is listed as not assessed: the dataset has no recycling flows.
    """
    years = result["year"].values.tolist()
    rows = []
    for importer in result["importer"].values:
        for step in result["step"].values:
            stage = str(step).split("/")[1]
            kind = "extraction" if stage in EXTRACTION_STAGES else "processing"
            checks = (
                ("single_country", "largest third-country share <= 0.65", CRMA_SINGLE, True),
                ("domestic_share", f"own {kind} >= {CRMA[kind]:.2f} of consumption", CRMA[kind], False),
            )
            for name, label, threshold, below in checks:
                series = result[name].sel(importer=importer, step=step)
                if not np.isfinite(series.sel(quantile=0.5).to_numpy()).any():
                    continue
                rows.append(
                    {
                        "importer": str(importer),
                        "step": str(step),
                        "benchmark": label,
                        **_milestone(series, years, check_year, threshold, below=below),
                    }
                )
        rows.append(
            {
                "importer": str(importer),
                "step": "all",
                "benchmark": "recycling >= 0.25 of consumption: not assessed (no recycling flows in the dataset)",
                "base": float("nan"),
                f"p50_{check_year}": float("nan"),
                "year_met": None,
                f"p_met_{check_year}": float("nan"),
            }
        )
    table = pd.DataFrame(rows)
    table["year_met"] = table["year_met"].astype("Int64")
    return table


ANSWER_PRODUCTS = {
    "ndfeb/magnet": "NdFeB magnets",
    "ndpr/separation": "NdPr oxide",
    "ndpr/metal": "NdPr metal",
    "dysprosium/separation": "Dy oxide",
    "dysprosium/metal": "Dy metal",
    "terbium/separation": "Tb oxide",
    "terbium/metal": "Tb metal",
    "gallium/refining": "gallium, primary",
    "gallium/metal": "gallium, high-purity metal",
    "graphite_anode/refining": "anode graphite",
}
"""The products the answer table reports, by target (material/stage as the dataset names them)."""
ANSWER_ALLIES = ("USA", "JPN", "EU27", "KOR", "IND", "AUS", "CAN")


def _when(year: object, last: int) -> str:
    return f"not by {last}" if pd.isna(year) else str(int(year))  # type: ignore[call-overload]


def answer_table(
    marks: pd.DataFrame, planned: pd.DataFrame, plan_targets: pd.DataFrame, last_year: int, buys: pd.DataFrame
) -> pd.DataFrame:
    """The year each ally's dependence on China falls to 65% or below: pipeline alone, and with the plan.

    One row per product (of :data:`ANSWER_PRODUCTS` present in `marks`) and ally
    (:data:`ANSWER_ALLIES`). ``direct_*`` and ``ultimate_*`` are the year from which the median
    draw stays at or below 65% (the base year when it already is), or ``"not by <last_year>"``;
    ``*_pipeline`` from :func:`milestones` of the outlook, ``*_plan`` from the outlook rerun with
    the plan (`planned`). ``plan_status`` is the plan's verdict on that ally and step (empty when
    it was not a plan target); ``plan_buys`` what the plan buys for that ally and step (rows of
    `buys`: importer, step, buys, cost_usd), ``plan_cost_usd`` their cost (a project serving
    several allies counts in full for each) and ``plan_total_usd`` the whole plan's cost.

    Examples
    --------
    >>> marks = pd.DataFrame({"importer": ["USA"] * 2, "target": ["gallium/refining"] * 2,
    ...                       "measure": ["direct_china", "ultimate_china"], "year_met": [None, 2031]})
    >>> planned = marks.assign(year_met=[2029, 2029])
    >>> plan = pd.DataFrame({"importer": ["USA"], "step": ["gallium/refining"], "status": ["met by plan"]})
    >>> buys = pd.DataFrame({"importer": ["USA", "JPN"], "step": ["gallium/refining"] * 2,
    ...                      "buys": ["recycling r 2.0 t/yr from 2027", "new_build n"], "cost_usd": [1e7, 5e7]})
    >>> row = answer_table(marks, planned, plan, 2035, buys).iloc[0]
    >>> row[["product", "direct_pipeline", "direct_plan", "ultimate_pipeline", "plan_status"]].tolist()
    ['gallium, primary', 'not by 2035', '2029', '2031', 'met by plan']
    >>> row["plan_buys"], float(row["plan_cost_usd"]), float(row["plan_total_usd"])
    ('recycling r 2.0 t/yr from 2027', 10000000.0, 60000000.0)
    """

    def years_of(table: pd.DataFrame) -> dict[tuple[str, str, str], object]:
        return {(r.importer, r.target, r.measure): r.year_met for r in table.itertuples()}

    before, after = years_of(marks), years_of(planned)
    status = {(r.importer, r.step): r.status for r in plan_targets.itertuples()} if len(plan_targets) else {}
    total = float(buys.drop_duplicates("buys")["cost_usd"].sum()) if len(buys) else 0.0  # a project once
    rows = []
    for target, product in ANSWER_PRODUCTS.items():
        for ally in ANSWER_ALLIES:
            if (ally, target, "direct_china") not in before:
                continue
            row: dict[str, object] = {"product": product, "target": target, "ally": ally}
            for measure in ("direct", "ultimate"):
                key = (ally, target, f"{measure}_china")
                row[f"{measure}_pipeline"] = _when(before.get(key), last_year)
                row[f"{measure}_plan"] = _when(after.get(key), last_year)
            row["plan_status"] = status.get((ally, target), "")
            mine = buys.loc[(buys["importer"] == ally) & (buys["step"] == target)] if len(buys) else buys
            row["plan_buys"] = "; ".join(mine["buys"]) if len(mine) else ""
            row["plan_cost_usd"] = float(mine["cost_usd"].sum()) if len(mine) else 0.0
            row["plan_total_usd"] = total
            rows.append(row)
    columns = ["product", "target", "ally", "direct_pipeline", "direct_plan", "ultimate_pipeline", "ultimate_plan"]
    return pd.DataFrame(rows, columns=[*columns, "plan_status", "plan_buys", "plan_cost_usd", "plan_total_usd"])


def format_answer(table: pd.DataFrame) -> str:
    """The answer table as aligned text for the terminal."""
    head = f"Year dependence on China falls to {TARGET_SHARE:.0%} or below (median draw): pipeline alone -> plan"
    cost = float(table["plan_total_usd"].iloc[0]) if len(table) else 0.0
    lines = [head, f"plan cost: USD {cost:,.0f} (projects backed and options bought)", ""]
    lines.append(f"{'product':<27}{'ally':<6}{'direct':<28}{'ultimate':<28}{'plan':<24}{'cost USD':>16}  buys")
    for r in table.itertuples():
        direct = f"{r.direct_pipeline} -> {r.direct_plan}"
        ultimate = f"{r.ultimate_pipeline} -> {r.ultimate_plan}"
        spent = f"{r.plan_cost_usd:,.0f}" if r.plan_cost_usd else ""
        line = f"{r.product:<27}{r.ally:<6}{direct:<28}{ultimate:<28}{r.plan_status:<24}{spent:>16}  {r.plan_buys}"
        lines.append(line.rstrip())
    return "\n".join(lines)
