"""Checks of a scenario's ``[uncertain]`` table: targets that exist, distributions that can be drawn."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from critmin.errors import Issue
from critmin.scenarios.validate import DISTRIBUTIONS, NUMERIC_EVENT_FIELDS, TARGET, _issue, _number


def _check_target(key: str, doc: Mapping[str, Any], file: str) -> list[Issue]:
    from critmin.shock.parameters import PARAMETERS

    where = f"uncertain.{key}"
    m = TARGET.match(key)
    if m is None:
        return [
            _issue(file, where, "not a parameter or event field", 'write "parameters.<name>" or "events[<i>].<field>"')
        ]
    if m["param"] is not None:
        if m["param"] in PARAMETERS:
            return []
        return [_issue(file, where, "not a known parameter", "use one of " + ", ".join(sorted(PARAMETERS)))]
    events = doc.get("events", [])
    index = int(m["index"])
    if index >= len(events) or not isinstance(events[index], Mapping):
        return [_issue(file, where, f"there is no event {index}", f"use an index below {len(events)}")]
    kind = events[index].get("kind")
    allowed = NUMERIC_EVENT_FIELDS.get(kind, frozenset()) if isinstance(kind, str) else frozenset()
    if m["field"] not in allowed:
        return [
            _issue(
                file,
                where,
                f"{m['field']!r} cannot be uncertain for this event",
                "use one of " + ", ".join(sorted(allowed)),
            )
        ]
    return []


def _check_distribution(spec: Any, where: str, file: str) -> list[Issue]:
    kinds = ", ".join(DISTRIBUTIONS)
    if not isinstance(spec, Mapping) or spec.get("dist") not in DISTRIBUTIONS:
        dist = spec.get("dist") if isinstance(spec, Mapping) else spec
        return [
            _issue(
                file,
                where,
                f"{dist!r} is not a known distribution",
                f'write {{dist = "uniform", low = ..., high = ...}}; dist is one of {kinds}',
            )
        ]
    needed = DISTRIBUTIONS[spec["dist"]]
    fix = f"{spec['dist']} takes " + ", ".join(needed)
    if set(spec) - {"dist"} != set(needed) or not all(_number(spec[k]) for k in needed):
        return [_issue(file, where, f"{spec['dist']} needs numbers {', '.join(needed)}", fix)]
    if spec["dist"] == "bernoulli" and not 0 <= spec["p"] <= 1:
        return [_issue(file, where, f"p = {spec['p']!r} is outside [0, 1]", "give the probability of 1 as p in [0, 1]")]
    low, high = spec.get("low", 0), spec.get("high", 1)
    if not low <= spec.get("mode", low) <= high or low >= high or spec.get("sd", 1) <= 0 or spec.get("sigma", 1) <= 0:
        return [
            _issue(
                file,
                where,
                "parameters out of order or not positive",
                "need low < high, low <= mode <= high, sd > 0, sigma > 0",
            )
        ]
    return []


def check_uncertain(doc: Mapping[str, Any], file: str) -> list[Issue]:
    issues = []
    for key, spec in doc.get("uncertain", {}).items():
        issues += _check_target(key, doc, file)
        issues += _check_distribution(spec, f"uncertain.{key}", file)
    return issues
