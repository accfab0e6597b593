"""The same key twice, within a file or across the user's override and the packaged base: a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import critmin
from critmin.errors import DataError

PRODUCTION = "material,stage,country,year,value,unit,source_id,note\n"
TRADE = "material,stage,exporter,importer,year,value,unit,source_id,note\n"
SOURCE = "est-refining-from-shares"


def _override(tmp_path: Path, name: str, text: str) -> Path:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "datapackage.json").write_text(json.dumps({"name": "mine", "version": "1"}), encoding="utf-8")
    (package / name).write_text(text, encoding="utf-8")
    return package


def _problems(package: Path) -> list[str]:
    with pytest.raises(DataError) as caught:
        critmin.load(package)
    return [str(issue).replace(f"{package}/", "") for issue in caught.value.issues]


REPLACE_FIX = "or set critmin.mode to 'replace' in datapackage.json to use your data alone."


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (  # the packaged data lists Belgium's antimony refining; an EU27 row would count it twice
            "production.csv",
            PRODUCTION + f"antimony,refining,EU27,2024,10234,t/year,{SOURCE},\n",
            "production.csv, row 2, field 'country': 'EU27' would be counted beside BEL, listed for the same key "
            "in the packaged production.csv (row 53). Fix: give rows for the member states instead of EU27 "
            f"(each replaces the packaged row), {REPLACE_FIX}",
        ),
        (  # the packaged data lists AUS -> EU27; a row AUS -> DEU would count Germany's share twice
            "trade.csv",
            TRADE + "antimony,mining,AUS,DEU,2024,100,t/year,est-trade-net-imports,\n",
            "trade.csv, row 2, field 'importer': 'DEU' would be counted beside EU27, listed for the same key in the "
            "packaged trade.csv (row 3). Fix: give one EU27 row instead of member rows (it replaces the packaged "
            f"row), {REPLACE_FIX}",
        ),
        (  # a code differing only in blanks is the same key
            "production.csv",
            PRODUCTION
            + f"antimony,refining,BEL,2024,10,t/year,{SOURCE},\nantimony,refining, BEL ,2024,11,t/year,{SOURCE},\n",
            "production.csv, row 3, field 'material, stage, country, year': duplicate key (material=antimony, "
            "stage=refining, country=BEL, year=2024); the same key is on row 2. Fix: keep one row per key.",
        ),
        (  # codes are upper case: "usa" is refused, never a second USA
            "production.csv",
            PRODUCTION + f"antimony,refining,usa,2024,10,t/year,{SOURCE},\n",
            "production.csv, row 2, field 'country': 'usa' is not an ISO 3166 alpha-3 code or documented aggregate. "
            "Fix: use an alpha-3 code such as JPN, USA, CHN, or EU27 / ROW.",
        ),
    ],
)
def test_duplicate_keys_are_refused(tmp_path: Path, name: str, text: str, expected: str) -> None:
    assert _problems(_override(tmp_path, name, text)) == [expected]


def test_every_overlap_is_reported_with_other_problems(tmp_path: Path) -> None:
    package = _override(tmp_path, "production.csv", PRODUCTION + f"antimony,refining,EU27,2024,1,t/year,{SOURCE},\n")
    (package / "trade.csv").write_text(
        TRADE + "antimony,mining,AUS,DEU,2024,x,t/year,est-trade-net-imports,\n", encoding="utf-8"
    )
    problems = _problems(package)
    assert sorted(line.split(":")[0] for line in problems) == [
        "production.csv, row 2, field 'country'",
        "trade.csv, row 2, field 'value'",
    ]


def test_an_override_row_in_other_blanks_replaces_the_packaged_row(tmp_path: Path) -> None:
    package = _override(
        tmp_path, "production.csv", PRODUCTION + f" antimony , refining , BEL ,2024,10,t/year,{SOURCE},\n"
    )
    ds = critmin.load(package)
    assert float(ds.production.sel(material="antimony", stage="refining", country="BEL", year=2024)) == 10
