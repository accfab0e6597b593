"""The largest hidden dependence is read on the target's own step, never an ally's dependence on
itself, and every direct-vs-ultimate display says ultimate shares overlap."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

import critmin
from critmin.exposure.summary import largest_hidden
from critmin.report.tables import NOT_EXCLUSIVE


def test_largest_hidden_skips_upstream_rows_and_self_dependence():
    table = pd.DataFrame(
        {
            "importer": ["JPN", "JPN", "AUS", "AUS", "EU27", "EU27"],
            "target": ["ndpr/metal"] * 2 + ["lithium/refining"] * 2 + ["cobalt/refining"] * 2,
            "material": ["ndpr", "ndpr", "lithium", "lithium", "cobalt", "cobalt"],
            "stage": ["separation", "metal", "refining", "refining", "refining", "refining"],
            "origin": ["AUS", "MYS", "AUS", "CHN", "FIN", "COD"],
            "direct": [0.0, 0.0, 0.0, 0.1, 0.0, 0.03],
            "ultimate": [1.0, 0.547, 0.41, 0.3, 0.9, 0.78],
            "hidden": [1.0, 0.547, 0.41, 0.2, 0.9, 0.75],
        }
    )
    top = largest_hidden(table)
    assert top[["importer", "origin"]].values.tolist() == [["JPN", "MYS"], ["AUS", "CHN"], ["EU27", "COD"]]


def test_main_job_reads_japans_ndpr_metal_row(tmp_path, capsys):
    from critmin.pipeline import exposure_section

    exposure_section(critmin.load(), Path(tmp_path))
    out = capsys.readouterr().out
    japan = re.search(r"^  JPN  (\S+)\s+on (\w+): direct\s+([\d.]+)%, ultimate\s+([\d.]+)%", out, re.M)
    assert japan is not None
    assert japan.group(2) != "JPN" and float(japan.group(4)) < 100.0
    assert not re.search(r"^  (\w+)\s+\S+\s+on \1:", out, re.M)  # nobody depends on itself
    assert f"({NOT_EXCLUSIVE}.)" in out


def test_cli_exposure_says_ultimate_shares_overlap(capsys):
    from critmin.cli import main

    assert main(["exposure", "--material", "ndfeb", "--country", "JPN"]) == 0
    assert f"  {NOT_EXCLUSIVE}." in capsys.readouterr().out
