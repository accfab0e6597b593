"""A minimal TOML writer for scenarios (strings, numbers, booleans, lists, inline tables)."""

from __future__ import annotations

import json
import math
from dataclasses import fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from critmin.scenarios.spec import Destinations, Scenario


def toml_value(value: Any) -> str:
    """One value as TOML text.

    Examples
    --------
    >>> toml_value(("JPN", "KOR")), toml_value(0.1), toml_value(True), toml_value({"all_but": ["JPN"]})
    ('["JPN", "KOR"]', '0.1', 'true', '{all_but = ["JPN"]}')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"TOML scenario values must be finite, got {value}")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} to a scenario file")


def _key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else json.dumps(key)


def _destinations(dest: Destinations) -> Any:
    if dest.mode == "all":
        return "all"
    if dest.mode == "all_but":
        return {"all_but": list(dest.countries)}
    return list(dest.countries)


def _table_lines(obj: Any, always: tuple[str, ...] = ()) -> list[str]:
    """``key = value`` lines of a dataclass's fields that differ from their default."""
    lines = []
    for f in fields(obj):
        value = getattr(obj, f.name)
        if f.name in ("kind", "destination_classes") or (f.name not in always and value in (None, (), f.default)):
            continue
        if f.name in ("destinations", "countries"):
            value = _destinations(value)
        elif f.name == "processing_days":
            value = value.as_dict()
        lines.append(f"{f.name} = {toml_value(value)}")
    return lines


def _event_lines(event: Any) -> list[str]:
    lines = ["[[events]]", f"kind = {toml_value(event.kind)}", *_table_lines(event, ("destinations",))]
    for c in getattr(event, "destination_classes", ()):
        lines += ["", "[[events.destination_classes]]", *_table_lines(c, ("countries",))]
    return lines


def scenario_to_toml(scenario: Scenario) -> str:
    """The scenario as TOML text; :func:`critmin.scenarios.parse_scenario` reads it back equal."""
    lines = [
        f"{k} = {toml_value(getattr(scenario, k))}"
        for k in ("name", "description", "horizon_months", "start", "seed", "draws")
    ]
    if scenario.baseline_year is not None:
        lines.append(f"baseline_year = {scenario.baseline_year}")
    for event in scenario.events:
        lines += ["", *_event_lines(event)]
    policy = scenario.policy
    lines += [
        "",
        "[policy]",
        f"substitution = {toml_value(policy.substitution)}",
        f"allocation = {toml_value(policy.allocation)}",
    ]
    if policy.stockpile_release is not None:
        rule = policy.stockpile_release
        lines += ["", "[policy.stockpile_release]"]
        lines += [f"{f.name} = {toml_value(getattr(rule, f.name))}" for f in fields(rule)]
    if scenario.parameters:
        lines += ["", "[parameters]"] + [f"{k} = {toml_value(v)}" for k, v in scenario.parameters]
    if scenario.uncertain:
        lines += ["", "[uncertain]"]
        lines += [
            f"{json.dumps(key)} = {toml_value({'dist': d.dist, **dict(d.params)})}" for key, d in scenario.uncertain
        ]
    return "\n".join(lines) + "\n"
