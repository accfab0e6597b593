"""Validate data-package tables with pandera, reporting every problem at once.

Each rule is a named pandera check; :data:`RULES` turns a failed check into the sentence the
user reads (what is wrong, and what to write instead). :func:`validate_table` runs one table's
schema lazily and returns :class:`~critmin.errors.Issue` objects, never raising, so that the
loader can collect the problems of every file before it refuses the whole package.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

from critmin import vocabulary as vocab
from critmin.data.read import ROW_COLUMN
from critmin.errors import Issue
from critmin.model.schema import SCHEMA, VariableSpec
from critmin.units import conversion_factor, is_unit

COUNTRY_DIMS = frozenset({"country", "exporter", "importer", "region", "holder_country", "controlling_country"})


@dataclass(frozen=True)
class Rule:
    """How a failed check reads: `problem` and `fix` are formatted with the cell's value."""

    problem: str
    fix: str


def _sorted(values: Collection[str]) -> str:
    return ", ".join(sorted(values))


def _as_number(text: str) -> float | None:
    try:
        number = float(text)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _is_year(text: str) -> bool:
    return text.isdigit() and len(text) == 4 and 1900 <= int(text) <= 2100


RULES: Mapping[str, Rule] = {
    "column_in_dataframe": Rule("the column is missing", "add a column named {value!r} to the header row"),
    "not_empty": Rule("empty", "give a value; leave out the whole row if the value is unknown"),
    "is_number": Rule(
        "{value!r} is not a number", "write a plain number such as 1300 (no thousands separator, unit or %)"
    ),
    "not_nan": Rule("{value!r} is not a number", "leave out the row: a missing value is unknown, never NaN or 0"),
    "non_negative": Rule("{value!r} is negative", "tonnages, prices and days are never negative; check the sign"),
    "at_most_one": Rule("{value!r} is a share above 1", "write shares as fractions between 0 and 1 (0.85, not 85)"),
    "at_most_10": Rule("{value!r} is above 10, the top of the EU's 0-10 HHI scale", "divide a 0-10,000 HHI by 1,000"),
    "known_material": Rule("{value!r} is not a known material", "use one of " + _sorted(vocab.MATERIALS)),
    "known_stage": Rule("{value!r} is not a known stage", "use one of " + _sorted(vocab.STAGES)),
    "known_country": Rule(
        "{value!r} is not an ISO 3166 alpha-3 code or documented aggregate",
        "use an alpha-3 code such as JPN, USA, CHN, or EU27 / ROW",
    ),
    "known_sector": Rule("{value!r} is not a known sector", "use one of " + _sorted(vocab.SECTORS)),
    "known_market": Rule("{value!r} is not a known market", "use one of " + _sorted(vocab.MARKETS)),
    "known_grade": Rule("{value!r} is not a grade", "use V, T, S or E"),
    "is_year": Rule("{value!r} is not a year", "write a four-digit year such as 2024"),
    "is_source_year": Rule("{value!r} names no year", "write the publication year (2024, c. 2012) or n.d. if undated"),
    "is_date": Rule("{value!r} is not a date", "write YYYY-MM or YYYY-MM-DD, e.g. 2023-08 or 2023-08-01"),
    "is_unit": Rule("{value!r} is not a unit", "write a pint unit such as t/year, day, USD/kg or 1"),
    "known_source": Rule(
        "{value!r} is not a source id in sources.csv", "add the source to sources.csv or use an existing source_id"
    ),
    "stage_of_material": Rule(
        "stage {value!r} does not apply to this material", "use a stage of the material ({fix_hint})"
    ),
    "unique_key": Rule("duplicate key ({value}); the same key is on row {other}", "keep one row per key"),
    "no_aggregate_overlap": Rule(
        "EU27 and its member {value!r} are both listed for the same key",
        "list either EU27 or its member states, never both",
    ),
    "override_overlap": Rule(
        "{value!r} would be counted beside {other}, listed for the same key in the packaged {file} (row {rows})",
        "{fix_hint}, or set critmin.mode to 'replace' in datapackage.json to use your data alone",
    ),
    "low_le_value_le_high": Rule("{value!r} lies outside its own range low..high", "check value, low and high"),
}


def wrong_unit_rule(given: str, wanted: str) -> Rule:
    """The rule for a unit that differs from the one the table requires."""
    factor = conversion_factor(given, wanted) if given else None
    hint = (
        f"multiply the values by {factor:g} and write {wanted!r}"
        if factor
        else f"convert the values to {wanted!r} and write {wanted!r}"
    )
    return Rule(f"unit {given!r} is not the unit of this table ({wanted})", hint)


def _element_check(name: str, predicate: Callable[[str], bool]) -> pa.Check:
    return pa.Check(lambda series: series.map(predicate).astype(bool), name=name)


CHECKS_BY_DIM: Mapping[str, Callable[[], list[pa.Check]]] = {
    "material": lambda: [_element_check("known_material", lambda v: v in vocab.MATERIAL_STAGES)],
    "input_material": lambda: [_element_check("known_material", lambda v: v in vocab.MATERIAL_STAGES)],
    "stage": lambda: [_element_check("known_stage", lambda v: v in vocab.STAGES)],
    "input_stage": lambda: [_element_check("known_stage", lambda v: v in vocab.STAGES)],
    "sector": lambda: [_element_check("known_sector", lambda v: v in vocab.SECTORS)],
    "market": lambda: [_element_check("known_market", lambda v: v in vocab.MARKETS)],
    "year": lambda: [_element_check("is_year", _is_year)],
}


def _text_column(name: str, extra: list[pa.Check] | None = None, wildcard: bool = False) -> pa.Column:
    checks = [_element_check("not_empty", lambda v: v != "")]
    if name in COUNTRY_DIMS:
        checks.append(_element_check("known_country", lambda v: v == "" or v in vocab.COUNTRIES))
    elif name in CHECKS_BY_DIM:
        checks += [_ignore_empty(check, wildcard) for check in CHECKS_BY_DIM[name]()]
    return pa.Column(str, checks + (extra or []), required=True)


def _ignore_empty(check: pa.Check, wildcard: bool = False) -> pa.Check:
    inner = check._check_fn
    allowed = {"", vocab.ALL} if wildcard else {""}
    return pa.Check(lambda series: series.isin(allowed) | inner(series), name=check.name)


def _value_checks(spec: VariableSpec) -> list[pa.Check]:
    return _bounded_number_checks(*spec.bounds)


def variable_schema(name: str, sources: Collection[str]) -> pa.DataFrameSchema:
    """The pandera schema of the numeric resource `name`, given the known source ids."""
    spec = SCHEMA[name]
    columns = {dim: _text_column(dim, wildcard=dim in spec.wildcard) for dim in spec.dims}
    columns["value"] = pa.Column(str, _value_checks(spec))
    unit_checks = [_element_check("is_unit", lambda v: v == "" or is_unit(v))] if not spec.units else []
    columns["unit"] = pa.Column(str, [_element_check("not_empty", lambda v: v != ""), *unit_checks])
    columns["source_id"] = _text_column(
        "source_id", [_element_check("known_source", lambda v: v == "" or v in sources)]
    )
    for column in spec.extra:
        if column in {"low", "high"}:
            columns[column] = pa.Column(
                str, [_element_check("is_number", lambda v: v == "" or _as_number(v) is not None)]
            )
        else:
            columns[column] = _text_column(column)
    return pa.DataFrameSchema(columns, strict=False)


def _is_source_year(text: str) -> bool:
    return bool(re.search(r"(?<!\d)(1[89]|20)\d\d(?!\d)", text)) or text.startswith("n.d.")


def sources_schema() -> pa.DataFrameSchema:
    """The pandera schema of ``sources.csv``.

    A record's ``year`` names its publication year (``c. 2012`` and ``n.d. (event of 2010)`` are
    allowed: they say what is known). Only estimates and assumptions (grade E) may lack a URL,
    and then their ``note`` must state the method.
    """
    columns = {
        column: pa.Column(str, [_element_check("not_empty", lambda v: v != "")])
        for column in ("source_id", "title", "publisher")
    }
    columns["year"] = pa.Column(
        str,
        [
            _element_check("not_empty", lambda v: v != ""),
            _ignore_empty(_element_check("is_source_year", _is_source_year)),
        ],
    )
    columns["url"] = pa.Column(str, required=True)
    columns["grade"] = pa.Column(str, [_element_check("known_grade", lambda v: v in vocab.GRADES)])
    columns["note"] = pa.Column(str, required=False)
    return pa.DataFrameSchema(columns, strict=False)


def check_source_urls(table: pd.DataFrame, file: str) -> list[Issue]:
    """Every record but an estimate's has a URL; an estimate without one states its method."""
    issues = []
    note = table["note"] if "note" in table else pd.Series("", index=table.index)
    for index in table.index[(table["url"] != "") & ~table["url"].str.match(r"(?i)^https?://")]:
        issues.append(
            Issue(
                file,
                int(table.at[index, ROW_COLUMN]),
                "url",
                f"{table.at[index, 'url']!r} is not an http(s) address",
                "give the web address of the source, starting with https://",
            )
        )
    for index in table.index[table["url"] == ""]:
        row = int(table.at[index, ROW_COLUMN])
        if table.at[index, "grade"] != "E":
            issues.append(
                Issue(file, row, "url", "empty", "give the URL of the source; only estimates (grade E) may have none")
            )
        elif note[index] == "":
            issues.append(
                Issue(
                    file,
                    row,
                    "note",
                    "an estimate without a URL has no method",
                    "state the method and its range in the note",
                )
            )
    return issues


def run_schema(schema: pa.DataFrameSchema, table: pd.DataFrame, file: str) -> list[Issue]:
    """Validate `table` lazily against `schema`; every failure becomes an Issue."""
    try:
        schema.validate(table, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return _issues_from_failures(errors.failure_cases, table, file)
    return []


def _issues_from_failures(failures: pd.DataFrame, table: pd.DataFrame, file: str) -> list[Issue]:
    missing = failures[failures["check"] == "column_in_dataframe"]
    if not missing.empty:
        failures = missing  # a missing column makes every other check on the table meaningless
    issues = []
    for failure in failures.itertuples(index=False):
        rule = RULES.get(str(failure.check))
        if rule is None:
            issues.append(Issue(file, 0, str(failure.column), f"failed check {failure.check}", "correct the value"))
            continue
        if failure.check == "column_in_dataframe":
            issues.append(
                Issue(file, 0, str(failure.failure_case), rule.problem, rule.fix.format(value=failure.failure_case))
            )
            continue
        row = int(table.loc[failure.index, ROW_COLUMN])
        value = failure.failure_case
        issues.append(
            Issue(file, row, str(failure.column), rule.problem.format(value=value), rule.fix.format(value=value))
        )
    return issues


def check_units(table: pd.DataFrame, file: str, wanted: str) -> list[Issue]:
    """Every row's unit is `wanted`; the fix names the conversion factor where pint knows it."""
    bad = table.loc[(table["unit"] != wanted) & (table["unit"] != ""), [ROW_COLUMN, "unit"]]
    issues = []
    for row, given in bad.itertuples(index=False):
        rule = wrong_unit_rule(given, wanted)
        issues.append(Issue(file, int(row), "unit", rule.problem, rule.fix))
    return issues


def check_stage_of_material(
    table: pd.DataFrame, file: str, material: str = "material", stage: str = "stage"
) -> list[Issue]:
    """Each row's stage is one of its material's stages (see the vocabulary)."""
    issues = []
    for row, mat, stg in table[[ROW_COLUMN, material, stage]].itertuples(index=False):
        stages = vocab.MATERIAL_STAGES.get(mat)
        if stages is not None and stg in vocab.STAGES and stg not in stages:
            rule = RULES["stage_of_material"]
            issues.append(
                Issue(
                    file, int(row), stage, rule.problem.format(value=stg), rule.fix.format(fix_hint=", ".join(stages))
                )
            )
    return issues


def check_unique(table: pd.DataFrame, file: str, key: tuple[str, ...]) -> list[Issue]:
    """One row per key; each repeat names the first row with the same key."""
    present = [column for column in key if column in table.columns]
    duplicated = table.duplicated(present, keep="first")
    first_rows = table.groupby(present, sort=False)[ROW_COLUMN].transform("first")
    issues = []
    for index in table.index[duplicated]:
        described = ", ".join(f"{column}={table.at[index, column]}" for column in present)
        rule = RULES["unique_key"]
        problem = rule.problem.format(value=described, other=int(first_rows[index]))
        issues.append(Issue(file, int(table.at[index, ROW_COLUMN]), ", ".join(present), problem, rule.fix))
    return issues


def check_aggregate_overlap(table: pd.DataFrame, file: str, key: tuple[str, ...]) -> list[Issue]:
    """Within one key (all columns but the country column), EU27 never sits beside a member."""
    issues = []
    for column in (c for c in key if c in COUNTRY_DIMS and c in table.columns):
        rest = [c for c in key if c != column and c in table.columns]
        has_eu = table[column] == "EU27"
        if not has_eu.any():
            continue
        eu_keys = set(map(tuple, table.loc[has_eu, rest].to_numpy().tolist())) if rest else {()}
        members = table[column].isin(vocab.EU27_MEMBERS)
        for index in table.index[members]:
            if (tuple(table.loc[index, rest].tolist()) if rest else ()) in eu_keys:
                rule = RULES["no_aggregate_overlap"]
                value = table.at[index, column]
                issues.append(
                    Issue(file, int(table.at[index, ROW_COLUMN]), column, rule.problem.format(value=value), rule.fix)
                )
    return issues


def check_overlap_with_base(table: pd.DataFrame, base: pd.DataFrame, file: str, key: tuple[str, ...]) -> list[Issue]:
    """Rows of an override that would put EU27 beside a member state among the packaged rows it keeps.

    An override replaces packaged rows key by key, so an EU27 row never replaces the packaged
    rows of its members (nor a member row the packaged EU27 row): both would be counted.
    """
    if not set(key) <= set(table.columns) & set(base.columns):
        return []
    replaced = set(map(tuple, table[list(key)].to_numpy().tolist()))
    kept = base[[tuple(row) not in replaced for row in base[list(key)].to_numpy().tolist()]]
    issues = []
    for column in (c for c in key if c in COUNTRY_DIMS):
        rest = [c for c in key if c != column]
        listed: dict[tuple[object, ...], list[tuple[int, str]]] = {}
        for *values, country, row in kept[[*rest, column, ROW_COLUMN]].itertuples(index=False):
            listed.setdefault(tuple(values), []).append((int(row), country))
        for *values, country, row in table[[*rest, column, ROW_COLUMN]].itertuples(index=False):
            if country == "EU27":
                clash = [(r, c) for r, c in listed.get(tuple(values), []) if c in vocab.EU27_MEMBERS]
                hint = "give rows for the member states instead of EU27 (each replaces the packaged row)"
            elif country in vocab.EU27_MEMBERS:
                clash = [(r, c) for r, c in listed.get(tuple(values), []) if c == "EU27"]
                hint = "give one EU27 row instead of member rows (it replaces the packaged row)"
            else:
                continue
            if clash:
                rule = RULES["override_overlap"]
                problem = rule.problem.format(
                    value=country,
                    other=" and ".join(sorted({c for _, c in clash})),
                    file=file.rsplit("/", 1)[-1],
                    rows=", ".join(str(r) for r, _ in sorted(clash)),
                )
                issues.append(Issue(file, int(row), column, problem, rule.fix.format(fix_hint=hint)))
    return issues


def check_parameter_range(table: pd.DataFrame, file: str) -> list[Issue]:
    """A parameter's value lies between its own low and high, where given."""
    issues = []
    for row, value, low, high in table[[ROW_COLUMN, "value", "low", "high"]].itertuples(index=False):
        number, lo, hi = _as_number(value), _as_number(low), _as_number(high)
        if number is None:
            continue
        if (lo is not None and number < lo) or (hi is not None and number > hi):
            rule = RULES["low_le_value_le_high"]
            issues.append(Issue(file, int(row), "value", rule.problem.format(value=value), rule.fix))
    return issues


def validate_variable(name: str, table: pd.DataFrame, file: str, sources: Collection[str]) -> list[Issue]:
    """Every problem of one numeric resource, in row order."""
    spec = SCHEMA[name]
    issues = run_schema(variable_schema(name, sources), table, file)
    if any(issue.row == 0 for issue in issues):
        return issues
    if spec.units:
        issues += check_units(table, file, spec.units)
    for material, stage in (("material", "stage"), ("input_material", "input_stage")):
        if material in spec.dims and stage in spec.dims:
            issues += check_stage_of_material(table, file, material, stage)
    issues += check_unique(table, file, spec.dims)
    issues += check_aggregate_overlap(table, file, spec.dims)
    if "low" in spec.extra:
        issues += check_parameter_range(table, file)
    return sorted(issues, key=lambda issue: (issue.row, issue.field))


def validate_sources(table: pd.DataFrame, file: str) -> list[Issue]:
    """Every problem of ``sources.csv``."""
    issues = run_schema(sources_schema(), table, file)
    if any(issue.row == 0 for issue in issues):
        return issues
    issues += check_source_urls(table, file)
    issues += check_unique(table, file, ("source_id",))
    return sorted(issues, key=lambda issue: (issue.row, issue.field))


def _bounded_number_checks(low: float | None, high: float | None) -> list[pa.Check]:
    checks = [
        _element_check("not_empty", lambda v: v != ""),
        _element_check(
            "not_nan", lambda v: v == "" or v.lower() not in {"nan", "na", "n/a", "null", "none", "inf", "-inf"}
        ),
        _element_check(
            "is_number",
            lambda v: (
                v == "" or v.lower() in {"nan", "na", "n/a", "null", "none", "inf", "-inf"} or _as_number(v) is not None
            ),
        ),
    ]
    if low is not None:
        checks.append(_element_check("non_negative", lambda v: (n := _as_number(v)) is None or n >= low))
    if high == 1.0:
        checks.append(_element_check("at_most_one", lambda v: (n := _as_number(v)) is None or n <= 1.0))
    elif high is not None:
        rule_name = f"at_most_{high:g}"
        checks.append(_element_check(rule_name, lambda v: (n := _as_number(v)) is None or n <= high))
    return checks


def validate_plain_table(
    table: pd.DataFrame,
    file: str,
    text: Collection[str],
    numbers: Mapping[str, tuple[float | None, float | None]],
    optional: Collection[str] = (),
    key: tuple[str, ...] = (),
) -> list[Issue]:
    """Validate a user table that is not part of the data model (e.g. an indicator's inputs).

    `text` columns must be non-empty (any text: these tables may name materials beyond
    critmin's vocabulary, as the EU's lists do); `numbers` maps a column to its inclusive (low, high)
    bounds; columns in `optional` may be absent, or empty on a row; `key` must be unique.
    """
    columns = {name: pa.Column(str, [_element_check("not_empty", lambda v: v != "")]) for name in text}
    for name, (low, high) in numbers.items():
        checks = _bounded_number_checks(low, high)
        if name in optional:
            checks = [_ignore_empty(check) for check in checks[1:]]
        columns[name] = pa.Column(str, checks, required=name not in optional)
    issues = run_schema(pa.DataFrameSchema(columns, strict=False), table, file)
    if key and not any(issue.row == 0 for issue in issues):
        issues += check_unique(table, file, key)
    return sorted(issues, key=lambda issue: (issue.row, issue.field))
