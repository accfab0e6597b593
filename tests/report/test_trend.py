"""Concentration over time: the CLI, the app's Exposure page and the briefing show the same numbers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import critmin
from critmin.app.views import ExposurePage, Session
from critmin.cli import main
from critmin.report.html import render_html
from critmin.report.sources import Citations
from critmin.report.trend import trend_rows, trend_table


@pytest.fixture(scope="module")
def ds():
    return critmin.load()


def test_cli_prints_china_share_per_year(ds, capsys) -> None:
    assert main(["exposure", "--material", "rare_earths", "--over-time"]) == 0
    out = capsys.readouterr().out
    assert "    2018  China  63.2%  top -" in out  # USGS: 120,000 of 190,000 t REO; no country table read
    assert "    2024  China  70.3%  top CHN  70.3%  top-3  89.7%  HHI 0.519" in out


def test_briefing_shows_the_same_series(ds) -> None:
    html = render_html(ds)
    assert "<h2>Concentration over time</h2>" in html
    assert "<td>2018</td><td>63.2%</td><td>\u2013</td>" in html
    assert "<td>2024</td><td>70.3%</td><td>China</td><td>70.3%</td><td>89.7%</td><td>0.52</td>" in html


@pytest.fixture
def session(ds) -> Iterator[Session]:
    s = Session(ds, "packaged")
    yield s
    s.close()


def test_app_exposure_page_shows_the_same_series(ds, session) -> None:
    page = ExposurePage(session)
    page.material.value = "rare_earths"
    assert "<td>2018</td><td>63.2%</td>" in page.trend.object
    assert page.trend.object.count("<tr>") == len(trend_rows(ds, "rare_earths")) + 1


def test_a_material_with_one_year_has_no_trend_table(ds) -> None:
    assert trend_table(trend_rows(ds, "gallium").iloc[0:0], Citations(ds)) == ""
