"""A sweep file's ``[policies]``: stockpile multipliers, portfolios (CSV or ``portfolio.nc``), overrides.

See :mod:`critmin.sweep.spec` for the file format; a ``portfolio.nc`` written by ``critmin
optimise`` is applied as its out-of-sample check applies it (:func:`critmin.optimise.resimulate`).
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import xarray as xr

from critmin.errors import Issue
from critmin.scenarios.spec import Policy, Project, Scenario, StockpileRelease, with_default_release
from critmin.sweep._checks import _is_number, _issue, _revalidate
from critmin.vocabulary import MATERIALS

POLICY_KEYS = ("description", "stockpile_multiplier", "portfolio", "release", "allocation", "substitution")


@dataclass(frozen=True)
class SweepPolicy:
    """A named policy: stockpile multipliers and additions, and scenario policy overrides."""

    name: str
    holder_multiplier: tuple[tuple[str, float], ...] = ()
    material_multiplier: tuple[tuple[str, float], ...] = ()
    portfolio: tuple[tuple[str, str, float], ...] = ()
    release: StockpileRelease | None = None
    allocation: str | tuple[str, ...] | None = None
    substitution: bool | None = None
    new_holders: tuple[tuple[str, str], ...] = ()
    projects: tuple[Project, ...] = ()
    default_release: bool = False

    @property
    def stock_key(self) -> str:
        """Hash of the stockpile changes (networks are cached by it)."""
        text = repr((self.holder_multiplier, self.material_multiplier, self.portfolio, self.new_holders))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def apply(self, scenario: Scenario) -> Scenario:
        """The scenario with this policy's projects, release rule, allocation and substitution."""
        if self.default_release:
            scenario = with_default_release(scenario)
        pol = scenario.policy
        return replace(
            scenario,
            events=(*scenario.events, *self.projects),
            policy=Policy(
                stockpile_release=self.release if self.release is not None else pol.stockpile_release,
                substitution=pol.substitution if self.substitution is None else self.substitution,
                allocation=pol.allocation if self.allocation is None else self.allocation,
            ),
        )


def _holders(dataset: xr.Dataset) -> dict[str, str]:
    """Holder id for every accepted holder name (id, or country with a single holder)."""
    if "holder" not in dataset.coords:
        return {}
    ids = [str(h) for h in dataset["holder"].values]
    countries = [str(c) for c in dataset["holder_country"].values] if "holder_country" in dataset else []
    names = {h: h for h in ids}
    for c in set(countries):
        if countries.count(c) == 1:
            names[c] = ids[countries.index(c)]
    return names


def _multipliers(
    raw: Any, holders: Mapping[str, str], file: str, at: str
) -> tuple[tuple[tuple[str, float], ...], tuple[tuple[str, float], ...], list[Issue]]:
    if not isinstance(raw, Mapping) or set(raw) - {"holders", "materials"}:
        return (
            (),
            (),
            [
                _issue(
                    file, at, f"{raw!r} is not understood", "write {holders = {JPN = 2.0}, materials = {gallium = 1.5}}"
                )
            ],
        )
    issues, out = [], {}
    for kind, known in (("holders", holders), ("materials", MATERIALS)):
        table = raw.get(kind, {})
        if not isinstance(table, Mapping):
            issues.append(_issue(file, f"{at}.{kind}", "not a table", "write {NAME = number}"))
            table = {}
        for name, mult in table.items():
            if name not in known:
                issues.append(
                    _issue(
                        file,
                        f"{at}.{kind}.{name}",
                        f"unknown {kind[:-1]} {name!r}",
                        "use one of " + ", ".join(sorted(known)),
                    )
                )
            if not _is_number(mult) or mult < 0:
                issues.append(
                    _issue(
                        file, f"{at}.{kind}.{name}", f"{mult!r} is not a number >= 0", "give a multiplier such as 2.0"
                    )
                )
        out[kind] = tuple(
            sorted((holders.get(n, n) if kind == "holders" else n, float(v)) for n, v in table.items() if _is_number(v))
        )
    return out["holders"], out["materials"], issues


def read_portfolio(
    path: Path, holders: Mapping[str, str], file: str
) -> tuple[tuple[tuple[str, str, float], ...], list[Issue]]:
    """Rows ``holder,material,tonnes`` of a portfolio CSV, and every problem found in it."""
    name = path.name
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
            header = list(rows[0]) if rows else []
    except OSError:
        return (), [
            _issue(file, "portfolio", f"cannot read {str(path)!r}", "give a CSV path relative to the sweep file")
        ]
    if header and header != ["holder", "material", "tonnes"]:
        return (), [Issue(name, 1, "(header)", f"columns {header}", "use holder,material,tonnes")]
    issues, out = [], []
    for row_no, row in enumerate(rows, start=2):
        holder, material, tonnes = row["holder"], row["material"], row["tonnes"]
        if holder not in holders:
            issues.append(
                Issue(name, row_no, "holder", f"unknown holder {holder!r}", "use one of " + ", ".join(sorted(holders)))
            )
        if material not in MATERIALS:
            issues.append(
                Issue(name, row_no, "material", f"unknown material {material!r}", "use one of " + ", ".join(MATERIALS))
            )
        try:
            value = float(tonnes)
            if not value >= 0:
                raise ValueError
        except (TypeError, ValueError):
            issues.append(
                Issue(name, row_no, "tonnes", f"{tonnes!r} is not a number >= 0", "give tonnes added, e.g. 120.5")
            )
            continue
        out.append((holders.get(holder, holder), material, value))
    return tuple(sorted(out)), issues


MAX_PORTFOLIO_BYTES = 64 * 2**20
"""Largest portfolio.nc read (the optimiser writes well under 1 MB); checked before loading."""
OptimisedPortfolio = tuple[
    tuple[tuple[str, str, float], ...], tuple[tuple[str, str], ...], tuple[Project, ...], list[Issue]
]


def read_optimised_portfolio(path: Path, holders: Mapping[str, str], file: str) -> OptimisedPortfolio:
    """Stockpile rows, new holders (id, country) and project events of a ``portfolio.nc``.

    The file is one written by ``critmin optimise --out``; problems come back as Issues.
    """
    from critmin.optimise.check import backed_projects, bought_by_holder

    fix = "give the portfolio.nc written by `critmin optimise --out FOLDER`, relative to the sweep file"
    size = path.stat().st_size if path.is_file() else 0
    if size > MAX_PORTFOLIO_BYTES:
        problem = f"{path.name} is {size / 2**20:,.0f} MB (a portfolio is at most {MAX_PORTFOLIO_BYTES // 2**20} MB)"
        return (), (), (), [_issue(file, "portfolio", problem, fix)]
    try:
        with xr.open_dataset(path, engine="h5netcdf") as opened:
            portfolio = opened.load()
    except (OSError, ValueError) as err:
        return (), (), (), [_issue(file, "portfolio", f"cannot read {str(path)!r} as NetCDF ({err})", fix)]
    needed = ("buy_t", "stock_holder", "stock_holder_country", "stock_material", "backed")
    missing = [v for v in needed if v not in portfolio]
    if missing:
        return (), (), (), [_issue(file, "portfolio", f"{path.name} lacks {', '.join(missing)}", fix)]
    shares = portfolio.burden_share.to_series() if "burden_share" in portfolio else None
    bought = bought_by_holder(portfolio, shares)
    rows, new = [], set()
    for row in bought[bought.tonnes > 0].itertuples(index=False):
        holder = holders.get(str(row.holder), str(row.holder))
        if holder not in holders.values():
            new.add((holder, str(row.holder_country)))
        rows.append((holder, str(row.material), float(row.tonnes)))
    return tuple(sorted(rows)), tuple(sorted(new)), backed_projects(portfolio), []


def _policy(
    name: str, raw: Any, holders: Mapping[str, str], file: str, folder: Path, base: Scenario | None
) -> tuple[SweepPolicy, list[Issue]]:
    at = f"policies.{name}"
    if not isinstance(raw, Mapping):
        return SweepPolicy(name), [_issue(file, at, "not a table", f"write [policies.{name}]")]
    issues = [
        _issue(file, f"{at}.{k}", "unknown key", "use one of " + ", ".join(POLICY_KEYS))
        for k in raw
        if k not in POLICY_KEYS
    ]
    by_holder, by_material, more = _multipliers(
        raw.get("stockpile_multiplier", {}), holders, file, f"{at}.stockpile_multiplier"
    )
    issues += more
    portfolio: tuple[tuple[str, str, float], ...] = ()
    new_holders: tuple[tuple[str, str], ...] = ()
    projects: tuple[Project, ...] = ()
    optimised = isinstance(raw.get("portfolio"), str) and str(raw["portfolio"]).endswith(".nc")
    if "portfolio" in raw:
        if optimised:
            portfolio, new_holders, projects, more = read_optimised_portfolio(folder / raw["portfolio"], holders, file)
            issues += more
        elif isinstance(raw["portfolio"], str):
            portfolio, more = read_portfolio(folder / raw["portfolio"], holders, file)
            issues += more
        else:
            issues.append(_issue(file, f"{at}.portfolio", "not a file name", 'write portfolio = "portfolio.csv"'))
    release = raw.get("release")
    try:
        release = StockpileRelease(**release) if isinstance(release, Mapping) else release
    except TypeError as err:
        issues.append(
            _issue(file, f"{at}.release", str(err), "give trigger_days, monthly_rate and optionally coordination")
        )
        release = None
    allocation = raw.get("allocation")
    if allocation is not None and allocation != "pro_rata" and not isinstance(allocation, list):
        issues.append(
            _issue(
                file, f"{at}.allocation", f"{allocation!r} is not a list", 'use a list, e.g. ["defence"], or "pro_rata"'
            )
        )
        allocation = None
    policy = SweepPolicy(
        name,
        by_holder,
        by_material,
        portfolio,
        release,
        tuple(allocation) if isinstance(allocation, list) else allocation,
        raw.get("substitution"),
        new_holders,
        projects,
        default_release=optimised,
    )
    if base is not None and not more:
        issues += _revalidate(policy.apply(base), file, at, "")
    return policy, issues


def _policies(
    doc: Mapping[str, Any], dataset: xr.Dataset, file: str, folder: Path, base: Scenario | None
) -> tuple[tuple[SweepPolicy, ...], list[Issue]]:
    table = doc.get("policies", {"base": {}})
    if not isinstance(table, Mapping):
        return (), []
    if not table:
        return (), [_issue(file, "policies", "no policies", "add [policies.base] or remove [policies]")]
    holders = _holders(dataset)
    out, issues = [], []
    for name, raw in table.items():
        policy, more = _policy(name, raw, holders, file, folder, base)
        out.append(policy)
        issues += more
    return tuple(out), issues
