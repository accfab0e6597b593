"""Results of a solved portfolio model: one labelled Dataset, tidy tables, atomic files."""

from __future__ import annotations

from pathlib import Path

import linopy
import numpy as np
import pandas as pd
import xarray as xr

from critmin._io import atomic_write, atomic_write_csv
from critmin.errors import DataError, Issue
from critmin.optimise.portfolio import dense_shortfall
from critmin.optimise.prepare import ModelData
from critmin.optimise.solve import SolveReport


def cvar(loss: xr.DataArray, weight: xr.DataArray, alpha: float) -> float:
    """Conditional value at risk: expected loss in the worst ``1 - alpha`` of probability.

    Examples
    --------
    >>> loss = xr.DataArray([0.0, 10.0, 30.0], dims="scenario")
    >>> w = xr.DataArray([0.5, 0.3, 0.2], dims="scenario")
    >>> cvar(loss, w, 0.5)   # worst 50%: 0.2 at 30 and 0.3 at 10 -> (6 + 3) / 0.5
    18.0
    >>> round(cvar(loss, w, 0.9), 9)   # worst 10%: all at 30
    30.0
    """
    order = np.argsort(-loss.values, kind="stable")
    values, probs = loss.values[order], weight.values[order]
    tail = 1.0 - alpha
    taken = np.clip(tail - (np.cumsum(probs) - probs), 0.0, probs)
    return float((values * taken).sum() / tail)


def _value(solution: xr.Dataset, name: str, like: xr.DataArray) -> xr.DataArray:
    """Solution of `name`, zero where the variable does not exist or is masked."""
    if name not in solution:
        return xr.zeros_like(like, dtype=float)
    return solution[name].fillna(0.0)


def scenario_losses(d: ModelData, shortfall: xr.DataArray) -> xr.DataArray:
    """Loss (USD) per scenario of a shortfall (scenario, period, region, material)."""
    return (d.loss * shortfall).sum(["period", "region", "material"])


def _stock_vars(d: ModelData, sol: xr.Dataset) -> dict[str, xr.DataArray]:
    s = d.stock
    buy = _value(sol, "buy", s.unit_cost)
    return {
        "buy_t": buy.assign_attrs(units="t", long_name="tonnes bought per stockpile option"),
        "stock_unit_cost_usd_per_t": s.unit_cost.assign_attrs(units="USD/t"),
        "stock_cost_usd": (buy * s.unit_cost).assign_attrs(units="USD"),
        "stock_serves": s.serves.astype("int8"),
        "stock_holder": s.holder,
        "stock_holder_country": s.holder_country,
        "stock_material": s.material,
        "expected_release_t": (_value(sol, "release", s.release_ok.astype(float) * s.serves) * d.weight)
        .sum("scenario")
        .assign_attrs(units="t"),
    }


def _project_vars(d: ModelData, sol: xr.Dataset) -> dict[str, xr.DataArray]:
    p = d.project
    choice = _value(sol, "choice", p.net_cost).where(p.net_cost.notnull())
    return {
        "choice": choice.assign_attrs(long_name="project backed through instrument (0-1)"),
        "backed": choice.sum("instrument"),
        "instrument_net_cost_usd": p.net_cost.assign_attrs(units="USD"),
        "instrument_outlay_usd": p.outlay.assign_attrs(units="USD"),
        "project_material": p.material,
        "project_country": p.country,
        "project_stage": p.stage,
        "project_capacity_t_per_year": p.capacity_t_per_year.assign_attrs(units="t/yr"),
        "project_lead_time_months": p.lead_time_months.assign_attrs(units="months"),
        "project_p_complete": p.p_complete,
        "project_serves": p.serves.astype("int8"),
    }


def _research_vars(d: ModelData, sol: xr.Dataset) -> dict[str, xr.DataArray]:
    r = d.research
    return {"fund": _value(sol, "fund", r.cost), "research_cost_usd": r.cost, "research_material": r.material}


def collect(m: linopy.Model, d: ModelData, report: SolveReport, budget: float, alpha: float) -> xr.Dataset:
    """The solved model as one Dataset: portfolio, costs, losses, risk, solver report."""
    sol = m.solution
    short = dense_shortfall(d, sol["shortfall"].fillna(0.0).values if "shortfall" in sol else 0.0)
    loss = scenario_losses(d, short)
    base_loss = scenario_losses(d, d.base)
    ds = xr.Dataset({**_stock_vars(d, sol), **_project_vars(d, sol), **_research_vars(d, sol)})
    net = float(
        ds.stock_cost_usd.sum()
        + (ds.choice * ds.instrument_net_cost_usd).sum()
        + (ds.fund * ds.research_cost_usd).sum()
    )
    outlay = float(
        ds.stock_cost_usd.sum() + (ds.choice * ds.instrument_outlay_usd).sum() + (ds.fund * ds.research_cost_usd).sum()
    )
    ds["shortfall_t"] = short.assign_attrs(units="t")
    ds["baseline_shortfall_t"] = d.base.assign_attrs(units="t")
    ds["scenario_loss_usd"] = loss.assign_attrs(units="USD")
    ds["baseline_loss_usd"] = base_loss.assign_attrs(units="USD")
    ds["scenario_weight"] = d.weight
    ds["loss_by_region_usd"] = (d.weight * (d.loss * short).sum(["period", "material"])).sum("scenario")
    ds["baseline_loss_by_region_usd"] = (d.weight * (d.loss * d.base).sum(["period", "material"])).sum("scenario")
    scalars = {
        "expected_loss_usd": float((d.weight * loss).sum()),
        "cvar_usd": cvar(loss, d.weight, alpha),
        "do_nothing_loss_usd": float((d.weight * base_loss).sum()),
        "do_nothing_cvar_usd": cvar(base_loss, d.weight, alpha),
        "programme_cost_usd": net,
        "outlay_usd": outlay,
        "budget_usd": float(budget),
        "objective_usd": report.objective,
        "mip_gap": report.mip_gap,
        "solve_seconds": report.seconds,
    }
    for name, value in scalars.items():
        ds[name] = xr.DataArray(value, attrs={"units": "USD" if name.endswith("usd") else "1"})
    period_month = d.month_labels[:: d.months_per_period]
    ds = ds.assign_coords(period_start=("period", period_month))
    return ds.assign_attrs(
        status=report.status, condition=report.condition, cvar_alpha=alpha, months_per_period=d.months_per_period
    )


def months_of_cover(result: xr.Dataset, monthly_use: xr.DataArray, shares: pd.Series | None = None) -> xr.DataArray:
    """Months of use (region, material) covered by the tonnes bought, per region served.

    A stockpile serving one region counts wholly there; a joint one is split by `shares`
    (burden shares by region, renormalised over the regions it serves; equal if None).

    Examples
    --------
    >>> ds = xr.Dataset({"buy_t": ("option", [30.0]), "stock_serves": (("option", "region"),
    ...     [[1, 1]])}, coords={"option": ["JOINT/ndpr"], "region": ["USA", "JPN"]})
    >>> ds["stock_material"] = ("option", ["ndpr"])
    >>> use = xr.DataArray([[5.0], [3.0]], coords={"region": ["USA", "JPN"],
    ...                    "material": ["ndpr"]}, dims=("region", "material"))
    >>> months_of_cover(ds, use).sel(material="ndpr").values.tolist()   # 15 t each
    [3.0, 5.0]
    """
    serves = result.stock_serves.astype(float)
    if shares is not None:
        serves = serves * xr.DataArray(
            shares.reindex(serves.region.values).fillna(0.0).values,
            dims="region",
            coords={"region": serves.region.values},
        )
    split = serves / serves.sum("region").where(lambda x: x > 0)
    material = result["stock_material"] if "stock_material" in result else result["material"]
    tonnes = (result.buy_t * split).groupby(material.rename("material")).sum("option")
    cover = tonnes / monthly_use.where(monthly_use > 0)
    return cover.reindex_like(monthly_use).fillna(0.0).assign_attrs(units="month")


def tables(result: xr.Dataset) -> dict[str, pd.DataFrame]:
    """Tidy tables: stockpiles, projects, research, summary (and any extra tables present)."""
    stock = result[["buy_t", "stock_unit_cost_usd_per_t", "stock_cost_usd"]].to_dataframe()
    projects = result[["choice", "instrument_net_cost_usd", "instrument_outlay_usd"]]
    project_rows = projects.to_dataframe().dropna(subset=["instrument_net_cost_usd"])
    research = result[["fund", "research_cost_usd"]].to_dataframe()
    scalars = [n for n, v in result.data_vars.items() if v.ndim == 0]
    summary = pd.DataFrame({"metric": scalars, "value": [float(result[n]) for n in scalars]})
    out = {
        "stockpiles": stock.reset_index(),
        "projects": project_rows.reset_index(),
        "research": research.reset_index(),
        "summary": summary,
    }
    if "months_of_cover" in result:
        out["cover"] = result.months_of_cover.to_dataframe().reset_index()
    for var in ("buy", "choice", "fund"):
        names = [str(n) for n in result.data_vars if str(n).startswith("marginal") and str(n).endswith(var)]
        if names:
            frame = result[names].to_dataframe().dropna(how="all", subset=names)
            out[f"marginal_{var}"] = frame.reset_index()
    if "burden_share" in result:
        out["burden"] = (
            result[[n for n in result.data_vars if str(n).startswith("burden")]].to_dataframe().reset_index()
        )
    return out


def write_results(result: xr.Dataset, out_dir: str | Path) -> list[Path]:
    """Write ``portfolio.nc`` and one CSV per table into `out_dir`, each atomically.

    Each file is written to a temporary name in `out_dir` and renamed into place, so a failed
    run leaves earlier results intact. Returns the paths written.
    """
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    written = [atomic_write_csv(frame, target / f"{name}.csv") for name, frame in tables(result).items()]
    atomic_write(target / "portfolio.nc", lambda path: _netcdf_ready(result).to_netcdf(path, engine="h5netcdf"))
    return [*written, target / "portfolio.nc"]


def _netcdf_ready(result: xr.Dataset) -> xr.Dataset:
    """Copy with string coords and variables as fixed unicode, so NetCDF can store them."""
    out = result.copy()
    for name in list(out.variables):
        if out[name].dtype == object:
            out[name] = out[name].astype(str)
    return out


RESPONSE_FILES = ("portfolio.nc", "frontier.nc")
"""Files of a ``critmin optimise --out`` folder the briefing needs (``out_of_sample.csv`` is optional)."""


def read_response(folder: str | Path) -> dict[str, object]:
    """The portfolio, frontier and out-of-sample check ``critmin optimise --out FOLDER`` wrote.

    Returns a mapping with keys ``"portfolio"`` and ``"frontier"`` (Datasets) and, when the
    folder has ``out_of_sample.csv``, ``"check"`` (metric -> value), as
    :func:`critmin.report.html.write_report` takes it.

    Raises
    ------
    DataError
        Naming each missing file and the command that writes it.

    Examples
    --------
    >>> try:
    ...     read_response("no-such-folder")
    ... except DataError as error:
    ...     print(error.issues[0])  # doctest: +NORMALIZE_WHITESPACE
    no-such-folder/portfolio.nc, field '--response': the optimiser's results are not there.
    Fix: run `critmin optimise --out no-such-folder` first, or give the folder it wrote.
    """
    root = Path(folder)
    missing = [
        Issue(
            str(root / name),
            0,
            "--response",
            "the optimiser's results are not there",
            f"run `critmin optimise --out {folder}` first, or give the folder it wrote",
        )
        for name in RESPONSE_FILES
        if not (root / name).exists()
    ]
    if missing:
        raise DataError(missing)
    out: dict[str, object] = {name.removesuffix(".nc"): xr.load_dataset(root / name) for name in RESPONSE_FILES}
    check = root / "out_of_sample.csv"
    if check.exists():
        out["check"] = pd.read_csv(check).set_index("metric")["value"].to_dict()
    return out
