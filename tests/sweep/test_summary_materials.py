"""Which materials a case's events name (they choose the value of lost production per tonne)."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

from critmin.scenarios.spec import DemandSurge, Outage, Project, load_scenario
from critmin.sweep.summary import _event_materials


def test_event_materials_reads_each_kind_of_event():
    control = load_scenario("heavy_ree_licensing_2025").events[0]
    outage = Outage("AUS", "lithium", "mining", 0.5, 0, 3.0)
    surge = DemandSurge("JPN", "all", "gallium", 0.2, 0, 2.0)
    project = Project("USA", "germanium", "refining", 20.0, online=3)
    scenario = dataclasses.replace(load_scenario("heavy_ree_licensing_2025"), events=(control, outage, surge, project))
    case = SimpleNamespace(scenario=scenario)
    # a project adds supply: its material must not change how the case's losses are valued,
    # or a policy that backs projects would be scored on a different basis than the status quo
    assert _event_materials(case) == {"dysprosium", "terbium", "ndfeb", "lithium", "gallium"}
