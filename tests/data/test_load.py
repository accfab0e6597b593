"""Loading the packaged dataset, overriding it with the user's own, and writing it back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from critmin.cli import main
from critmin.data import load, save
from critmin.model.build import variable_rows
from critmin.model.schema import SCHEMA


@pytest.fixture(scope="module")
def default() -> xr.Dataset:
    return load()


def test_every_value_has_a_source_record(default: xr.Dataset) -> None:
    known_sources = set(default.source.values)
    for name in SCHEMA:
        values, sources = default[name], default[f"{name}_source"]
        cited = sources.values[values.notnull().values]
        assert (cited != "").all(), f"{name} has values without a source id"
        assert set(cited) <= known_sources, f"{name} cites unknown sources {set(cited) - known_sources}"
        uncited = sources.values[values.isnull().values]
        assert (uncited == "").all(), f"{name} has source ids where there is no value"


def test_every_source_has_url_or_states_its_method(default: xr.Dataset) -> None:
    assert set(default.source_grade.values) <= {"V", "T", "S", "E"}
    no_url = default.source.where(default.source_url == "", drop=True).values
    assert (default.source_grade.sel(source=no_url) == "E").all()
    assert (default.source_note.sel(source=no_url) != "").all()


def test_estimates_show_their_arithmetic(default: xr.Dataset) -> None:
    grade = dict(zip(default.source.values, default.source_grade.values, strict=True))
    for name in SCHEMA:
        rows = variable_rows(default, name)
        estimated = rows[rows.source_id.map(grade) == "E"]
        method = estimated.source_id.map(dict(zip(default.source.values, default.source_note.values, strict=True)))
        assert ((estimated.note != "") | (method != "")).all(), f"{name}: an estimate states no arithmetic or method"
        shown = estimated.note.where(estimated.note != "", method)
        assert shown.str.contains(r"\d").all(), f"{name}: an estimate's arithmetic has no numbers"


def test_units_are_in_attrs(default: xr.Dataset) -> None:
    assert default.production.attrs["units"] == "t/year"
    assert default.trade.attrs["units"] == "t/year"
    assert default.inventory_cover.attrs["units"] == "day"
    assert default.price.attrs["units"] == "USD/kg"


def test_package_round_trip_is_lossless(default: xr.Dataset, tmp_path: Path) -> None:
    save(default, tmp_path / "copy")
    again = load(tmp_path / "copy")
    again.attrs = {k: v for k, v in again.attrs.items() if not k.startswith("user_")}
    xr.testing.assert_identical(again, default)


def test_netcdf_round_trip_is_lossless(default: xr.Dataset, tmp_path: Path) -> None:
    # The two 5-D note arrays (trade and import_value: ~0.9 million text cells each) take two
    # minutes to read back with h5netcdf and add nothing a smaller text variable does not test:
    # every other note, source and numeric variable goes through the file.
    subset = default.drop_vars(["trade_note", "import_value_note"])
    subset.to_netcdf(tmp_path / "d.nc", engine="h5netcdf")
    again = xr.load_dataset(tmp_path / "d.nc", engine="h5netcdf")
    xr.testing.assert_equal(again, subset)
    assert {"production_note", "trade_source", "import_value_source"} <= set(again.data_vars)


def _user_package(folder: Path, rows: str, sources: str | None = None) -> Path:
    folder.mkdir()
    (folder / "stockpile.csv").write_text(
        "holder,material,year,holder_country,value,unit,source_id,note\n" + rows, encoding="utf-8"
    )
    if sources:
        (folder / "sources.csv").write_text(
            "source_id,title,publisher,year,url,grade,note\n" + sources, encoding="utf-8"
        )
    return folder


def test_override_replaces_only_the_rows_given(default: xr.Dataset, tmp_path: Path) -> None:
    user = _user_package(
        tmp_path / "ministry",
        "JPN-JOGMEC,dysprosium,2024,JPN,450,t,jp-meti-internal,classified figure\n",
        "jp-meti-internal,Internal stockpile ledger,METI,2026,https://www.meti.go.jp/,V,\n",
    )
    mine = load(user)
    cell = {"holder": "JPN-JOGMEC", "material": "dysprosium", "year": 2024}
    assert float(mine.stockpile.sel(cell)) == 450
    assert mine.critmin.source_of("stockpile", **cell)[0].title == "Internal stockpile ledger"
    untouched = default.production
    xr.testing.assert_identical(mine.production, untouched)
    others = mine.stockpile.drop_sel(holder="JPN-JOGMEC", errors="ignore")
    np.testing.assert_array_equal(others.values, default.stockpile.reindex_like(others).values)


def test_override_may_cite_packaged_sources(default: xr.Dataset, tmp_path: Path) -> None:
    cited = variable_rows(default, "stockpile").source_id.iloc[0]
    user = _user_package(tmp_path / "p", f"KOR-KOMIR,gallium,2025,KOR,12,t,{cited},\n")
    assert float(load(user).stockpile.sel(holder="KOR-KOMIR", material="gallium", year=2025)) == 12


def test_source_command_prints_the_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "source",
                "production",
                "--material",
                "rare_earths",
                "--stage",
                "mining",
                "--country",
                "USA",
                "--year",
                "2024",
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "production[material=rare_earths, stage=mining, country=USA, year=2024] = 45500 t/year" in printed
    assert "https://pubs.usgs.gov/periodicals/mcs2026/mcs2026-rare-earths.pdf" in printed


def test_source_command_rejects_unknown_labels(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["source", "production", "--country", "XXX"]) == 2
    assert "country='XXX' has no value in production" in capsys.readouterr().err
