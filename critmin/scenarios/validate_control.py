"""Checks of an ``export_control`` event: scope, dates (months or days), licensing and classes."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from critmin.errors import Issue
from critmin.scenarios.validate import (
    MONTH,
    _check_codes,
    _country,
    _issue,
    _material,
    _not_list,
    _number,
    _share,
    month_index,
)
from critmin.vocabulary import MATERIAL_STAGES, STAGES

DAY = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])-(\d{2})$")
DATE_FIX = 'give a month offset from start (0, 1, ...), "YYYY-MM" (its 1st) or a day "YYYY-MM-DD"'
CLASS_FIELDS = frozenset({"name", "countries", "approval_probability", "processing_days", "banned"})
PROCESSING_FIX = "write {median = 45, dispersion = 0.25} (lognormal) or {low = 30, high = 60} (uniform), in days"


def _first_of_month(start: str, months: int) -> dt.date:
    year, month = int(start[:4]), int(start[5:7]) - 1 + months
    return dt.date(year + month // 12, month % 12 + 1, 1)


def day_offset(value: Any, start: str) -> int | None:
    """Calendar days from the 1st of `start` to a month (its 1st) or a day; None if neither.

    Examples
    --------
    >>> day_offset("2010-09-21", "2010-08"), day_offset("2010-09", "2010-08"), day_offset(2, "2010-08")
    (51, 31, 61)
    >>> day_offset("2023-02-30", "2023-01") is None, day_offset(-30000, "2023-01") is None
    (True, True)
    """
    if not isinstance(start, str) or not MONTH.match(start):
        return None
    m = DAY.match(value) if isinstance(value, str) else None
    months = month_index(value, start)
    try:  # a date outside years 1-9999 is no date
        origin = _first_of_month(start, 0)
        if m is not None:
            return (dt.date(int(m[1]), int(m[2]), int(m[3])) - origin).days
        return None if months is None else (_first_of_month(start, months) - origin).days
    except (ValueError, OverflowError):
        return None


def month_starts(start: str, months: int) -> list[int]:
    """Day offsets of the 1st of each month from `start` to `months` later (months + 1 values).

    >>> month_starts("2024-01", 3)
    [0, 31, 60, 91]
    """
    origin = _first_of_month(start, 0)
    return [(_first_of_month(start, t) - origin).days for t in range(months + 1)]


def _date(value: Any, where: str, file: str, start: str) -> list[Issue]:
    if day_offset(value, start if isinstance(start, str) and MONTH.match(start) else "2000-01") is None:
        return [_issue(file, where, f"{value!r} is not a month or a day", DATE_FIX)]
    return []


def check_processing(value: Any, where: str, file: str) -> list[Issue]:
    """A ``processing_days`` table: lognormal ``median``/``dispersion`` or uniform ``low``/``high``."""
    if not isinstance(value, Mapping) or not value:
        return [_issue(file, where, f"{value!r} is not a table of days", PROCESSING_FIX)]
    keys = set(value)
    if not (keys <= {"median", "dispersion"} or keys == {"low", "high"}):
        return [_issue(file, where, f"keys {sorted(keys)} are not understood", PROCESSING_FIX)]
    issues = [
        _issue(file, f"{where}.{k}", f"{v!r} is not a number >= 0", PROCESSING_FIX)
        for k, v in value.items()
        if not _number(v) or v < 0
    ]
    if issues:
        return issues
    if value.get("median", 1) <= 0:
        issues.append(_issue(file, f"{where}.median", "is 0", "give a median of more than 0 days"))
    if "low" in value and value["high"] <= value["low"]:
        issues.append(
            _issue(
                file,
                f"{where}.high",
                f"{value['high']!r} is not above low {value['low']!r}",
                "make high > low, or use {median = ..., dispersion = 0} for a fixed time",
            )
        )
    return issues


def _destinations(dest: Any, where: str, file: str, allow_all: bool = True) -> list[Issue]:
    fix = 'use a list, e.g. ["JPN"], ' + ('or "all", or {all_but = ["JPN"]}' if allow_all else 'or {all_but = ["JPN"]}')
    if isinstance(dest, Mapping):
        if set(dest) != {"all_but"}:
            understood = 'write "all", a list of codes, or {all_but = ["JPN"]}'
            return [_issue(file, where, f"{dest!r} is not understood", understood if allow_all else fix)]
        if not isinstance(dest["all_but"], list):
            return _not_list(dest["all_but"], f"{where}.all_but", file, '["JPN"]')
        return _country(dest["all_but"], where, file)
    if allow_all and dest == "all":
        return []
    if not isinstance(dest, list) or not dest:
        return [_issue(file, where, "is an empty list" if dest == [] else f"{dest!r} is not a list", fix)]
    return _country(dest, where, file)


def _check_classes(classes: Any, at: str, file: str) -> list[Issue]:
    where = f"{at}.destination_classes"
    if not isinstance(classes, list) or not all(isinstance(c, Mapping) for c in classes):
        return [_issue(file, where, "is not a list of tables", "write each class as [[events.destination_classes]]")]
    issues: list[Issue] = []
    seen: set[str] = set()
    for k, c in enumerate(classes):
        here = f"{where}[{k}]"
        for key in ("name", "countries"):
            if key not in c:
                issues.append(_issue(file, f"{here}.{key}", "missing", f"add {key} = ... to this destination class"))
        issues += [
            _issue(file, f"{here}.{key}", "unknown field", "use one of " + ", ".join(sorted(CLASS_FIELDS)))
            for key in c
            if key not in CLASS_FIELDS
        ]
        name = c.get("name", "")
        if "name" in c and (not isinstance(name, str) or not name):
            issues.append(_issue(file, f"{here}.name", f"{name!r} is not a name", 'give a name, e.g. "military"'))
        elif isinstance(name, str) and name in seen:
            issues.append(_issue(file, f"{here}.name", f"{name!r} names two classes", "give each class its own name"))
        seen.add(str(name))
        if "countries" in c:
            issues += _destinations(c["countries"], f"{here}.countries", file, allow_all=False)
        if "approval_probability" in c:
            issues += _share(c["approval_probability"], f"{here}.approval_probability", file)
        if "processing_days" in c:
            issues += check_processing(c["processing_days"], f"{here}.processing_days", file)
        if not isinstance(c.get("banned", False), bool):
            banned = f"{c['banned']!r} is not true or false"
            issues.append(_issue(file, f"{here}.banned", banned, "write true or false"))
    return issues


def _check_items(e: Mapping[str, Any], at: str, file: str) -> list[Issue]:
    issues = _material(e.get("materials", []), f"{at}.materials", file)
    if "stages" in e and "items" in e:
        issues.append(
            _issue(
                file,
                f"{at}.items",
                "both stages and items are given",
                "give either stages (for every material) or items, not both",
            )
        )
    issues += _check_codes(
        e.get("stages", []), f"{at}.stages", file, STAGES, "stage", "use one of " + ", ".join(STAGES)
    )
    for item in e.get("items", []):
        material, _, stage = str(item).partition(".")
        if stage not in MATERIAL_STAGES.get(material, {}):
            issues.append(
                _issue(
                    file,
                    f"{at}.items",
                    f"{item!r} is not a known material.stage",
                    'write items as "material.stage", e.g. "ndfeb.magnet"',
                )
            )
    return issues


def check_control(e: Mapping[str, Any], at: str, file: str, start: str) -> list[Issue]:
    """Every problem of one ``export_control`` event (`at` is ``events[i]``)."""
    issues = _country([e.get("controller", "CHN")], f"{at}.controller", file)
    for key, example in (
        ("materials", '["gallium"]'),
        ("stages", '["refining"]'),
        ("items", '["ndfeb.magnet"]'),
        ("approval_path", "[0.0, 0.5]"),
    ):
        if key in e and (not isinstance(e[key], list) or not e[key]):
            issues += _not_list(e[key], f"{at}.{key}", file, example)
            e = {**e, key: []}
    issues += _check_items(e, at, file)
    issues += _destinations(e.get("destinations", "all"), f"{at}.destinations", file)
    for key in ("announced", "effective", "lifted"):
        if key in e:
            issues += _date(e[key], f"{at}.{key}", file, start)
    issues += _check_times(e, at, file, start)
    for i, share in enumerate(e.get("approval_path", [])):
        issues += _share(share, f"{at}.approval_path[{i}]", file)
    for key in ("leakage", "approval_probability"):
        if key in e:
            issues += _share(e[key], f"{at}.{key}", file)
    if not isinstance(e.get("published", True), bool):
        published = f"{e['published']!r} is not true or false"
        issues.append(_issue(file, f"{at}.published", published, "write true or false"))
    for key, unit in (("licensing_delay_months", "months"), ("transit_days", "days")):
        if key in e and (not _number(e[key]) or e[key] < 0):
            issues.append(_issue(file, f"{at}.{key}", f"{e[key]!r} is not a number >= 0", f"give {unit} >= 0"))
    if "processing_days" in e:
        issues += check_processing(e["processing_days"], f"{at}.processing_days", file)
        if e.get("approval_path"):
            issues.append(
                _issue(
                    file,
                    f"{at}.processing_days",
                    "both processing_days and approval_path are given",
                    "give processing_days (a licensing queue) or approval_path (a fixed path), not both",
                )
            )
    if "destination_classes" in e:
        issues += _check_classes(e["destination_classes"], at, file)
    return issues


def _check_times(e: Mapping[str, Any], at: str, file: str, start: str) -> list[Issue]:
    if not isinstance(start, str) or not MONTH.match(start):
        return []
    announced, effective = (day_offset(e.get(k), start) for k in ("announced", "effective"))
    lifted = day_offset(e.get("lifted"), start) if "lifted" in e else None
    issues = []
    if announced is not None and effective is not None and effective < announced:
        issues.append(
            _issue(
                file,
                f"{at}.effective",
                "effective before announced",
                "make effective the same day as announced or later",
            )
        )
    if lifted is not None and effective is not None and lifted <= effective:
        issues.append(
            _issue(
                file,
                f"{at}.lifted",
                "lifted before or at effective",
                "make lifted later than effective, or leave it out",
            )
        )
    return issues
