"""Bad input that used to give a wrong result with exit 0 is now refused, with the exact message."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.conftest import SCENARIO, edited

SWEEP = (Path(__file__).parents[2] / "critmin" / "sweep" / "library" / "small.toml").read_text(encoding="utf-8")

SCENARIO_CASES = {
    "destinations scalar": (
        'destinations = ["JPN"]',
        'destinations = "JPN"',
        "case.toml, field 'events[0].destinations': 'JPN' is not a list."
        ' Fix: use a list, e.g. ["JPN"], or "all", or {all_but = ["JPN"]}.',
    ),
    "all_but scalar": (
        'destinations = ["JPN"]',
        'destinations = {all_but = "JPN"}',
        "case.toml, field 'events[0].destinations.all_but': 'JPN' is not a list. Fix: use a list, e.g. [\"JPN\"].",
    ),
    "stages scalar": (
        'materials = ["ndfeb"]',
        'materials = ["ndfeb"]\nstages = "magnet"',
        "case.toml, field 'events[0].stages': 'magnet' is not a list. Fix: use a list, e.g. [\"refining\"].",
    ),
    "materials scalar": (
        'materials = ["ndfeb"]',
        'materials = "ndfeb"',
        "case.toml, field 'events[0].materials': 'ndfeb' is not a list. Fix: use a list, e.g. [\"gallium\"].",
    ),
    "allocation scalar": (
        "lifted = 4",
        'lifted = 4\n[policy]\nallocation = "defence"',
        "case.toml, field 'policy.allocation': 'defence' is not a list."
        ' Fix: use a list, e.g. ["defence"], or "pro_rata".',
    ),
    "nan leakage": (
        "lifted = 4",
        "lifted = 4\nleakage = nan",
        "case.toml, field 'events[0].leakage': nan is not a finite number. Fix: give a finite number.",
    ),
    "inf duration": (
        "lifted = 4",
        'lifted = 4\n[[events]]\nkind = "outage"\ncountry = "CHN"\nmaterial = "gallium"\nstage = "refining"\n'
        "capacity_lost = 0.5\nstart = 0\nduration_months = inf",
        "case.toml, field 'events[1].duration_months': inf is not a finite number. Fix: give a finite number.",
    ),
    "nan trigger days": (
        "lifted = 4",
        "lifted = 4\n[policy.stockpile_release]\ntrigger_days = nan\nmonthly_rate = 0.2",
        "case.toml, field 'policy.stockpile_release.trigger_days': nan is not a finite number."
        " Fix: give a finite number.",
    ),
    "negative price lag": (
        "lifted = 4",
        "lifted = 4\n[parameters]\nprice_lag_months = -3",
        "case.toml, field 'parameters.price_lag_months': -3 is negative."
        " Fix: give a number >= 0 (plausible range 2 to 4 month).",
    ),
    "normal with nan mean": (
        "lifted = 4",
        'lifted = 4\n[uncertain]\n"parameters.price_flexibility" = {dist = "normal", mean = nan, sd = 1}',
        "case.toml, field 'uncertain.parameters.price_flexibility.mean': nan is not a finite number."
        " Fix: give a finite number.",
    ),
}


@pytest.mark.parametrize("case", SCENARIO_CASES)
def test_scenario_refused(case: str, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    old, new, message = SCENARIO_CASES[case]
    (tmp_path / "case.toml").write_text(edited(SCENARIO, old, new), encoding="utf-8")
    outcome = run_cli("shock", "case.toml", "--quiet", "--out", "out")
    assert (outcome.code, outcome.problems[:1]) == (2, [message])
    assert not (tmp_path / "out").exists()


SWEEP_CASES = {
    "nan multiplier": (
        "KOR = 4.0",
        "KOR = nan",
        "c.toml, field 'policies.stockpile_x4_early_release.stockpile_multiplier.holders.KOR':"
        " nan is not a finite number. Fix: give a finite number.",
    ),
    "inf grid value": (
        '"events[0].duration_months" = [3, 6, 12]',
        '"parameters.price_flexibility" = [inf]',
        "c.toml, field 'grid.parameters.price_flexibility[0]': inf is not a finite number. Fix: give a finite number.",
    ),
    "allocation scalar": (
        'coordination = "pro_rata_consumption"}',
        'coordination = "pro_rata_consumption"}\nallocation = "defence"',
        "c.toml, field 'policies.stockpile_x4_early_release.allocation': 'defence' is not a list."
        ' Fix: use a list, e.g. ["defence"], or "pro_rata".',
    ),
    "allies scalar": (
        "seed = 7",
        'seed = 7\nallies = "JPN"',
        "c.toml, field 'allies': 'JPN' is not a list. Fix: use a list, e.g. [\"JPN\"].",
    ),
    "materials axis of scalars": (
        '"events[0].duration_months" = [3, 6, 12]',
        '"events[0].materials" = ["gallium"]',
        "c.toml, field 'grid.events[0].materials': value 'gallium': events[0].materials: 'gallium' is not a list."
        ' Fix: use a list, e.g. ["gallium"].',
    ),
}


@pytest.mark.parametrize("case", SWEEP_CASES)
def test_sweep_refused(case: str, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    old, new, message = SWEEP_CASES[case]
    (tmp_path / "c.toml").write_text(edited(SWEEP, old, new), encoding="utf-8")
    outcome = run_cli("sweep", "c.toml", "--workers", "0", "--out", "store")
    assert (outcome.code, outcome.problems[:1]) == (2, [message])
    assert not (tmp_path / "store").exists()


def test_eu_sr_trailing_comma_names_the_row(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "eu.csv").write_text(
        "material,hhi_gs,hhi_eu,import_reliance,eol_rir,si_sr\ngallium,5,3,0.9,0.0,0.0,\ngermanium,2,1,0.5,0.1,0.0\n",
        encoding="utf-8",
    )
    outcome = run_cli("indicators", "eu-sr", "--inputs", "eu.csv")
    assert (outcome.code, outcome.problems, outcome.out) == (
        2,
        [
            "eu.csv, row 2, field '(row)': has 7 cells but the header has 6."
            " Fix: remove the stray or trailing comma, or quote a value that contains a comma."
        ],
        "",
    )


def test_shipped_data_validates(run_cli) -> None:  # type: ignore[no-untyped-def]
    from critmin.data import packaged_path

    outcome = run_cli("validate", str(packaged_path()))
    assert outcome.code == 0, outcome.err
    assert ": valid (" in outcome.out


@pytest.mark.parametrize(
    ("name", "fix"),
    [
        ("production.CSV", "rename it to production.csv"),
        ("demand.xlsx", "save it as CSV UTF-8 with one of the data model's file names, or move it out of the folder"),
        ("trade.tsv", "save it as CSV UTF-8 with one of the data model's file names, or move it out of the folder"),
    ],
)
def test_files_critmin_does_not_read_are_errors(name: str, fix: str, package: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    (package / name).write_text("material,stage\n", encoding="utf-8")
    outcome = run_cli("validate", str(package))
    assert (outcome.code, outcome.problems) == (
        2,
        [f"{package / name}, field '(file name)': critmin does not read this file. Fix: {fix}."],
    )


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (
            '["replace"]',
            'field \'critmin\': [\'replace\'] is not an object. Fix: write "critmin": {"mode": "replace"}.',
        ),
        ('"replace"', 'field \'critmin\': \'replace\' is not an object. Fix: write "critmin": {"mode": "replace"}.'),
        (
            '{"mod": "replace"}',
            'field \'critmin.mod\': unknown key. Fix: the only key is "mode": write "critmin": {"mode": "replace"}.',
        ),
    ],
)
def test_malformed_critmin_block_is_an_error(block: str, message: str, package: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    (package / "datapackage.json").write_text(f'{{"name": "mini", "critmin": {block}}}', encoding="utf-8")
    outcome = run_cli("validate", str(package))
    assert (outcome.code, outcome.problems) == (2, [f"{package / 'datapackage.json'}, {message}"])


def test_non_utf8_file_hides_no_other_problem(package: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    text = (package / "production.csv").read_text(encoding="utf-8")
    (package / "production.csv").write_bytes(text.replace("45500", "45\xe900").encode("latin-1"))
    stock = (package / "stockpile.csv").read_text(encoding="utf-8").splitlines()
    header, first = stock[0], stock[1].split(",")
    first[header.split(",").index("value")] = "-1"
    (package / "stockpile.csv").write_text("\n".join([header, ",".join(first), *stock[2:]]) + "\n", encoding="utf-8")
    outcome = run_cli("validate", str(package))
    assert outcome.code == 2
    assert outcome.problems == [
        f"{package / 'production.csv'}, row 3, field '(encoding)': is not UTF-8 text (byte 0xe9 at line 3)."
        " Fix: save the file as CSV UTF-8 (in Excel: Save As > 'CSV UTF-8').",
        f"{package / 'stockpile.csv'}, row 2, field 'value': '-1' is negative."
        " Fix: tonnages, prices and days are never negative; check the sign.",
    ]
