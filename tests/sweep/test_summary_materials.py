"""Which materials a case's events name (they choose the value of lost production per tonne)."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

from critmin.scenarios.spec import DemandSurge, Outage, load_scenario
from critmin.sweep.summary import _event_materials


def test_event_materials_reads_each_kind_of_event():
    control = load_scenario("heavy_ree_licensing_2025").events[0]
    outage = Outage("AUS", "lithium", "mining", 0.5, 0, 3.0)
    surge = DemandSurge("JPN", "all", "gallium", 0.2, 0, 2.0)
    scenario = dataclasses.replace(load_scenario("heavy_ree_licensing_2025"), events=(control, outage, surge))
    case = SimpleNamespace(scenario=scenario)
    assert _event_materials(case) == {"dysprosium", "terbium", "ndfeb", "lithium", "gallium"}
