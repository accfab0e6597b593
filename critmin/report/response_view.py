"""Reading the optimiser's response results for the briefing and the app.

Response results are those of :func:`critmin.optimise.optimise_from_scenarios` (``buy_t`` by
option "holder/material", ``choice`` project x instrument, ``fund`` by programme,
``expected_loss_usd``, ``cvar_usd``, the do-nothing loss and CVaR, ``months_of_cover``) and of
:func:`critmin.optimise.frontier_from_scenarios` (the same with a ``budget`` dim); every option
carries the source ids of its row in the packaged ``response_*.csv`` tables.

Anything missing leaves its part out with the reason in words; no number is ever invented.

Examples
--------
>>> view = response_view({"portfolio": None, "frontier": None}, sources={})
>>> view.has_portfolio, view.notes[1]
(False, 'The response results carry no portfolio (buy_t, choice, fund); the portfolio is left out.')
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from critmin.report.sources import split_ids

BOUGHT_T = 1e-6
"""Tonnes bought below this are the solver's rounding."""
CHOSEN = 0.5
"""A project x instrument or a programme counts as chosen above this (binaries at 0 or 1)."""
MIN_COVER_MONTHS = 0.05
KNEE = 0.01
"""Without a stated budget, the frontier's smallest budget within 1 % of its lowest loss."""


@dataclass(frozen=True)
class Purchase:
    """Tonnes a stockpile holder buys of a material, their cost and the option table's sources."""

    holder: str
    material: str
    tonnes: float
    cost_usd: float
    sources: list[str]


@dataclass(frozen=True)
class Backing:
    """A project backed through one instrument: budget outlay, net cost, sources."""

    project: str
    material: str
    instrument: str
    outlay_usd: float
    net_cost_usd: float
    sources: list[str]


@dataclass(frozen=True)
class Funding:
    """A research programme funded: cost and sources."""

    programme: str
    material: str
    cost_usd: float
    sources: list[str]


@dataclass(frozen=True)
class ResponseView:
    """Frontier, the portfolio at one budget, its losses against doing nothing, and gaps."""

    budgets: list[float]
    expected_loss: list[float]
    cvar: list[float]
    budget: float | None
    budget_note: str
    expected_loss_usd: float
    cvar_usd: float
    do_nothing_loss_usd: float
    do_nothing_cvar_usd: float
    outlay_usd: float
    cvar_alpha: float
    stockpiles: list[Purchase]
    projects: list[Backing]
    research: list[Funding]
    cover: list[tuple[str, str, float]]
    scenarios: list[str]
    draws: int
    notes: list[str]
    check: dict[str, float] = dataclasses.field(default_factory=dict)
    """Out-of-sample check (:func:`critmin.optimise.resimulate` scalars), empty when not run."""

    @property
    def loss_avoided_usd(self) -> float:
        """Expected loss avoided against doing nothing (NaN when unknown)."""
        return self.do_nothing_loss_usd - self.expected_loss_usd

    @property
    def cvar_avoided_usd(self) -> float:
        """CVaR avoided against doing nothing (NaN when unknown)."""
        return self.do_nothing_cvar_usd - self.cvar_usd

    @property
    def has_portfolio(self) -> bool:
        """Whether anything is bought, backed or funded."""
        return bool(self.stockpiles or self.projects or self.research)

    @property
    def has_losses(self) -> bool:
        """Whether the expected loss and the do-nothing loss are both known."""
        return bool(np.isfinite(self.expected_loss_usd) and np.isfinite(self.do_nothing_loss_usd))

    @property
    def sources(self) -> list[str]:
        """Source ids of every option in the portfolio, in order."""
        rows: list[Purchase | Backing | Funding] = [*self.stockpiles, *self.projects, *self.research]
        ids = [s for row in rows for s in row.sources]
        return list(dict.fromkeys(ids))


@functools.lru_cache(maxsize=4)
def _option_tables(folder: str) -> dict[str, pd.DataFrame]:
    from critmin.optimise.inputs import OPTION_FILES

    out = {}
    for key, name in OPTION_FILES.items():
        path = Path(folder) / name
        if path.exists():
            out[key] = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype=str)
    return out


def option_sources(folder: str | Path | None = None) -> dict[tuple[str, ...], list[str]]:
    """Source ids of every response option in the ``response_*.csv`` tables.

    Keys: ``("stockpile", holder, material)``, ``("project", project_id)``,
    ``("instrument", project_id, instrument)`` and ``("research", programme)``. `folder` is the
    folder of the tables (default the packaged data, :func:`critmin.data.packaged_path`).

    Examples
    --------
    >>> ids = option_sources()
    >>> ids[("stockpile", "ALLIANCE", "ndpr")]
    ['est-response-stockpile']
    """
    if folder is None:
        from critmin.data import packaged_path

        folder = packaged_path()
    tables = _option_tables(str(folder))
    found: dict[tuple[str, ...], list[str]] = {}
    keys = {
        "stockpiles": ("stockpile", "holder", "material"),
        "projects": ("project", "project_id"),
        "instruments": ("instrument", "project_id", "instrument"),
        "research": ("research", "programme"),
    }
    for table, (kind, *columns) in keys.items():
        frame = tables.get(table)
        if frame is None or "source_id" not in frame or not set(columns) <= set(frame.columns):
            continue
        for row in frame.itertuples(index=False):
            key = (kind, *(str(getattr(row, c)) for c in columns))
            found[key] = list(dict.fromkeys([*found.get(key, []), *split_ids(str(row.source_id))]))
    return found


def project_names(folder: str | Path | None = None) -> dict[str, str]:
    """A reader's name for each response project: the named project it builds, with its owner.

    A project whose ``project_ref`` is not in ``projects.csv`` keeps its id. `folder` as in
    :func:`option_sources`.

    Examples
    --------
    >>> project_names()["R08-narva-magnets"]
    'Narva sintered magnet plant (Neo Performance Materials)'
    """
    if folder is None:
        from critmin.data import packaged_path

        folder = packaged_path()
    return dict(_project_names(str(folder)))


@functools.lru_cache(maxsize=4)
def _project_names(folder: str) -> tuple[tuple[str, str], ...]:
    options = _option_tables(folder).get("projects")
    named = Path(folder) / "projects.csv"
    if options is None or "project_ref" not in options or not named.exists():
        return ()
    catalogue = pd.read_csv(named, keep_default_na=False, na_values=[""], dtype=str).set_index("project_id")
    names = {}
    for row in options.itertuples(index=False):
        ref = str(row.project_ref)
        if ref in catalogue.index and isinstance(catalogue.at[ref, "name"], str):
            owner = catalogue.at[ref, "owner"]
            names[str(row.project_id)] = catalogue.at[ref, "name"] + (f" ({owner})" if isinstance(owner, str) else "")
    return tuple(names.items())


def _scalar(ds: xr.Dataset | None, name: str, budget: float | None = None) -> float:
    if ds is None or name not in ds:
        return float("nan")
    array = ds[name]
    if "budget" in array.dims:
        if budget is None or budget not in array.budget.values:
            return float("nan")
        array = array.sel(budget=budget)
    return float(array) if array.ndim == 0 else float("nan")


def _split_option(option: str) -> tuple[str, str]:
    holder, _, material = option.rpartition("/")
    return (holder or option, material)


def _purchases(part: xr.Dataset, ids: dict[tuple[str, ...], list[str]]) -> list[Purchase]:
    if "buy_t" not in part:
        return []
    rows = []
    for option in part.option.values:
        tonnes = float(part.buy_t.sel(option=option))
        if not np.isfinite(tonnes) or tonnes <= BOUGHT_T:
            continue
        holder, material = _split_option(str(option))
        if "stock_holder" in part:
            holder = str(part.stock_holder.sel(option=option).values)
            material = str(part.stock_material.sel(option=option).values)
        cost = float(part.stock_cost_usd.sel(option=option)) if "stock_cost_usd" in part else float("nan")
        rows.append(Purchase(holder, material, tonnes, cost, ids.get(("stockpile", holder, material), [])))
    return sorted(rows, key=lambda r: (-(r.cost_usd if np.isfinite(r.cost_usd) else 0.0), -r.tonnes))


def _backings(part: xr.Dataset, ids: dict[tuple[str, ...], list[str]]) -> list[Backing]:
    if "choice" not in part or "project" not in part.dims:
        return []
    rows = []
    for project in part.project.values:
        for instrument in part.instrument.values:
            chosen = float(part.choice.sel(project=project, instrument=instrument))
            if not np.isfinite(chosen) or chosen <= CHOSEN:
                continue
            cell = {"project": project, "instrument": instrument}
            outlay = float(part.instrument_outlay_usd.sel(cell)) if "instrument_outlay_usd" in part else float("nan")
            net = float(part.instrument_net_cost_usd.sel(cell)) if "instrument_net_cost_usd" in part else float("nan")
            material = str(part.project_material.sel(project=project).values) if "project_material" in part else ""
            sources = [
                *ids.get(("project", str(project)), []),
                *ids.get(("instrument", str(project), str(instrument)), []),
            ]
            rows.append(Backing(str(project), material, str(instrument), outlay, net, list(dict.fromkeys(sources))))
    return rows


def _fundings(part: xr.Dataset, ids: dict[tuple[str, ...], list[str]]) -> list[Funding]:
    if "fund" not in part or "programme" not in part.dims:
        return []
    rows = []
    for programme in part.programme.values:
        if float(part.fund.sel(programme=programme)) <= CHOSEN:
            continue
        cost = float(part.research_cost_usd.sel(programme=programme)) if "research_cost_usd" in part else float("nan")
        material = str(part.research_material.sel(programme=programme).values) if "research_material" in part else ""
        rows.append(Funding(str(programme), material, cost, ids.get(("research", str(programme)), [])))
    return rows


def _cover(result: xr.Dataset | None) -> list[tuple[str, str, float]]:
    if result is None or "months_of_cover" not in result:
        return []
    series = result.months_of_cover.transpose("region", "material").to_series()
    rows = [(str(r), str(m), float(v)) for (r, m), v in series.items() if np.isfinite(v) and v >= MIN_COVER_MONTHS]
    return sorted(rows, key=lambda row: -row[2])


def _parts(response: xr.Dataset | Mapping[str, Any]) -> tuple[xr.Dataset | None, xr.Dataset | None]:
    """(portfolio result, frontier) of a result, a frontier, or a mapping holding either or both."""
    if not isinstance(response, xr.Dataset):
        result = next((response[k] for k in ("portfolio", "result") if response.get(k) is not None), None)
        front = response.get("frontier")
        return result, front
    if "budget" in response.dims:
        return None, response
    return response, None


def _knee(budgets: list[float], losses: list[float]) -> float:
    finite = [v for v in losses if np.isfinite(v)]
    lowest = min(finite)
    return next(b for b, v in zip(budgets, losses, strict=True) if np.isfinite(v) and v <= lowest + KNEE * abs(lowest))


def response_view(
    response: xr.Dataset | Mapping[str, Any], sources: dict[tuple[str, ...], list[str]] | None = None
) -> ResponseView:
    """Frontier, portfolio and losses of an optimiser result, with notes for what is missing.

    Parameters
    ----------
    response : xarray.Dataset or mapping
        The result of :func:`critmin.optimise.optimise_from_scenarios` (one budget: ``buy_t``,
        ``choice``, ``fund``, ``expected_loss_usd``, ``cvar_usd``, ``do_nothing_*``,
        ``months_of_cover``), a frontier (:func:`critmin.optimise.frontier_from_scenarios`: a
        ``budget`` dim with ``expected_loss_usd`` and ``cvar_usd``), or a mapping with keys
        ``"portfolio"`` (or ``"result"``) and ``"frontier"``, and optionally ``"check"``: the
        out-of-sample check (:func:`critmin.optimise.resimulate`, or its scalars by name).
    sources : dict, optional
        Source ids of the options (:func:`option_sources`; default the packaged tables).

    Without a portfolio result the portfolio is the frontier's at ``attrs["recommended_budget"]``
    or, failing that, at the smallest budget within 1 % of the frontier's lowest expected loss.
    """
    ids = option_sources() if sources is None else sources
    result, front = _parts(response)
    notes: list[str] = []
    budgets: list[float] = []
    expected: list[float] = []
    cvar: list[float] = []
    if front is not None and "budget" in front.dims and "expected_loss_usd" in front:
        budgets = [float(b) for b in front.budget.values]
        expected = [float(v) for v in front.expected_loss_usd.values]
        cvar = [float(v) for v in front.cvar_usd.values] if "cvar_usd" in front else [float("nan")] * len(budgets)
    else:
        notes.append(
            "The response results carry no frontier (expected loss for several budgets); "
            "only the chosen budget is shown."
        )
    budget_note = ""
    budget: float | None = None
    if result is not None and "budget_usd" in result:
        budget = float(result.budget_usd)
        budget_note = "the budget optimised"
    elif front is not None and front.attrs.get("recommended_budget") is not None:
        budget = float(front.attrs["recommended_budget"])
        budget_note = "the recommended budget stated with the results"
    elif budgets and any(np.isfinite(expected)):
        budget = _knee(budgets, expected)
        budget_note = "the smallest budget studied within 1 % of the frontier's lowest expected loss"
    part = result
    if part is None and front is not None and budget is not None and budget in budgets:
        part = front.sel(budget=budget)
    if part is None or not any(v in part for v in ("buy_t", "choice", "fund")):
        notes.append("The response results carry no portfolio (buy_t, choice, fund); the portfolio is left out.")
        part = None
    at = {"budget": budget}
    source = result if result is not None else front
    alpha = float(source.attrs.get("cvar_alpha", 0.95)) if source is not None else 0.95
    do_nothing = _scalar(result, "do_nothing_loss_usd")
    do_nothing_cvar = _scalar(result, "do_nothing_cvar_usd")
    if not np.isfinite(do_nothing) and 0.0 in budgets:
        do_nothing, do_nothing_cvar = expected[budgets.index(0.0)], cvar[budgets.index(0.0)]
    files = json.loads(str(source.attrs.get("scenario_files", "[]"))) if source is not None else []
    draws = int(result.sizes.get("scenario", 0)) if result is not None else 0
    return ResponseView(
        budgets=budgets,
        expected_loss=expected,
        cvar=cvar,
        budget=budget,
        budget_note=budget_note,
        expected_loss_usd=_scalar(source, "expected_loss_usd", **at),
        cvar_usd=_scalar(source, "cvar_usd", **at),
        do_nothing_loss_usd=do_nothing,
        do_nothing_cvar_usd=do_nothing_cvar,
        outlay_usd=_scalar(source, "outlay_usd", **at),
        cvar_alpha=alpha,
        stockpiles=_purchases(part, ids) if part is not None else [],
        projects=_backings(part, ids) if part is not None else [],
        research=_fundings(part, ids) if part is not None else [],
        cover=_cover(result),
        scenarios=[str(f) for f in files],
        draws=draws,
        notes=notes,
        check=_check(response),
    )


def _check(response: xr.Dataset | Mapping[str, Any]) -> dict[str, float]:
    """Scalars of the out-of-sample check passed as ``response["check"]`` (Dataset or mapping)."""
    check = None if isinstance(response, xr.Dataset) else response.get("check")
    if check is None:
        return {}
    if isinstance(check, xr.Dataset):
        return {str(n): float(v) for n, v in check.data_vars.items() if v.ndim == 0}
    return {str(k): float(v) for k, v in check.items()}
