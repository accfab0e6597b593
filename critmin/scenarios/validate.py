"""Checks of a parsed scenario document: each returns every problem it finds as an Issue."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from critmin.errors import Issue
from critmin.limits import check_run
from critmin.vocabulary import COUNTRIES, MATERIAL_STAGES, MATERIALS, SECTORS

TOP_REQUIRED = ("name", "horizon_months", "start", "seed", "draws")
TOP_KEYS = frozenset(TOP_REQUIRED) | {"description", "baseline_year", "events", "policy", "parameters", "uncertain"}
EVENT_FIELDS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "export_control": (
        ("controller", "materials", "destinations", "announced", "effective"),
        (
            "stages",
            "items",
            "lifted",
            "licensing_delay_months",
            "approval_path",
            "leakage",
            "transit_days",
            "processing_days",
            "approval_probability",
            "destination_classes",
            "published",
        ),
    ),
    "outage": (
        ("country", "material", "stage", "capacity_lost", "start", "duration_months"),
        ("recovery_months",),
    ),
    "demand_surge": (("region", "sector", "material", "size", "start", "duration_months"), ("baseline_share",)),
    "project": (
        ("country", "material", "stage", "tonnes_per_year", "online"),
        ("serves", "delay_months", "ramp_months", "p_complete"),
    ),
}
NUMERIC_EVENT_FIELDS: Mapping[str, frozenset[str]] = {
    "export_control": frozenset({"leakage", "licensing_delay_months", "transit_days", "approval_probability"}),
    "outage": frozenset({"capacity_lost", "duration_months", "recovery_months"}),
    "demand_surge": frozenset({"size", "duration_months"}),
    "project": frozenset({"tonnes_per_year", "delay_months", "ramp_months", "p_complete"}),
}
DISTRIBUTIONS: Mapping[str, tuple[str, ...]] = {
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "normal": ("mean", "sd"),
    "lognormal": ("mu", "sigma"),
    "bernoulli": ("p",),
}
COORDINATION = ("own_first", "pro_rata_consumption")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
TARGET = re.compile(r"^(?:parameters\.(?P<param>\w+)|events\[(?P<index>\d+)\]\.(?P<field>\w+))$")


def _issue(file: str, field: str, problem: str, fix: str) -> Issue:
    return Issue(file, 0, field, problem, fix)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _not_list(value: Any, where: str, file: str, example: str) -> list[Issue]:
    """A non-empty list is expected: a lone value would be split into letters, an empty one does nothing."""
    if isinstance(value, list) and value:
        return []
    problem = "is an empty list" if isinstance(value, list) else f"{value!r} is not a list"
    return [_issue(file, where, problem, f"use a list, e.g. {example}")]


def check_structure(doc: Mapping[str, Any], file: str) -> list[Issue]:
    """Sections of the wrong type (checked first: the other checks walk these sections)."""
    issues = []
    for key, kind, fix in (
        ("events", list, "write each event as [[events]]"),
        ("policy", Mapping, "write [policy] with key = value lines"),
        ("parameters", Mapping, "write [parameters] with name = number lines"),
        ("uncertain", Mapping, 'write [uncertain] with "target" = {dist = ...} lines'),
    ):
        if key in doc and not isinstance(doc[key], kind):
            issues.append(_issue(file, key, f"{doc[key]!r} is not a {'list' if kind is list else 'table'}", fix))
    release = doc.get("policy", {}).get("stockpile_release") if isinstance(doc.get("policy"), Mapping) else None
    if release is not None and not isinstance(release, Mapping):
        issues.append(
            _issue(
                file,
                "policy.stockpile_release",
                f"{release!r} is not a table",
                "write [policy.stockpile_release] with trigger_days and monthly_rate",
            )
        )
    return issues


def month_index(value: Any, start: str, day: bool = False) -> int | None:
    """Offset of a month (int offset or ``"YYYY-MM"``) from `start`; None if not a month.

    With `day`, a day ``"YYYY-MM-DD"`` (export control dates) gives the month that holds it.

    Examples
    --------
    >>> month_index("2023-08", "2023-06"), month_index(3, "2023-06"), month_index("Aug", "2023-06")
    (2, 3, None)
    >>> month_index("2023-08-21", "2023-06"), month_index("2023-08-21", "2023-06", day=True)
    (None, 2)
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if day and isinstance(value, str) and len(value) == 10:
        from critmin.scenarios.validate_control import day_offset  # it builds on this module

        return month_index(value[:7], start) if day_offset(value, "2000-01") is not None else None
    m, s = MONTH.match(str(value)), MONTH.match(str(start))
    if not isinstance(value, str) or m is None or s is None:
        return None
    return (int(m[1]) - int(s[1])) * 12 + int(m[2]) - int(s[2])


def _check_top(doc: Mapping[str, Any], file: str) -> list[Issue]:
    issues = [
        _issue(file, key, "missing", f"add {key} = ... at the top of the file")
        for key in TOP_REQUIRED
        if key not in doc
    ]
    issues += [
        _issue(file, key, "unknown field", "use one of " + ", ".join(sorted(TOP_KEYS)))
        for key in doc
        if key not in TOP_KEYS
    ]
    if "name" in doc and (not isinstance(doc["name"], str) or not doc["name"].strip()):
        issues.append(_issue(file, "name", "empty or not text", 'write name = "my-scenario"'))
    elif "name" in doc and not NAME.match(doc["name"]):
        issues.append(
            _issue(
                file,
                "name",
                f"{doc['name']!r} is not a plain name (it names output files)",
                "use letters, digits, _ . and - only, starting with a letter or digit, e.g. my-scenario",
            )
        )
    for key, low in (("horizon_months", 1), ("seed", 0), ("draws", 1)):
        value = doc.get(key, low)
        if not isinstance(value, int) or isinstance(value, bool):
            issues.append(
                _issue(file, key, f"{value!r} is not a whole number", f"give a whole number of at least {low}")
            )
        elif value < low:
            issues.append(_issue(file, key, f"{value} is below {low}", f"give a whole number of at least {low}"))
    if "baseline_year" in doc:
        year = doc["baseline_year"]
        if not isinstance(year, int) or isinstance(year, bool) or not 1990 <= year <= 2100:
            issues.append(
                _issue(
                    file,
                    "baseline_year",
                    f"{year!r} is not a year",
                    "give the year of the data the network is built on, e.g. baseline_year = 2022 "
                    "(for a past episode: the year before it)",
                )
            )
    months, draws = doc.get("horizon_months"), doc.get("draws")
    if isinstance(months, int) and isinstance(draws, int) and min(months, draws) >= 1:
        issues += check_run(months, 1, file, "horizon_months") or check_run(months, draws, file, "draws")
    if "start" in doc and (not isinstance(doc["start"], str) or not MONTH.match(doc["start"])):
        issues.append(
            _issue(file, "start", f"{doc['start']!r} is not a month", 'write the month as "YYYY-MM", e.g. "2023-08"')
        )
    return issues


def _check_codes(value: Any, where: str, file: str, allowed: Any, what: str, fix: str) -> list[Issue]:
    values = value if isinstance(value, list) else [value]
    return [
        _issue(file, where, f"{v!r} is not a known {what}", fix)
        for v in values
        if not isinstance(v, str) or v not in allowed
    ]


def _country(value: Any, where: str, file: str) -> list[Issue]:
    return _check_codes(
        value,
        where,
        file,
        COUNTRIES,
        "country code",
        "use an ISO 3166 alpha-3 code such as CHN, JPN, USA, or EU27, ROW",
    )


def _material(value: Any, where: str, file: str) -> list[Issue]:
    return _check_codes(value, where, file, MATERIALS, "material", "use one of " + ", ".join(MATERIALS))


def _share(value: Any, where: str, file: str, low: float = 0.0, high: float = 1.0) -> list[Issue]:
    if not _number(value):
        return [_issue(file, where, f"{value!r} is not a number", f"give a number in [{low:g}, {high:g}]")]
    if not low <= value <= high:
        return [
            _issue(
                file, where, f"{value!r} is outside [{low:g}, {high:g}]", f"give a share between {low:g} and {high:g}"
            )
        ]
    return []


def _nonnegative(value: Any, where: str, file: str) -> list[Issue]:
    if not _number(value):
        return [_issue(file, where, f"{value!r} is not a number", "give a number of months >= 0")]
    if value < 0:
        return [_issue(file, where, f"{value!r} is negative", "give a number of months >= 0")]
    return []


def _month(value: Any, where: str, file: str, start: str) -> list[Issue]:
    if month_index(value, start if isinstance(start, str) else "2000-01") is None:
        return [
            _issue(file, where, f"{value!r} is not a month", 'give a month offset from start (0, 1, ...) or "YYYY-MM"')
        ]
    return []


def _check_control(e: Mapping[str, Any], at: str, file: str, start: str) -> list[Issue]:
    from critmin.scenarios.validate_control import check_control  # it builds on this module's helpers

    return check_control(e, at, file, start)


def _node(e: Mapping[str, Any], at: str, file: str) -> list[Issue]:
    """Country, material, and a stage of that material (outages and projects)."""
    issues = _country([e.get("country", "CHN")], f"{at}.country", file)
    issues += _material([e.get("material", "gallium")], f"{at}.material", file)
    stage = e.get("stage")
    if (
        isinstance(e.get("material"), str)
        and e["material"] in MATERIAL_STAGES
        and stage not in MATERIAL_STAGES[e["material"]]
    ):
        issues.append(
            _issue(
                file,
                f"{at}.stage",
                f"{stage!r} is not a stage of {e['material']}",
                "use one of " + ", ".join(MATERIAL_STAGES[e["material"]]),
            )
        )
    return issues


def _check_outage(e: Mapping[str, Any], at: str, file: str, start: str) -> list[Issue]:
    issues = _node(e, at, file)
    issues += _share(e.get("capacity_lost", 0.0), f"{at}.capacity_lost", file)
    for key in ("duration_months", "recovery_months"):
        issues += _nonnegative(e.get(key, 0), f"{at}.{key}", file)
    return issues + _month(e.get("start", 0), f"{at}.start", file, start)


def _check_surge(e: Mapping[str, Any], at: str, file: str, start: str) -> list[Issue]:
    issues = _country([e.get("region", "CHN")], f"{at}.region", file)
    issues += _check_codes(
        [e.get("sector", "all")], f"{at}.sector", file, SECTORS, "sector", "use one of " + ", ".join(SECTORS)
    )
    issues += _material([e.get("material", "gallium")], f"{at}.material", file)
    issues += _share(e.get("size", 0.0), f"{at}.size", file, -1.0, 100.0)
    issues += _nonnegative(e.get("duration_months", 0), f"{at}.duration_months", file)
    if "baseline_share" in e:
        issues += _share(e["baseline_share"], f"{at}.baseline_share", file)
    return issues + _month(e.get("start", 0), f"{at}.start", file, start)


def _check_project(e: Mapping[str, Any], at: str, file: str, start: str) -> list[Issue]:
    issues = _node(e, at, file)
    tonnes = e.get("tonnes_per_year", 1.0)
    if not _number(tonnes) or tonnes <= 0:
        issues.append(
            _issue(file, f"{at}.tonnes_per_year", f"{tonnes!r} is not a positive number", "give tonnes per year > 0")
        )
    serves = e.get("serves", [e.get("country", "USA")])
    if not isinstance(serves, list) or not serves:
        issues.append(
            _issue(file, f"{at}.serves", f"{serves!r} is not a list of countries", 'give a list such as ["USA", "JPN"]')
        )
    else:
        for k, code in enumerate(serves):
            issues += _country(code, f"{at}.serves[{k}]", file)
    for key in ("delay_months", "ramp_months"):
        issues += _nonnegative(e.get(key, 0), f"{at}.{key}", file)
    issues += _share(e.get("p_complete", 1.0), f"{at}.p_complete", file)
    return issues + _month(e.get("online", 0), f"{at}.online", file, start)


CHECKS: Mapping[str, Callable[[Mapping[str, Any], str, str, str], list[Issue]]] = {
    "export_control": _check_control,
    "outage": _check_outage,
    "demand_surge": _check_surge,
    "project": _check_project,
}


def _check_events(doc: Mapping[str, Any], file: str) -> list[Issue]:
    issues: list[Issue] = []
    for i, e in enumerate(doc.get("events", [])):
        at = f"events[{i}]"
        if not isinstance(e, Mapping):
            issues.append(_issue(file, at, "not a table", "write each event as [[events]]"))
            continue
        kind = e.get("kind")
        if kind is None:
            issues.append(_issue(file, f"{at}.kind", "missing", "add kind = " + " | ".join(CHECKS)))
            continue
        if not isinstance(kind, str) or kind not in CHECKS:
            issues.append(
                _issue(file, f"{at}.kind", f"{kind!r} is not a known event kind", "use one of " + ", ".join(CHECKS))
            )
            continue
        required, optional = EVENT_FIELDS[kind]
        issues += [
            _issue(file, f"{at}.{key}", "missing", f"add {key} = ... to this {kind} event")
            for key in required
            if key not in e
        ]
        issues += [
            _issue(
                file, f"{at}.{key}", "unknown field", "use one of " + ", ".join(sorted(("kind", *required, *optional)))
            )
            for key in e
            if key not in {"kind", *required, *optional}
        ]
        issues += CHECKS[kind](e, at, file, doc.get("start", ""))
    return issues


def _check_policy(doc: Mapping[str, Any], file: str) -> list[Issue]:
    policy = doc.get("policy", {})
    issues = [
        _issue(file, f"policy.{k}", "unknown field", "use one of allocation, stockpile_release, substitution")
        for k in policy
        if k not in {"allocation", "stockpile_release", "substitution"}
    ]
    if not isinstance(policy.get("substitution", True), bool):
        issues.append(_issue(file, "policy.substitution", "not true or false", "write true or false"))
    allocation = policy.get("allocation", "pro_rata")
    if allocation != "pro_rata" and (not isinstance(allocation, list) or not allocation):
        issues.append(
            _issue(
                file,
                "policy.allocation",
                "is an empty list" if allocation == [] else f"{allocation!r} is not a list",
                'use a list, e.g. ["defence"], or "pro_rata"',
            )
        )
    elif allocation != "pro_rata":
        issues += _check_codes(
            allocation,
            "policy.allocation",
            file,
            SECTORS,
            "sector",
            'write "pro_rata" or a list of sectors served first, e.g. ["defence"]',
        )
    release = policy.get("stockpile_release")
    if release is not None:
        at = "policy.stockpile_release"
        for key in ("trigger_days", "monthly_rate"):
            if key not in release:
                issues.append(_issue(file, f"{at}.{key}", "missing", f"add {key} = ..."))
        issues += _nonnegative(release.get("trigger_days", 0), f"{at}.trigger_days", file)
        issues += _share(release.get("monthly_rate", 0.0), f"{at}.monthly_rate", file)
        if release.get("coordination", COORDINATION[1]) not in COORDINATION:
            issues.append(
                _issue(
                    file,
                    f"{at}.coordination",
                    f"{release['coordination']!r} is not a known coordination",
                    "use one of " + ", ".join(COORDINATION),
                )
            )
    return issues


def _check_parameters(doc: Mapping[str, Any], file: str) -> list[Issue]:
    from critmin.shock.parameters import PARAMETERS

    issues = []
    for name, value in doc.get("parameters", {}).items():
        if name not in PARAMETERS:
            issues.append(
                _issue(
                    file, f"parameters.{name}", "not a known parameter", "use one of " + ", ".join(sorted(PARAMETERS))
                )
            )
        elif not _number(value):
            issues.append(_issue(file, f"parameters.{name}", f"{value!r} is not a number", "give a finite number"))
        elif value < 0:
            spec = PARAMETERS[name]
            issues.append(
                _issue(
                    file,
                    f"parameters.{name}",
                    f"{value!r} is negative",
                    f"give a number >= 0 (plausible range {spec.low:g} to {spec.high:g} {spec.unit})",
                )
            )
    return issues


def validate_document(doc: Mapping[str, Any], file: str) -> list[Issue]:
    """Every problem of a parsed scenario document, top-level fields first.

    Examples
    --------
    >>> [i.field for i in validate_document({"name": "x"}, "s.toml")]
    ['horizon_months', 'start', 'seed', 'draws']
    """
    structure = check_structure(doc, file)
    if structure:
        return [*_check_top(doc, file), *structure]
    from critmin.scenarios.validate_uncertain import check_uncertain  # it builds on this module's helpers

    return [
        *_check_top(doc, file),
        *_check_events(doc, file),
        *_check_policy(doc, file),
        *_check_parameters(doc, file),
        *check_uncertain(doc, file),
    ]
