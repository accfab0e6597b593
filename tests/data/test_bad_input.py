"""Bad input gets one clear message per problem: file, row, field, what is wrong, the fix.

Each case edits one cell (or file) of a small valid package and asserts the exact message.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from critmin.cli import main
from critmin.data import load
from critmin.errors import DataError

MINI = Path(__file__).parent / "mini"


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A writable copy of the small valid package."""
    return Path(shutil.copytree(MINI, tmp_path / "pkg"))


def edit(package: Path, file: str, old: str, new: str) -> None:
    path = package / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def messages(package: Path) -> list[str]:
    with pytest.raises(DataError) as caught:
        load(package)
    return [str(issue).replace(str(package) + "/", "") for issue in caught.value.issues]


def test_valid_package_loads(package: Path) -> None:
    ds = load(package)
    assert float(ds.production.sel(material="rare_earths", stage="mining", country="CHN", year=2024)) == 270000


CASES = {
    "missing column": (
        "production.csv",
        "value,unit,source_id",
        "value,source_id",
        None,
    ),
    "unknown country code": (
        "production.csv",
        "rare_earths,mining,USA",
        "rare_earths,mining,JAP",
        "production.csv, row 3, field 'country': 'JAP' is not an ISO 3166 alpha-3 code or documented aggregate. "
        "Fix: use an alpha-3 code such as JPN, USA, CHN, or EU27 / ROW.",
    ),
    "negative tonnage": (
        "production.csv",
        "45500",
        "-45500",
        "production.csv, row 3, field 'value': '-45500' is negative. Fix: tonnages, prices and days are never negative; check the sign.",
    ),
    "duplicate key": (
        "production.csv",
        "rare_earths,mining,ROW",
        "rare_earths,mining,USA",
        "production.csv, row 4, field 'material, stage, country, year': duplicate key (material=rare_earths, stage=mining, "
        "country=USA, year=2024); the same key is on row 3. Fix: keep one row per key.",
    ),
    "NaN value": (
        "production.csv",
        "45500",
        "NaN",
        "production.csv, row 3, field 'value': 'NaN' is not a number. Fix: leave out the row: a missing value is unknown, never NaN or 0.",
    ),
    "thousands separator": (
        "production.csv",
        "45500",
        '"45,500"',
        "production.csv, row 3, field 'value': '45,500' is not a number. Fix: write a plain number such as 1300 "
        "(no thousands separator, unit or %).",
    ),
    "empty value": (
        "production.csv",
        "45500",
        "",
        "production.csv, row 3, field 'value': empty. Fix: give a value; leave out the whole row if the value is unknown.",
    ),
    "bad year": (
        "production.csv",
        "USA,2024",
        "USA,2024-13",
        "production.csv, row 3, field 'year': '2024-13' is not a year. Fix: write a four-digit year such as 2024.",
    ),
    "wrong unit with known conversion": (
        "production.csv",
        "45500,t/year",
        "45500000,kg/year",
        "production.csv, row 3, field 'unit': unit 'kg/year' is not the unit of this table (t/year). "
        "Fix: multiply the values by 0.001 and write 't/year'.",
    ),
    "wrong unit without conversion": (
        "production.csv",
        "45500,t/year",
        "45500,USD",
        "production.csv, row 3, field 'unit': unit 'USD' is not the unit of this table (t/year). "
        "Fix: convert the values to 't/year' and write 't/year'.",
    ),
    "source id that does not exist": (
        "production.csv",
        "45500,t/year,usgs-test",
        "45500,t/year,usgs-tset",
        "production.csv, row 3, field 'source_id': 'usgs-tset' is not a source id in sources.csv. "
        "Fix: add the source to sources.csv or use an existing source_id.",
    ),
    "missing source id": (
        "production.csv",
        "45500,t/year,usgs-test",
        "45500,t/year,",
        "production.csv, row 3, field 'source_id': empty. Fix: give a value; leave out the whole row if the value is unknown.",
    ),
    "unknown material": (
        "production.csv",
        "ndpr,separation,MYS",
        "ndrp,separation,MYS",
        "production.csv, row 6, field 'material': 'ndrp' is not a known material. Fix: use one of antimony, cobalt, dysprosium, "
        "gallium, germanium, graphite_anode, graphite_natural, lithium, ndfeb, ndpr, neodymium, nickel, praseodymium, "
        "rare_earths, terbium, tungsten.",
    ),
    "unknown stage": (
        "production.csv",
        "ndpr,separation,MYS",
        "ndpr,seperation,MYS",
        "production.csv, row 6, field 'stage': 'seperation' is not a known stage. Fix: use one of alloy, end_use, magnet, "
        "metal, mining, refining, separation.",
    ),
    "stage that does not apply to the material": (
        "production.csv",
        "ndpr,separation,MYS",
        "ndpr,mining,MYS",
        "production.csv, row 6, field 'stage': stage 'mining' does not apply to this material. "
        "Fix: use a stage of the material (separation, metal).",
    ),
    "EU27 beside a member state": (
        "trade.csv",
        "MYS,JPN",
        "CHN,EU27",
        None,
    ),
    "parameter outside its own range": (
        "parameter.csv",
        "front_loading_multiple,all,2.6,2,2.6",
        "front_loading_multiple,all,3.1,2,2.6",
        "parameter.csv, row 2, field 'value': '3.1' lies outside its own range low..high. Fix: check value, low and high.",
    ),
    "bad grade in sources": (
        "sources.csv",
        "mcs2026-rare-earths.pdf,T,",
        "mcs2026-rare-earths.pdf,X,",
        "sources.csv, row 2, field 'grade': 'X' is not a grade. Fix: use V, T, S or E.",
    ),
    "source without url": (
        "sources.csv",
        "USGS,2026,https://pubs.usgs.gov/periodicals/mcs2026/mcs2026-rare-earths.pdf,T",
        "USGS,2026,,T",
        "sources.csv, row 2, field 'url': empty. Fix: give the URL of the source; only estimates (grade E) may have none.",
    ),
    "unparseable parameter unit": (
        "parameter.csv",
        "3,,,month",
        "3,,,moonths",
        "parameter.csv, row 3, field 'unit': 'moonths' is not a unit. Fix: write a pint unit such as t/year, day, USD/kg or 1.",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_cell_gets_exact_message(package: Path, case: str) -> None:
    file, old, new, expected = CASES[case]
    edit(package, file, old, new)
    if case == "EU27 beside a member state":
        edit(package, "trade.csv", "CHN,JPN", "CHN,FRA")
    found = messages(package)
    if case == "missing column":
        assert found == [
            "production.csv, row 1, field '(header)': the header has 7 cells but every data row has 8."
            " Fix: give every column a name in the header row, or remove the trailing comma of each row."
        ]
    elif case == "EU27 beside a member state":
        assert found == [
            "trade.csv, row 2, field 'importer': EU27 and its member 'FRA' are both listed for the same key. "
            "Fix: list either EU27 or its member states, never both."
        ]
    else:
        assert found == [expected]


def test_empty_file(package: Path) -> None:
    (package / "trade.csv").write_text("", encoding="utf-8")
    assert messages(package) == [
        "trade.csv, field '(file)': the file is empty. Fix: write a header row and at least one data row."
    ]


def test_header_without_rows(package: Path) -> None:
    (package / "trade.csv").write_text(
        "material,stage,exporter,importer,year,value,unit,source_id,note\n", encoding="utf-8"
    )
    assert messages(package) == [
        "trade.csv, field '(file)': has a header but no data rows. Fix: add at least one data row."
    ]


def test_wrong_encoding(package: Path) -> None:
    text = (package / "trade.csv").read_text(encoding="utf-8").replace("est-test,", "est-test,Département", 1)
    (package / "trade.csv").write_bytes(text.encode("latin-1"))
    assert messages(package) == [
        "trade.csv, row 2, field '(encoding)': is not UTF-8 text (byte 0xe9 at line 2). "
        "Fix: save the file as CSV UTF-8 (in Excel: Save As > 'CSV UTF-8')."
    ]


def test_misspelt_file_name(package: Path) -> None:
    (package / "trade.csv").rename(package / "trades.csv")
    [found] = messages(package)
    assert found.startswith(
        "trades.csv, field '(file name)': is not a file of the critmin data model. Fix: rename it to one of "
    )
    assert "trade.csv" in found


def test_broken_descriptor(package: Path) -> None:
    (package / "datapackage.json").write_text('{"name": "mini",', encoding="utf-8")
    [found] = messages(package)
    assert found.startswith("datapackage.json, field '(file)': is not valid UTF-8 JSON (")


def test_every_problem_in_every_file_is_reported_at_once(package: Path) -> None:
    edit(package, "production.csv", "45500", "-45500")
    edit(package, "production.csv", "ndpr,separation,MYS", "ndpr,seperation,MYS")
    edit(package, "trade.csv", "MYS,JPN", "MYS,JAP")
    edit(package, "stockpile.csv", "12.5", "twelve")
    found = messages(package)
    assert [message.split(":")[0] for message in found] == [
        "production.csv, row 3, field 'value'",
        "production.csv, row 6, field 'stage'",
        "stockpile.csv, row 2, field 'value'",
        "trade.csv, row 3, field 'importer'",
    ]


def test_cli_exits_2_and_writes_nothing(package: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(package, "production.csv", "45500", "-45500")
    out = tmp_path / "results"
    assert main(["shares", "--data", str(package), "--out", str(out)]) == 2
    assert not out.exists()
    error = capsys.readouterr().err
    assert "1 problem(s) in input; nothing was loaded" in error
    assert "row 3, field 'value': '-45500' is negative" in error


def test_failed_run_keeps_earlier_results(package: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    assert main(["shares", "--data", str(package), "--out", str(out)]) == 0
    before = (out / "stage_shares.csv").read_bytes()
    edit(package, "production.csv", "45500", "-45500")
    assert main(["shares", "--data", str(package), "--out", str(out)]) == 2
    assert (out / "stage_shares.csv").read_bytes() == before
