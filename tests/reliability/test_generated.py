"""Generated bad input: every variation is either accepted as a sound scenario or refused clearly.

Hypothesis replaces one value of a valid scenario, sweep or EU supply-risk table with an
arbitrary one (wrong types, empty and nested lists, nan, inf, huge numbers, odd text). The only
outcomes allowed are a result whose fields have their documented types, or the project's
error listing file, field, problem and fix: never another exception, never a lone string
split into letters.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from critmin.errors import DataError
from critmin.scenarios.spec import ExportControl, Outage, parse_scenario
from critmin.scenarios.toml_writer import scenario_to_toml
from critmin.vocabulary import COUNTRIES, MATERIALS, SECTORS, STAGES
from tests.reliability.conftest import SCENARIO

SCALARS = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=12),
    st.sampled_from(["JPN", "all", "pro_rata", "defence", "ndfeb", "magnet", "2026-03", "..", "../x"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=6,
)
BASE: dict[str, Any] = tomllib.loads(SCENARIO + '\n[policy]\nallocation = ["defence"]\n')
PATHS = [
    ("name",),
    ("horizon_months",),
    ("start",),
    ("seed",),
    ("draws",),
    ("events",),
    ("policy",),
    ("policy", "allocation"),
    ("policy", "substitution"),
    ("policy", "stockpile_release"),
    ("parameters",),
    ("uncertain",),
    *[("events", 0, key) for key in BASE["events"][0]],
    ("events", 0, "stages"),
    ("events", 0, "items"),
    ("events", 0, "approval_path"),
    ("events", 0, "leakage"),
]


def _toml(value: Any) -> str:
    """A TOML value (the writer does not take arbitrary nesting, so this small one does)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return '"' + value.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{" + ", ".join(f"{_toml(str(k))} = {_toml(v)}" for k, v in value.items()) + "}"


def _document(doc: dict[str, Any]) -> str:
    lines = [f"{_toml(k)} = {_toml(v)}" for k, v in doc.items()]
    return "\n".join(lines) + "\n"


def _set(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    copy = tomllib.loads(_document(doc))
    node: Any = copy
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return copy


def _attempt(call: Any) -> tuple[Any, DataError | None]:
    """The result of `call`, or the project's input error it raised (any other exception propagates)."""
    try:
        return call(), None
    except DataError as error:  # ScenarioError is a DataError
        return None, error


def _sound(scenario: Any) -> None:
    """An accepted scenario holds only known codes in its lists (nothing split into letters)."""
    for event in scenario.events:
        if isinstance(event, ExportControl):
            assert event.materials and set(event.materials) <= set(MATERIALS)
            assert set(event.stages) <= set(STAGES)
            assert set(event.destinations.countries) <= set(COUNTRIES)
            # an empty approval path means the licensing queue; a given one holds shares
            assert all(0 <= share <= 1 for share in event.approval_path)
            for klass in event.destination_classes:
                assert set(klass.countries.countries) <= set(COUNTRIES)
        if isinstance(event, Outage):
            assert event.material in MATERIALS and math.isfinite(event.duration_months)
    allocation = scenario.policy.allocation
    assert allocation == "pro_rata" or (isinstance(allocation, tuple) and set(allocation) <= set(SECTORS))
    assert all(math.isfinite(value) for _, value in scenario.parameters)
    assert 1 <= scenario.horizon_months <= 600 and 1 <= scenario.draws <= 20_000
    assert parse_scenario(scenario_to_toml(scenario)) == scenario


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(PATHS), value=VALUES)
def test_generated_scenarios(path: tuple[Any, ...], value: Any) -> None:
    text = _document(_set(BASE, path, value))
    scenario, error = _attempt(lambda: parse_scenario(text, file="case.toml"))
    if error is not None:
        assert error.issues and all(i.file == "case.toml" and i.field and i.fix for i in error.issues)
    else:
        _sound(scenario)


@settings(max_examples=30, deadline=None)
@given(depth=st.integers(min_value=33, max_value=20_000), opener=st.sampled_from(["[", "{a = "]))
def test_generated_nesting(depth: int, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    text = SCENARIO + "deep = " + opener * depth + ("1" if opener != "[" else "") + closer * depth + "\n"
    _, error = _attempt(lambda: parse_scenario(text, file="case.toml"))
    assert error is not None and [i.problem for i in error.issues] == [
        f"nested {depth} levels deep (at most 32 allowed)"
    ]


EU_HEADER = "material,hhi_gs,hhi_eu,import_reliance,eol_rir,si_sr"
CELLS = st.one_of(
    st.sampled_from(["", "nan", "inf", "-1", "1e309", "0.5", "gallium", "5,", '"', "\u00e9", " "]),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=8),
)


@settings(max_examples=80, deadline=None)
@given(cells=st.lists(CELLS, min_size=1, max_size=8), trailing=st.booleans())
def test_generated_eu_sr_rows(cells: list[str], trailing: bool, tmp_path_factory: Any) -> None:
    from critmin.data.inputs import read_eu_sr_inputs

    path: Path = tmp_path_factory.mktemp("eu") / "eu.csv"
    row = ",".join(cells) + ("," if trailing else "")
    path.write_text(f"{EU_HEADER}\n{row}\ngermanium,2,1,0.5,0.1,0.0\n", encoding="utf-8")
    table, error = _attempt(lambda: read_eu_sr_inputs(path))
    if error is not None:
        assert error.issues and all(i.file == str(path) and i.fix for i in error.issues)
        return
    assert list(table.columns) == EU_HEADER.split(",")
    assert set(table.material) <= set(MATERIALS) or table.material.map(lambda m: isinstance(m, str)).all()
    numbers = table.drop(columns="material").to_numpy(dtype=float)
    assert ((numbers >= 0) & (numbers <= 10)).all()
