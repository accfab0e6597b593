"""Inputs that used to end in a traceback or run for minutes: a clear refusal within seconds."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.reliability.conftest import SCENARIO, edited

SWEEP = (Path(__file__).parents[2] / "critmin" / "sweep" / "library" / "small.toml").read_text(encoding="utf-8")

CASES = {
    "empty approval path": (
        "lifted = 4",
        "lifted = 4\napproval_path = []",
        "case.toml, field 'events[0].approval_path': is an empty list. Fix: use a list, e.g. [0.0, 0.5].",
    ),
    "empty materials": (
        'materials = ["ndfeb"]',
        "materials = []",
        "case.toml, field 'events[0].materials': is an empty list. Fix: use a list, e.g. [\"gallium\"].",
    ),
    "scalar policy": (
        "draws = 2",
        "draws = 2\npolicy = 3",
        "case.toml, field 'policy': 3 is not a table. Fix: write [policy] with key = value lines.",
    ),
    "scalar uncertain": (
        "draws = 2",
        "draws = 2\nuncertain = [1]",
        "case.toml, field 'uncertain': [1] is not a table."
        ' Fix: write [uncertain] with "target" = {dist = ...} lines.',
    ),
    "list as a material": (
        "lifted = 4",
        'lifted = 4\n[[events]]\nkind = "outage"\ncountry = "CHN"\nmaterial = ["gallium"]\nstage = "refining"\n'
        "capacity_lost = 0.5\nstart = 0\nduration_months = 2",
        "case.toml, field 'events[1].material': ['gallium'] is not a known material. Fix: use one of rare_earths,"
        " ndpr, neodymium, praseodymium, dysprosium, terbium, ndfeb, gallium, germanium, graphite_natural,"
        " graphite_anode, antimony, tungsten, cobalt, lithium, nickel.",
    ),
    "deeply nested arrays": (
        "lifted = 4",
        "lifted = 4\ndeep = " + "[" * 5000 + "]" * 5000,
        "case.toml, field '(file)': nested 5000 levels deep (at most 32 allowed). Fix: flatten the nested arrays or tables.",
    ),
    "deeply nested inline tables": (
        "lifted = 4",
        "lifted = 4\ndeep = " + "{a = " * 5000 + "1" + "}" * 5000,
        "case.toml, field '(file)': nested 5000 levels deep (at most 32 allowed). Fix: flatten the nested arrays or tables.",
    ),
    "horizon of ten million months": (
        "horizon_months = 6",
        "horizon_months = 10000000",
        "case.toml, field 'horizon_months': 10000000 months is above the limit of 600 (50 years)."
        " Fix: simulate at most 600 months; split a longer study into scenarios that start later.",
    ),
    "horizon of 2**63-1 months": (
        "horizon_months = 6",
        "horizon_months = 9223372036854775807",
        "case.toml, field 'horizon_months': 9223372036854775807 months is above the limit of 600 (50 years)."
        " Fix: simulate at most 600 months; split a longer study into scenarios that start later.",
    ),
    "a billion draws": (
        "draws = 2",
        "draws = 1000000000",
        "case.toml, field 'draws': 1,000,000,000 draws is above the limit of 20,000."
        " Fix: run at most 20,000 draws at a time, with different seeds, and pool the results"
        " (or use `critmin sweep`, which runs in chunks).",
    ),
    "many draws over a long horizon": (
        "draws = 2\n",
        "draws = 10000\n",
        None,
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_scenario_refused_quickly(case: str, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    old, new, message = CASES[case]
    text = edited(SCENARIO, old, new)
    if message is None:
        text = edited(text, "horizon_months = 6", "horizon_months = 200")
        message = (
            "case.toml, field 'draws': 10,000 draws x 200 months = 2,000,000 draw-months (about 40 minutes on one"
            " core) is above the limit of 1,000,000. Fix: run at most 5,000 draws at a time with different seeds,"
            " or a shorter horizon."
        )
    (tmp_path / "case.toml").write_text(text, encoding="utf-8")
    started = time.perf_counter()
    outcome = run_cli("shock", "case.toml", "--quiet", "--out", "out")
    assert (outcome.code, outcome.problems[:1]) == (2, [message])
    assert time.perf_counter() - started < 10
    assert not (tmp_path / "out").exists()


def test_draws_option_limited(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "case.toml").write_text(SCENARIO, encoding="utf-8")
    outcome = run_cli("shock", "case.toml", "--quiet", "--draws", "100000000", "--out", "out")
    assert (outcome.code, outcome.problems) == (
        2,
        [
            "command line, field '--draws': 100,000,000 draws is above the limit of 20,000."
            " Fix: run at most 20,000 draws at a time, with different seeds, and pool the results"
            " (or use `critmin sweep`, which runs in chunks)."
        ],
    )
    assert not (tmp_path / "out").exists()


def test_huge_sweep_grid_refused_before_any_case(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    axes = "\n".join(f'"parameters.{name}" = {list(range(1, 201))}' for name in ("price_lag_months", "rebuild_months"))
    text = edited(
        SWEEP, '"events[0].duration_months" = [3, 6, 12]', f'"events[0].duration_months" = {list(range(1, 201))}'
    )
    (tmp_path / "c.toml").write_text(edited(text, "[uncertain]", axes + "\n\n[uncertain]"), encoding="utf-8")
    started = time.perf_counter()
    outcome = run_cli("sweep", "c.toml", "--workers", "0", "--out", "store")
    assert (outcome.code, outcome.problems) == (
        2,
        [
            "c.toml, field 'grid': 160,000,000 scenarios (grid points x policies x draws_per_case) is above the"
            " limit of 2,000,000. Fix: split the grid into several sweeps (fewer values per axis), or fewer"
            " draws_per_case."
        ],
    )
    assert time.perf_counter() - started < 10
    assert not (tmp_path / "store").exists()


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("tcp://no such host:8786", "not a scheduler address"),
        ("tcp://127.0.0.1:99999", "not a scheduler address"),
        ("10.0.0.5", "not a scheduler address"),
        ("tls://127.0.0.1:8786", "a tls:// scheduler needs certificates and none are configured"),
    ],
)
def test_malformed_scheduler_address(address: str, problem: str, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    outcome = run_cli("sweep", "small", "--scheduler", address, "--out", "store")
    assert outcome.code == 2
    assert outcome.problems[0].startswith(f"{address}, field '--scheduler': {problem}. Fix: ")
    assert not (tmp_path / "store").exists()


def test_deeply_nested_datapackage_json(package: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    (package / "datapackage.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    outcome = run_cli("validate", str(package))
    assert (outcome.code, outcome.problems) == (
        2,
        [
            f"{package / 'datapackage.json'}, field '(file)': nested 100000 levels deep (at most 32 allowed)."
            " Fix: flatten the nested arrays or tables."
        ],
    )


def test_resume_of_a_mistyped_store_is_refused(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    outcome = run_cli("sweep", "small", "--workers", "0", "--out", "stroe", "--resume")
    assert (outcome.code, outcome.problems) == (
        2,
        [
            "stroe, field '--resume': there is no sweep store here to resume."
            " Fix: give the --out of the interrupted sweep, or leave out --resume to start a new one."
        ],
    )
    assert not (tmp_path / "stroe").exists()
