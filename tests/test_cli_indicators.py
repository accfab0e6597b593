"""`critmin indicators eu-sr`: supply risk from the user's own inputs, with clear errors."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from critmin.cli import main

HEADER = "material,hhi_gs,hhi_eu,import_reliance,eol_rir,si_sr,ei\n"


def test_supply_risk_and_criticality_by_hand(tmp_path: Path) -> None:
    inputs = tmp_path / "in.csv"
    # gallium: (5 x 0.6/2 + 3 x (1 - 0.6/2)) x (1 - 0.1) x 0.9 = (1.5 + 2.1) x 0.81 = 2.916; EI 3.0 >= 2.8 -> critical
    # nickel:  (1 x 0 + 1 x 1) x 1 x 0.8 = 0.8 < 1 -> not critical
    inputs.write_text(HEADER + "gallium,5,3,0.6,0.1,0.9,3\nnickel,1,1,0,0,0.8,5.7\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["indicators", "eu-sr", "--inputs", str(inputs), "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert table.sr.round(6).tolist() == [2.916, 0.8]
    assert table.critical.tolist() == [True, False]


def test_ei_is_optional(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = tmp_path / "in.csv"
    inputs.write_text("material,hhi_gs,hhi_eu,import_reliance,eol_rir,si_sr\nLREE,4,4,1,0,1\n", encoding="utf-8")
    assert main(["indicators", "eu-sr", "--inputs", str(inputs)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "material,hhi_gs,hhi_eu,import_reliance,eol_rir,si_sr,sr",
        "LREE,4,4,1,0,1,4.0",
    ]


def test_bad_rows_are_all_reported_with_fixes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = tmp_path / "in.csv"
    inputs.write_text(
        HEADER + "gallium,5,3,1.4,0.1,0.9,3\ncobalt,2500,3,0.5,x,0.9,\ngallium,1,1,0,0,0.8,\n", encoding="utf-8"
    )
    out = tmp_path / "out.csv"
    assert main(["indicators", "eu-sr", "--inputs", str(inputs), "--out", str(out)]) == 2
    assert not out.exists()
    lines = capsys.readouterr().err.replace(str(inputs), "in.csv").splitlines()
    assert lines[1:] == [
        "  in.csv, row 2, field 'import_reliance': '1.4' is a share above 1. Fix: write shares as fractions between 0 and 1 (0.85, not 85).",
        "  in.csv, row 3, field 'eol_rir': 'x' is not a number. Fix: write a plain number such as 1300 (no thousands separator, unit or %).",
        "  in.csv, row 3, field 'hhi_gs': '2500' is above 10, the top of the EU's 0-10 HHI scale. Fix: divide a 0-10,000 HHI by 1,000.",
        "  in.csv, row 4, field 'material': duplicate key (material=gallium); the same key is on row 2. Fix: keep one row per key.",
    ]


def test_missing_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = tmp_path / "in.csv"
    inputs.write_text("material,hhi_gs,hhi_eu,import_reliance,eol_rir\ngallium,5,3,0.6,0.1\n", encoding="utf-8")
    assert main(["indicators", "eu-sr", "--inputs", str(inputs)]) == 2
    assert (
        "field 'si_sr': the column is missing. Fix: add a column named 'si_sr' to the header row."
        in capsys.readouterr().err
    )


def test_shipped_template_runs_and_is_named_in_the_readme(capsys) -> None:
    root = Path(__file__).parents[1]
    template = root / "critmin" / "data" / "templates" / "eu_sr_inputs.csv"
    assert main(["indicators", "eu-sr", "--inputs", str(template)]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert table.sr.round(6).tolist() == [2.916, 0.8]
    assert "critmin/data/templates/eu_sr_inputs.csv" in (root / "README.md").read_text(encoding="utf-8")


def test_printed_numbers_are_rounded(tmp_path: Path, capsys) -> None:
    inputs = tmp_path / "in.csv"
    # (7 x 0.35 + 3.5 x 0.65) x 0.9 x 0.99 = 4.900... with float noise in the last digits
    inputs.write_text(HEADER + "x,7,3.5,0.7,0.1,0.99,3\n", encoding="utf-8")
    assert main(["indicators", "eu-sr", "--inputs", str(inputs)]) == 0
    row = capsys.readouterr().out.splitlines()[1].split(",")
    assert all(len(cell.replace(".", "").lstrip("0")) <= 7 for cell in row[1:-1]), row
