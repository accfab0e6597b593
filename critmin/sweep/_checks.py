"""Small helpers shared by the sweep file's readers: one Issue per problem, type checks, revalidation."""

from __future__ import annotations

import math
from typing import Any

from critmin.errors import Issue, ScenarioError
from critmin.scenarios.spec import Scenario, parse_scenario


def _issue(file: str, where: str, problem: str, fix: str) -> Issue:
    return Issue(file, 0, where, problem, fix)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _revalidate(scenario: Scenario, file: str, where: str, label: str) -> list[Issue]:
    try:
        parse_scenario(scenario.to_toml(), file=file)
    except ScenarioError as err:
        return [_issue(file, where, f"{label}{i.field}: {i.problem}", i.fix) for i in err.issues]
    except (TypeError, ValueError, AttributeError) as err:
        return [_issue(file, where, f"{label}cannot be used: {err}", "give a value of the field's type")]
    return []
