"""The Scenario page's form: the scenario file it builds, with and without a project (no browser)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import critmin
from critmin.app.views import Session
from critmin.app.views_runs import ScenarioPage
from critmin.scenarios import ExportControl, Project, parse_scenario


@pytest.fixture
def session() -> Iterator[Session]:
    opened = Session(critmin.load(), "packaged")
    yield opened
    opened.close()


def test_form_adds_a_project_of_the_chosen_material_and_stage(session: Session) -> None:
    page = ScenarioPage(session)
    page.material.value, page.stage.value = "ndfeb", "magnet"
    assert len(parse_scenario(page.preview()).events) == 1
    page.project_tonnes.value = 1500
    page.project_country.value = "USA"
    page.project_online.value = 4
    page.project_serves.value = ["USA", "JPN"]
    control, project = parse_scenario(page.preview()).events
    assert isinstance(control, ExportControl)
    assert project == Project("USA", "ndfeb", "magnet", 1500.0, online=4, serves=("USA", "JPN"))


def test_the_response_page_promises_no_run_time_it_cannot_keep(session: Session) -> None:
    from critmin.app.views_response import ResponsePage

    intro = ResponsePage(session).view[0].object
    assert "progress as a percentage" in intro and "seconds" not in intro
