"""Sweep files: a base scenario, a grid over its parameters, Monte Carlo ranges and policies.

A sweep file is TOML (read with :mod:`tomllib`; nothing is evaluated or unpickled)::

    name = "small"                      # identifier (required)
    description = "..."                 # free text
    base = "heavy_ree_licensing_2025"   # scenario: library name, or path relative to this file
    seed = 7                            # Monte Carlo seed of every case, integer >= 0
    draws_per_case = 5                  # draws per case, integer >= 1
    horizon_months = 12                 # optional: overrides the base scenario's horizon
    chunk_size = 10                     # optional: scenarios per chunk (default: timed rule)
    allies = ["JPN", "KOR", "USA"]      # optional: countries summarised (default: holders')

    [grid]                              # optional; each axis a non-empty list of values
    "events[0].controller" = ["CHN", "RUS"]
    "events[0].duration_months" = [3, 6, 12]   # export control: lifted = effective + value
    "events[0].materials" = [["gallium"], ["germanium"]]
    "events[0].approval_path" = [[0.0], [0.2, 0.5]]
    "parameters.price_flexibility" = [2.0, 3.0]

    [uncertain]                         # optional: Monte Carlo ranges added to the base's
    "events[0].leakage" = {dist = "uniform", low = 0.0, high = 0.2}

    [policies.status_quo]               # optional; default one policy "base" (no change)
    [policies.double_japan]
    stockpile_multiplier = {holders = {JPN = 2.0}, materials = {gallium = 1.5}}
    [policies.optimised]
    portfolio = "portfolio.csv"         # CSV holder,material,tonnes added to the stockpiles
    [policies.from_optimiser]
    portfolio = "response/portfolio.nc"   # `critmin optimise --out response`: its stockpile
                                          # purchases and backed projects
    [policies.early_release]
    release = {trigger_days = 15, monthly_rate = 0.3, coordination = "own_first"}
    allocation = ["defence"]            # and/or substitution = false

A ``portfolio.nc`` written by ``critmin optimise`` is applied the way its out-of-sample check
applies it (:func:`critmin.optimise.resimulate`): the tonnes bought are added to the stockpiles,
a joint reserve split among the allies by the portfolio's burden shares (new holders
``ALLIANCE-<ally>``), each backed project becomes a ``project`` event of every case, and a case
whose scenario has no stockpile release rule gets the simulator's default one (bought stocks
are otherwise never released; give the other policies the same ``release`` to compare like
with like).

Grid keys are ``events[<i>].<field>`` (any field of that event; for an export control also
``duration_months``), ``parameters.<name>`` or ``horizon_months``. A grid axis that fixes a field
the base scenario draws at random drops that distribution. Holders are named by their id
(``JPN-JOGMEC``) or country (``JPN``); multipliers of a holder and of a material multiply.

Order (documented, relied on by every output): grid points vary row-major over the axes in the
order written (last axis fastest, as :func:`itertools.product`); ``case = grid_point * P +
policy`` with policies in the order written; ``scenario = case * draws_per_case + draw``. Every
case uses the same ``seed``, so draw ``d`` sees the same random stream in every case (common
random numbers: policy differences are not blurred by sampling noise).

Examples
--------
>>> from critmin.sweep.spec import scenario_index
>>> scenario_index(case=3, draw=2, draws_per_case=5)
17
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import xarray as xr

from critmin.documents import non_finite, read_toml
from critmin.errors import Issue, ScenarioError
from critmin.limits import check_sweep
from critmin.scenarios.spec import (
    Destinations,
    Distribution,
    Policy,
    ProcessingDays,
    Project,
    Scenario,
    StockpileRelease,
    find_in_library,
    load_scenario,
    parse_scenario,
    with_default_release,
)
from critmin.scenarios.validate import month_index
from critmin.vocabulary import COUNTRIES, MATERIALS

TOP_KEYS = (
    "name",
    "description",
    "base",
    "seed",
    "draws_per_case",
    "horizon_months",
    "chunk_size",
    "allies",
    "grid",
    "uncertain",
    "policies",
)
REQUIRED = ("name", "base", "seed", "draws_per_case")
POLICY_KEYS = ("description", "stockpile_multiplier", "portfolio", "release", "allocation", "substitution")
GRID_KEY = re.compile(
    r"^(?:events\[(?P<index>\d+)\]\.(?P<field>\w+)|parameters\.(?P<param>\w+)"
    r"|(?P<top>horizon_months))$"
)


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


@dataclass(frozen=True)
class Case:
    """One grid point under one policy."""

    index: int
    grid_point: tuple[tuple[str, Any], ...]
    policy: SweepPolicy
    scenario: Scenario


@dataclass(frozen=True)
class Sweep:
    """A validated sweep (see the module docstring for the file format)."""

    name: str
    file: str
    seed: int
    draws_per_case: int
    grid: tuple[tuple[str, tuple[Any, ...]], ...]
    policies: tuple[SweepPolicy, ...]
    cases: tuple[Case, ...]
    allies: tuple[str, ...] = ()
    chunk_size: int | None = None
    description: str = ""
    digest: str = field(default="", compare=False)

    @property
    def n_scenarios(self) -> int:
        """Cases x draws per case."""
        return len(self.cases) * self.draws_per_case


def scenario_index(case: int, draw: int, draws_per_case: int) -> int:
    """Flat scenario index of draw `draw` of case `case`."""
    return case * draws_per_case + draw


def _issue(file: str, where: str, problem: str, fix: str) -> Issue:
    return Issue(file, 0, where, problem, fix)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_top(doc: Mapping[str, Any], file: str) -> list[Issue]:
    issues = [_issue(file, k, "missing", f"add {k} = ... at the top of the file") for k in REQUIRED if k not in doc]
    issues += [_issue(file, k, "unknown key", "use one of " + ", ".join(TOP_KEYS)) for k in doc if k not in TOP_KEYS]
    for key, low in (("seed", 0), ("draws_per_case", 1), ("horizon_months", 1), ("chunk_size", 1)):
        if key not in doc:
            continue
        if not _is_int(doc[key]):
            issues.append(
                _issue(file, key, f"{doc[key]!r} is not a whole number", f"give a whole number of at least {low}")
            )
        elif doc[key] < low:
            issues.append(_issue(file, key, f"{doc[key]} is below {low}", f"give a whole number of at least {low}"))
    for key in ("name", "description", "base"):
        if key in doc and not isinstance(doc[key], str):
            issues.append(_issue(file, key, f"{doc[key]!r} is not text", f'write {key} = "..."'))
    allies = doc.get("allies", [])
    if not isinstance(allies, list):
        issues.append(_issue(file, "allies", f"{allies!r} is not a list", 'use a list, e.g. ["JPN"]'))
        allies = []
    issues += [
        _issue(
            file,
            "allies",
            f"{a!r} is not a known country code",
            "use ISO 3166 alpha-3 codes such as JPN, KOR, USA, or EU27",
        )
        for a in allies
        if not isinstance(a, str) or a not in COUNTRIES
    ]
    for key in ("grid", "uncertain", "policies"):
        if key in doc and not isinstance(doc[key], Mapping):
            issues.append(_issue(file, key, "not a table", f"write [{key}] with key = value lines"))
    return issues


def _load_base(doc: Mapping[str, Any], file: str, folder: Path) -> tuple[Scenario | None, list[Issue]]:
    base = doc.get("base")
    if not isinstance(base, str):
        return None, []
    path = folder / base
    try:
        scenario = load_scenario(path if path.exists() else base)
    except ScenarioError as err:
        return None, [_issue(file, "base", f"base scenario invalid: {i}", i.fix) for i in err.issues]
    except OSError:
        return None, [
            _issue(
                file,
                "base",
                f"{base!r} is neither a file nor a library scenario",
                "give a scenario TOML path or a name in critmin/scenarios/library",
            )
        ]
    if _is_int(doc.get("horizon_months")) and doc["horizon_months"] >= 1:
        scenario = replace(scenario, horizon_months=doc["horizon_months"])
    if _is_int(doc.get("seed")) and doc["seed"] >= 0:
        scenario = replace(scenario, seed=doc["seed"])
    if _is_int(doc.get("draws_per_case")) and doc["draws_per_case"] >= 1:
        scenario = replace(scenario, draws=doc["draws_per_case"])
    return scenario, []


def _event_value(event: Any, name: str, value: Any, start: str) -> tuple[str, Any]:
    if name == "duration_months" and getattr(event, "kind", "") == "export_control":
        if not _is_int(value) or value < 1:
            raise ValueError(f"{value!r} is not a whole number of months >= 1")
        return "lifted", month_index(event.effective, start, day=True) + value
    if name == "destinations":
        if value == "all":
            return name, Destinations("all")
        if isinstance(value, Mapping):
            return name, Destinations("all_but", tuple(value["all_but"]))
        return name, Destinations("only", tuple(value if isinstance(value, list) else [value]))
    if name == "kind" or not hasattr(event, name):
        raise ValueError(f"{name!r} is not a field of a {getattr(event, 'kind', '?')} event")
    if name == "processing_days" and isinstance(value, Mapping):
        return name, ProcessingDays(**{k: float(v) for k, v in value.items()})
    return name, tuple(value) if isinstance(value, list) else value


def apply_value(scenario: Scenario, key: str, value: Any) -> Scenario:
    """The scenario with one grid value set (``key`` as in the module docstring).

    Examples
    --------
    >>> s = apply_value(load_scenario("heavy_ree_licensing_2025"), "events[0].duration_months", 6)
    >>> s.events[0].lifted
    7
    """
    m = GRID_KEY.match(key)
    if m is None:
        raise ValueError(f"{key!r} is not a grid key")
    if m["top"]:
        return replace(scenario, horizon_months=value)
    if m["param"]:
        params = dict(scenario.parameters) | {m["param"]: value}
        uncertain = tuple(u for u in scenario.uncertain if u[0] != key)
        return replace(scenario, parameters=tuple(sorted(params.items())), uncertain=uncertain)
    index = int(m["index"])
    if index >= len(scenario.events):
        raise ValueError(f"the base scenario has no event {index}")
    events = list(scenario.events)
    name, converted = _event_value(events[index], m["field"], value, scenario.start)
    events[index] = replace(events[index], **{name: converted})
    uncertain = tuple(u for u in scenario.uncertain if u[0] != key)
    return replace(scenario, events=tuple(events), uncertain=uncertain)


def _revalidate(scenario: Scenario, file: str, where: str, label: str) -> list[Issue]:
    try:
        parse_scenario(scenario.to_toml(), file=file)
    except ScenarioError as err:
        return [_issue(file, where, f"{label}{i.field}: {i.problem}", i.fix) for i in err.issues]
    except (TypeError, ValueError, AttributeError) as err:
        return [_issue(file, where, f"{label}cannot be used: {err}", "give a value of the field's type")]
    return []


def _check_grid(doc: Mapping[str, Any], base: Scenario | None, file: str) -> list[Issue]:
    grid = doc.get("grid")
    if not isinstance(grid, Mapping):
        return []
    if not grid:
        return [
            _issue(
                file,
                "grid",
                "empty grid (no axes)",
                'add an axis such as "events[0].controller" = ["CHN"], or remove [grid]',
            )
        ]
    issues = []
    for key, values in grid.items():
        where = f"grid.{key}"
        if GRID_KEY.match(key) is None:
            issues.append(
                _issue(
                    file, where, "not a grid key", 'use "events[<i>].<field>", "parameters.<name>" or horizon_months'
                )
            )
        elif not isinstance(values, list) or not values:
            issues.append(
                _issue(file, where, "empty or not a list of values", "give a non-empty list, e.g. [3, 6, 12]")
            )
        elif base is not None:
            for value in values:
                issues += _check_value(base, key, value, file, where)
    return issues


def _check_value(base: Scenario, key: str, value: Any, file: str, where: str) -> list[Issue]:
    try:
        scenario = apply_value(base, key, value)
    except (TypeError, ValueError, KeyError) as err:
        return [_issue(file, where, f"value {value!r}: {err}", "give a value valid for this field")]
    return _revalidate(scenario, file, where, f"value {value!r}: ")


def _uncertain(doc: Mapping[str, Any], base: Scenario, file: str) -> tuple[Scenario, list[Issue]]:
    table = doc.get("uncertain")
    if not isinstance(table, Mapping) or not table:
        return base, []
    merged, issues = dict(base.uncertain), []
    for key, spec in table.items():
        if (
            not isinstance(spec, Mapping)
            or not isinstance(spec.get("dist"), str)
            or not all(_is_number(v) for k, v in spec.items() if k != "dist")
        ):
            issues.append(
                _issue(
                    file,
                    f"uncertain.{key}",
                    f"{spec!r} is not a distribution",
                    'write {dist = "uniform", low = 0.0, high = 0.2}',
                )
            )
            continue
        merged[key] = Distribution(spec["dist"], tuple(sorted((k, float(v)) for k, v in spec.items() if k != "dist")))
    scenario = replace(base, uncertain=tuple(sorted(merged.items())))
    issues += _revalidate(scenario, file, "uncertain", "")
    return scenario, issues


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
    from critmin.optimise.pipeline import backed_projects, bought_by_holder

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


def _cases(
    base: Scenario, grid: Sequence[tuple[str, tuple[Any, ...]]], policies: Sequence[SweepPolicy]
) -> tuple[Case, ...]:
    keys = [k for k, _ in grid]
    cases: list[Case] = []
    for point in itertools.product(*(values for _, values in grid)):
        scenario = base
        for key, value in zip(keys, point, strict=False):
            scenario = apply_value(scenario, key, value)
        for policy in policies:
            cases.append(Case(len(cases), tuple(zip(keys, point, strict=False)), policy, policy.apply(scenario)))
    return tuple(cases)


def _check_points(cases: Sequence[Case], file: str, limit: int = 20) -> list[Issue]:
    """Problems of combinations of grid values (each value alone was already checked)."""
    issues: list[Issue] = []
    seen: set[tuple[str, str]] = set()
    for case in cases:
        for issue in _revalidate(case.scenario, file, "grid", f"grid point {dict(case.grid_point)}: "):
            if (issue.field, issue.problem) not in seen and len(issues) < limit:
                seen.add((issue.field, issue.problem))
                issues.append(issue)
    return issues


def _check_size(doc: Mapping[str, Any], file: str) -> list[Issue]:
    """Refuse a grid too large to run before any case is built (the product can be astronomical)."""
    grid, policies = doc.get("grid", {}), doc.get("policies", {"base": {}})
    if not isinstance(grid, Mapping) or not isinstance(policies, Mapping):
        return []
    axes = [values for values in grid.values() if isinstance(values, list)]
    draws, months = doc.get("draws_per_case", 1), doc.get("horizon_months", 1)
    if not _is_int(draws) or not _is_int(months) or draws < 1 or months < 1:
        return []
    longest = max([months, *(v for v in grid.get("horizon_months", []) if _is_int(v))])
    return check_sweep(math.prod(len(a) for a in axes) * max(len(policies), 1) * draws, longest, file)


def digest(doc: Mapping[str, Any], base: Scenario, policies: Sequence[SweepPolicy]) -> str:
    """sha256 of everything that determines the results (not chunking, not file paths)."""
    keep = {k: v for k, v in doc.items() if k not in ("chunk_size", "description", "base")}
    text = json.dumps([keep, base.to_toml(), [repr(p) for p in policies]], sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def _read(path: Path) -> tuple[dict[str, Any], list[Issue]]:
    try:
        doc, issues = read_toml(path.read_text(encoding="utf-8"), path.name)
    except OSError as err:
        return {}, [_issue(path.name, "(file)", f"cannot read: {err.strerror}", "check the path")]
    except UnicodeDecodeError as err:
        return {}, [_issue(path.name, "(file)", f"is not UTF-8 text ({err.reason})", "save the file as UTF-8")]
    bad = non_finite(doc, path.name)
    return ({} if bad else doc), issues + bad


def load_sweep(path: str | Path, dataset: xr.Dataset) -> Sweep:
    """Read and validate a sweep file; every problem is reported at once.

    Parameters
    ----------
    path : str or pathlib.Path
        Sweep TOML (format in the module docstring); a bare name is looked up in the library.
    dataset : xarray.Dataset
        The dataset the sweep runs on (stockpile holders are checked against it).

    Returns
    -------
    Sweep

    Raises
    ------
    critmin.errors.ScenarioError
        Listing every problem (file, field, problem, fix); nothing has been run or written.

    Examples
    --------
    >>> import critmin
    >>> sweep = load_sweep("small", critmin.load())
    >>> len(sweep.cases), sweep.n_scenarios
    (12, 60)
    """
    found = find_in_library(path, LIBRARY, "sweep")
    if isinstance(found, Issue):
        raise ScenarioError([found])
    p, file = found, found.name
    doc, issues = _read(p)
    if not doc and issues:
        raise ScenarioError(issues)
    issues += _check_top(doc, file)
    too_much = _check_size(doc, file)
    if too_much:
        raise ScenarioError(issues + too_much)
    base, more = _load_base(doc, file, p.parent)
    issues += more + _check_grid(doc, base, file)
    if base is not None:
        base, more = _uncertain(doc, base, file)
        issues += more
    policies, more = _policies(doc, dataset, file, p.parent, base)
    issues += more
    if issues or base is None:
        raise ScenarioError(issues or [_issue(file, "base", "missing", "add base = ...")])
    grid = tuple((k, tuple(v)) for k, v in doc.get("grid", {}).items())
    cases = _cases(base, grid, policies)
    issues = _check_points(cases, file)
    if issues:
        raise ScenarioError(issues)
    allies = doc.get("allies")
    return Sweep(
        name=doc["name"],
        file=str(p),
        seed=doc["seed"],
        draws_per_case=doc["draws_per_case"],
        grid=grid,
        policies=policies,
        cases=cases,
        allies=tuple(allies) if isinstance(allies, list) else (),
        chunk_size=doc.get("chunk_size"),
        description=doc.get("description", ""),
        digest=digest(doc, base, policies),
    )


LIBRARY = Path(__file__).with_name("library")
"""Folder of the example sweeps shipped with critmin."""
