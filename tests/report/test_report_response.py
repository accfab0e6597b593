"""`critmin report --response FOLDER`: the briefing gives the optimiser's recommendation on page 1."""

from __future__ import annotations

import pytest

from critmin.cli import main
from critmin.optimise.results import write_results

from .conftest import CHAIN_PACKAGE


@pytest.fixture
def response_folder(tmp_path, response):
    folder = tmp_path / "response"
    write_results(response["portfolio"], folder)
    response["frontier"].to_netcdf(folder / "frontier.nc", engine="h5netcdf")
    (folder / "out_of_sample.csv").write_text(
        "metric,value\nloss_avoided_usd,4000000\nexpected_loss_without_usd,10000000\n"
        "in_sample_loss_avoided_usd,5000000\ncvar_without_usd,20000000\ncvar_with_usd,12000000\n",
        encoding="utf-8",
    )
    return folder


def test_report_takes_the_optimisers_folder(tmp_path, response_folder, capsys):
    out = tmp_path / "report"
    assert main(["report", "--data", str(CHAIN_PACKAGE), "--response", str(response_folder), "--out", str(out)]) == 0
    html = (out / "briefing.html").read_text(encoding="utf-8")
    summary = html.split('<section class="summary"', 1)[1].split("</section>", 1)[0]
    assert "run the optimiser first" not in summary
    assert '<h2>Recommended portfolio and what it buys</h2>\n    <ul class="points"><li>Budget' in summary
    assert "USD 5.0 m</b> avoided" in summary  # the tiny instance: USD 10 m loss falls to USD 5 m
    assert "Tested on fresh simulated draws" in html


def test_report_names_a_folder_without_the_optimisers_results(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["report", "--response", str(empty), "--out", str(tmp_path / "report")]) == 2
    err = capsys.readouterr().err
    assert f"{empty}/portfolio.nc, field '--response': the optimiser's results are not there. " in err
    assert f"Fix: run `critmin optimise --out {empty}` first, or give the folder it wrote." in err
    assert not (tmp_path / "report").exists()
