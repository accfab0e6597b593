"""Nothing is written outside --out; outputs follow the umask; the app's form cannot inject TOML."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from critmin.app.views_runs import scenario_toml
from critmin.errors import ScenarioError
from critmin.scenarios.spec import parse_scenario
from tests.reliability.conftest import SCENARIO, edited


@pytest.mark.parametrize("name", ["../escaped", "/tmp/critmin-absolute-name", "a/b", ".."])
def test_scenario_name_is_never_a_path(name: str, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "case.toml").write_text(edited(SCENARIO, 'name = "t"', f'name = "{name}"'), encoding="utf-8")
    before = set(tmp_path.parent.iterdir())
    outcome = run_cli("shock", "case.toml", "--quiet", "--out", "out")
    assert (outcome.code, outcome.problems) == (
        2,
        [
            f"case.toml, field 'name': {name!r} is not a plain name (it names output files)."
            " Fix: use letters, digits, _ . and - only, starting with a letter or digit, e.g. my-scenario."
        ],
    )
    assert set(tmp_path.parent.iterdir()) == before
    assert not (tmp_path / "out").exists()
    assert not Path("/tmp/critmin-absolute-name.nc").exists()


def test_outputs_follow_the_umask(tmp_path: Path) -> None:
    from critmin._io import atomic_write_text

    old = os.umask(0o022)
    try:
        path = atomic_write_text(tmp_path / "x.csv", "a\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


FORM = {
    "kind": "outage",
    "country": "CHN",
    "material": "ndfeb",
    "stage": "magnet",
    "share": 0.5,
    "start": "2025-01",
    "begin": 1,
    "duration": 6,
    "horizon": 12,
    "draws": 10,
    "seed": 1,
    "destinations": [],
    "sector": "all",
    "name": "x",
    "project_tonnes": 0,
    "project_online": 0,
}


def test_start_month_cannot_inject_toml() -> None:
    form = FORM | {"start": '2025-01"\n[parameters]\nprice_lag_months = 99\n#'}
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(scenario_toml(form))
    assert [str(i) for i in caught.value.issues] == [
        "<scenario>, field 'start': '2025-01\"\\n[parameters]\\nprice_lag_months = 99\\n#' is not a month."
        ' Fix: write the month as "YYYY-MM", e.g. "2023-08".'
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "horizon",
            10**9,
            "<scenario>, field 'horizon_months': 1000000000 months is above the limit of 600 (50 years)."
            " Fix: simulate at most 600 months; split a longer study into scenarios that start later.",
        ),
        ("draws", "many", "scenario form, field 'draws': 'many' is not a number. Fix: give a number."),
        ("share", float("nan"), "scenario form, field 'share': nan is not a number. Fix: give a number."),
        (
            "country",
            'CHN"\nseed = 5\n#',
            "<scenario>, field 'events[0].country': 'CHN\"\\nseed = 5\\n#' is not a known country code."
            " Fix: use an ISO 3166 alpha-3 code such as CHN, JPN, USA, or EU27, ROW.",
        ),
    ],
)
def test_every_form_field_checked_on_the_server(field: str, value: object, message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(scenario_toml(FORM | {field: value}))
    assert [str(i) for i in caught.value.issues] == [message]


def test_oversized_portfolio_refused_before_loading(tmp_path: Path) -> None:
    import critmin
    from critmin.sweep.spec import MAX_PORTFOLIO_BYTES, load_sweep

    with (tmp_path / "portfolio.nc").open("wb") as handle:
        handle.truncate(MAX_PORTFOLIO_BYTES + 2**20)  # sparse: no disk used
    (tmp_path / "sweep.toml").write_text(
        'name = "o"\nbase = "backtest_ga_ge_2023"\nseed = 5\ndraws_per_case = 3\n\n[policies.optimised]\n'
        'portfolio = "portfolio.nc"\n',
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as caught:
        load_sweep(tmp_path / "sweep.toml", critmin.load())
    assert [str(i) for i in caught.value.issues] == [
        "sweep.toml, field 'portfolio': portfolio.nc is 65 MB (a portfolio is at most 64 MB)."
        " Fix: give the portfolio.nc written by `critmin optimise --out FOLDER`, relative to the sweep file."
    ]
