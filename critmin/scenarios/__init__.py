"""Shock scenarios: TOML files in, frozen dataclasses out (see :mod:`critmin.scenarios.spec`)."""

from critmin.scenarios.spec import (
    LIBRARY,
    DemandSurge,
    Destinations,
    Distribution,
    ExportControl,
    Outage,
    Policy,
    Project,
    Scenario,
    StockpileRelease,
    load_scenario,
    parse_scenario,
)

__all__ = [
    "LIBRARY",
    "DemandSurge",
    "Destinations",
    "Distribution",
    "ExportControl",
    "Outage",
    "Policy",
    "Project",
    "Scenario",
    "StockpileRelease",
    "load_scenario",
    "parse_scenario",
]
