"""Option tables of the response optimiser: columns, parsing of `serves`, validation.

Four tidy tables describe what the state may do. Every problem in any of them is collected and
raised once as a :class:`~critmin.errors.DataError`, so a user fixes all of them in one pass.

==================  ====================================================================
table               columns
==================  ====================================================================
stockpiles          holder, holder_country, material, purchase_price_usd_per_t,
                    max_purchase_t_per_year, holding_cost_share_per_year, start_t,
                    release_lead_months, serves
projects            project_id, country, material, stage, capacity_t_per_year, capex_usd,
                    opex_usd_per_t, lead_time_months, p_complete, serves
instruments         project_id, instrument, and the parameters that instrument needs
                    (see :data:`INSTRUMENT_PARAMETERS`)
research            programme, cost_usd, p_success, lag_months, material, intensity_cut
==================  ====================================================================

``serves`` lists the regions a holder may release to or a project's output reaches: codes
separated by ``;`` (``"JPN"``, ``"USA;JPN"``), or ``ALLIES`` for every ally. A NaN
``purchase_price_usd_per_t`` means "buy at the expected market price of the first month".
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd

from critmin.errors import DataError, Issue
from critmin.vocabulary import ALLIES, COUNTRIES, MATERIALS, stages_of

JOINT_HOLDER: Final = "ALLIANCE"
"""``holder_country`` of a joint reserve owned by the allies together."""

STOCKPILE_COLUMNS: Final = (
    "holder",
    "holder_country",
    "material",
    "purchase_price_usd_per_t",
    "max_purchase_t_per_year",
    "holding_cost_share_per_year",
    "start_t",
    "release_lead_months",
    "serves",
)
PROJECT_COLUMNS: Final = (
    "project_id",
    "country",
    "material",
    "stage",
    "capacity_t_per_year",
    "capex_usd",
    "opex_usd_per_t",
    "lead_time_months",
    "p_complete",
    "serves",
)
RESEARCH_COLUMNS: Final = (
    "programme",
    "cost_usd",
    "p_success",
    "lag_months",
    "material",
    "intensity_cut",
)
INSTRUMENTS: Final = ("grant", "concessional_loan", "equity", "offtake", "price_floor")
INSTRUMENT_PARAMETERS: Final = {
    "grant": (),
    "concessional_loan": (
        "loan_rate",
        "market_rate",
        "default_prob",
        "loss_given_default",
        "tenor_years",
    ),
    "equity": ("equity_expected_loss",),
    "offtake": ("offtake_price_usd_per_kg", "resale_discount", "tenor_years"),
    "price_floor": ("floor_usd_per_kg", "upside_share", "tenor_years"),
}
"""Parameters each instrument needs; ``amount_usd`` (default: the project's capex) is optional."""

SHARES: Final = frozenset(
    {
        "holding_cost_share_per_year",
        "p_complete",
        "p_success",
        "intensity_cut",
        "default_prob",
        "loss_given_default",
        "equity_expected_loss",
        "upside_share",
        "resale_discount",
    }
)


@dataclass(frozen=True)
class Options:
    """The four option tables; an empty table means "no option of that kind".

    Examples
    --------
    >>> Options().stockpiles.columns.tolist()[:3]
    ['holder', 'holder_country', 'material']
    """

    stockpiles: pd.DataFrame = field(default_factory=lambda: _empty(STOCKPILE_COLUMNS))
    projects: pd.DataFrame = field(default_factory=lambda: _empty(PROJECT_COLUMNS))
    instruments: pd.DataFrame = field(default_factory=lambda: _empty(("project_id", "instrument", "amount_usd")))
    research: pd.DataFrame = field(default_factory=lambda: _empty(RESEARCH_COLUMNS))


def _empty(columns: Iterable[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def parse_serves(value: object) -> tuple[str, ...]:
    """Region codes in one ``serves`` cell, in the order given, ``ALLIES`` expanded.

    Examples
    --------
    >>> parse_serves("USA; JPN")
    ('USA', 'JPN')
    >>> parse_serves("ALLIES")[:3]
    ('USA', 'JPN', 'AUS')
    >>> parse_serves(["KOR"])
    ('KOR',)
    """
    if isinstance(value, str):
        parts: list[str] = [p.strip() for p in value.replace(",", ";").split(";")]
    elif isinstance(value, Iterable):
        parts = [str(p).strip() for p in value]
    else:
        return ()
    codes: list[str] = []
    for part in parts:
        codes.extend(ALLIES if part in ("ALLIES", JOINT_HOLDER) else [part] if part else [])
    return tuple(dict.fromkeys(codes))


def _rows(frame: pd.DataFrame) -> np.ndarray:
    """Spreadsheet row numbers of `frame` (header is row 1)."""
    return np.arange(len(frame)) + 2


def check_columns(frame: pd.DataFrame, file: str, columns: Collection[str]) -> list[Issue]:
    """Every one of `columns` is present in `frame`.

    Examples
    --------
    >>> [str(i) for i in check_columns(pd.DataFrame({"a": [1]}), "t.csv", ["a", "b"])]
    ["t.csv, field 'b': column is missing. Fix: add a column named 'b'."]
    """
    return [
        Issue(file, 0, c, "column is missing", f"add a column named {c!r}") for c in columns if c not in frame.columns
    ]


def check_known(frame: pd.DataFrame, file: str, column: str, allowed: Collection[str], what: str) -> list[Issue]:
    """Every value of `column` is one of `allowed`."""
    values = frame[column].astype(str)
    bad = ~values.isin(list(allowed))
    shown = sorted(allowed)
    fix = "use one of " + ", ".join(shown[:12]) + (", ..." if len(shown) > 12 else "")
    return [
        Issue(file, int(row), column, f"{value!r} is not a known {what}", fix)
        for row, value in zip(_rows(frame)[bad.to_numpy()], values[bad], strict=True)
    ]


def check_numbers(
    frame: pd.DataFrame,
    file: str,
    column: str,
    *,
    positive: bool = False,
    nan_ok: bool = False,
    only: np.ndarray | None = None,
) -> list[Issue]:
    """`column` holds numbers that are non-negative (or positive), and at most 1 for shares.

    `only` (boolean, one per row) restricts the check to some rows.

    Examples
    --------
    >>> frame = pd.DataFrame({"capacity_t_per_year": [100.0, 0.0]})
    >>> [str(i) for i in check_numbers(frame, "projects", "capacity_t_per_year", positive=True)]
    ["projects, row 3, field 'capacity_t_per_year': 0 is not positive. Fix: give a positive number."]
    """
    keep = np.ones(len(frame), bool) if only is None else only
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)[keep]
    raw = frame[column].to_numpy()[keep]
    issues: list[Issue] = []
    for row, value, given in zip(_rows(frame)[keep], values, raw, strict=True):
        missing = given is None or (isinstance(given, float) and np.isnan(given))
        if np.isnan(value) and not (nan_ok and missing):
            problem = "empty" if missing else f"{given!r} is not a number"
            issues.append(Issue(file, int(row), column, problem, "write a number"))
        elif value < 0 or (positive and value == 0):
            sign = "positive" if positive else "zero or more"
            issues.append(Issue(file, int(row), column, f"{value:g} is not {sign}", f"give a {sign} number"))
        elif column in SHARES and value > 1:
            issues.append(
                Issue(
                    file,
                    int(row),
                    column,
                    f"{value:g} is a share above 1",
                    "give a share between 0 and 1 (0.3, not 30)",
                )
            )
    return issues


def check_serves(frame: pd.DataFrame, file: str, regions: Collection[str]) -> list[Issue]:
    """Each ``serves`` cell names at least one region, and only regions of the model."""
    issues: list[Issue] = []
    fix = "use region codes of baseline_shortfall: " + ", ".join(sorted(regions))
    for row, cell in zip(_rows(frame), frame["serves"], strict=True):
        codes = parse_serves(cell)
        unknown = [c for c in codes if c not in regions]
        if not codes:
            issues.append(Issue(file, int(row), "serves", "names no region", fix))
        elif unknown:
            issues.append(Issue(file, int(row), "serves", f"{', '.join(unknown)} not a region of the model", fix))
    return issues


def check_unique(frame: pd.DataFrame, file: str, key: list[str]) -> list[Issue]:
    """No two rows share the same `key`."""
    duplicated = frame.duplicated(key, keep="first").to_numpy()
    return [
        Issue(file, int(row), key[0], f"duplicate {' x '.join(key)}", "merge the rows or give each a distinct key")
        for row in _rows(frame)[duplicated]
    ]


def check_stockpiles(frame: pd.DataFrame, regions: Collection[str]) -> list[Issue]:
    """All checks of the stockpile option table."""
    file = "stockpile options"
    issues = check_columns(frame, file, STOCKPILE_COLUMNS)
    if issues:
        return issues
    issues += check_known(
        frame,
        file,
        "holder_country",
        COUNTRIES | {JOINT_HOLDER},
        "holder country (ISO alpha-3, EU27, or ALLIANCE for a joint reserve)",
    )
    issues += check_known(frame, file, "material", MATERIALS, "material")
    issues += check_numbers(frame, file, "purchase_price_usd_per_t", positive=True, nan_ok=True)
    issues += check_numbers(frame, file, "max_purchase_t_per_year")
    for column in ("holding_cost_share_per_year", "start_t", "release_lead_months"):
        issues += check_numbers(frame, file, column)
    issues += check_serves(frame, file, regions)
    issues += check_unique(frame, file, ["holder", "material"])
    return issues


def check_projects(frame: pd.DataFrame, regions: Collection[str]) -> list[Issue]:
    """All checks of the project table."""
    file = "projects"
    issues = check_columns(frame, file, PROJECT_COLUMNS)
    if issues:
        return issues
    issues += check_known(frame, file, "country", COUNTRIES, "country (ISO alpha-3 or EU27)")
    issues += check_known(frame, file, "material", MATERIALS, "material")
    for row, material, stage in zip(_rows(frame), frame["material"], frame["stage"], strict=True):
        if material in MATERIALS and stage not in stages_of(str(material)):
            fix = "use one of " + ", ".join(stages_of(str(material)))
            issues.append(Issue(file, int(row), "stage", f"{stage!r} is not a stage of {material}", fix))
    issues += check_numbers(frame, file, "capacity_t_per_year", positive=True)
    for column in ("capex_usd", "opex_usd_per_t", "lead_time_months", "p_complete"):
        issues += check_numbers(frame, file, column)
    issues += check_serves(frame, file, regions)
    issues += check_unique(frame, file, ["project_id"])
    return issues


def check_instruments(frame: pd.DataFrame, project_ids: Collection[str]) -> list[Issue]:
    """All checks of the instrument table: known project and instrument, needed parameters."""
    file = "instruments"
    issues = check_columns(frame, file, ("project_id", "instrument"))
    if issues:
        return issues
    issues += check_known(frame, file, "project_id", project_ids, "project_id")
    issues += check_known(frame, file, "instrument", INSTRUMENTS, "instrument")
    issues += check_unique(frame, file, ["project_id", "instrument"])
    for kind, needed in INSTRUMENT_PARAMETERS.items():
        rows = (frame["instrument"] == kind).to_numpy()
        for column in needed:
            if column in frame.columns:
                issues += check_numbers(frame, file, column, only=rows)
            elif rows.any():
                issues.append(
                    Issue(file, 0, column, f"column is missing ({kind} needs it)", f"add a column named {column!r}")
                )
    if "amount_usd" in frame.columns:
        issues += check_numbers(frame, file, "amount_usd", nan_ok=True)
    return issues


def check_research(frame: pd.DataFrame) -> list[Issue]:
    """All checks of the research programme table."""
    file = "research"
    issues = check_columns(frame, file, RESEARCH_COLUMNS)
    if issues:
        return issues
    issues += check_known(frame, file, "material", MATERIALS, "material")
    for column in ("cost_usd", "p_success", "lag_months", "intensity_cut"):
        issues += check_numbers(frame, file, column)
    issues += check_unique(frame, file, ["programme"])
    return issues


def check_budget(budget: float) -> list[Issue]:
    """The budget is a finite number of USD, zero or more.

    Examples
    --------
    >>> [str(i) for i in check_budget(-5.0)]
    ["budget, field 'budget': -5 USD is negative. Fix: give a budget of zero or more USD."]
    """
    if not np.isfinite(budget):
        return [Issue("budget", 0, "budget", f"{budget} is not a finite number", "give a finite budget in USD")]
    if budget < 0:
        return [Issue("budget", 0, "budget", f"{budget:g} USD is negative", "give a budget of zero or more USD")]
    return []


def validate_options(options: Options, regions: Collection[str], budget: float = 0.0) -> Options:
    """Check every option table and the budget; raise one DataError listing every problem.

    Parameters
    ----------
    options : Options
        The four tables.
    regions : collection of str
        Region codes of the model (those of ``baseline_shortfall``).
    budget : float
        Programme budget in USD.

    Returns
    -------
    Options
        The same tables, index reset, ready for :func:`critmin.optimise.prepare.prepare`.

    Examples
    --------
    >>> bad = Options(projects=pd.DataFrame({"project_id": ["p1"]}))
    >>> try:
    ...     validate_options(bad, ["USA"], budget=-1.0)
    ... except DataError as error:
    ...     print(len(error.issues), error.issues[-1].problem)
    10 -1 USD is negative
    """
    tables = {
        name: getattr(options, name).reset_index(drop=True)
        for name in ("stockpiles", "projects", "instruments", "research")
    }
    ids = tables["projects"].get("project_id", pd.Series(dtype=object)).astype(str).tolist()
    issues = (
        check_stockpiles(tables["stockpiles"], regions)
        + check_projects(tables["projects"], regions)
        + check_instruments(tables["instruments"], ids)
        + check_research(tables["research"])
        + check_budget(float(budget))
    )
    if issues:
        raise DataError(issues)
    return Options(**tables)
