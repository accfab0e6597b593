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
    ProcessingDays,
    Scenario,
    find_in_library,
    load_scenario,
)
from critmin.scenarios.validate import month_index
from critmin.sweep._checks import _is_int, _is_number, _issue, _revalidate
from critmin.sweep.policies import MAX_PORTFOLIO_BYTES as MAX_PORTFOLIO_BYTES  # importable from here as before
from critmin.sweep.policies import POLICY_KEYS as POLICY_KEYS
from critmin.sweep.policies import OptimisedPortfolio as OptimisedPortfolio
from critmin.sweep.policies import SweepPolicy, _policies
from critmin.sweep.policies import read_optimised_portfolio as read_optimised_portfolio
from critmin.sweep.policies import read_portfolio as read_portfolio
from critmin.vocabulary import COUNTRIES

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
GRID_KEY = re.compile(
    r"^(?:events\[(?P<index>\d+)\]\.(?P<field>\w+)|parameters\.(?P<param>\w+)"
    r"|(?P<top>horizon_months))$"
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
