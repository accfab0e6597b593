"""The shock simulator's behavioural parameters: one table, with defaults, ranges and sources.

The dataset's ``parameter`` variable (dims ``parameter``, ``material``, with ``parameter_low`` and
``parameter_high``) is read by the name in the ``dataset_name`` column. Where the dataset has no
value the default below is used, and the parameter is marked ``"assumption"`` in the table and in
the ``attrs`` of every result. The engine uses one scalar per parameter for all materials: the
dataset row for material ``"all"`` if present, else the first material with a value (named in the
provenance).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

import numpy as np
import xarray as xr

DAYS_PER_MONTH: Final = 365.25 / 12


@dataclass(frozen=True)
class Parameter:
    """One behavioural parameter of the simulator.

    Attributes
    ----------
    name : str
        Name used in scenarios (``[parameters]``, ``[uncertain]``) and in results attrs.
    default, low, high : float
        Default value and plausible range, in ``unit``.
    unit : str
        Unit of the value as the engine uses it.
    dataset_name : str
        Name of the row in the dataset's ``parameter`` variable.
    source : str
        Where the default comes from, or ``"assumption"`` with the reason.
    """

    name: str
    default: float
    low: float
    high: float
    unit: str
    dataset_name: str
    source: str


def _p(name: str, default: float, low: float, high: float, unit: str, source: str) -> Parameter:
    return Parameter(name, default, low, high, unit, name, source)


PARAMETERS: Final = MappingProxyType(
    {
        p.name: p
        for p in (
            _p("frontload_factor", 2.6, 2.0, 2.7, "x normal orders",
               "DOMAIN 4.1: exports in the month before the effective date ~2-2.6x normal "
               "(Ga/Ge 2023, graphite 2023: 17 kt -> 45 kt)"),
            _p("licensing_delay_months", 2.0, 1.0, 3.0, "month",
               "DOMAIN 4.1: ~45 working days per licence; first Ga/Ge licences ~7 weeks after "
               "the effective date, graphite ~3-4 weeks (rawmaterials.net; Fastmarkets)"),
            _p("leakage", 0.05, 0.0, 0.3, "share of controlled flow",
               "DOMAIN 4.1: first-month drop >=90% bounds leakage near 0.05-0.1; smuggling "
               "estimates 15-30% give the high end (ReactionSearch; Cato, secondary)"),
            _p("ramp_up_rate", 0.04, 0.02, 0.06, "share of world market per year",
               "Sprecher et al. 2017, ES&T 51(7):3860: non-dominant supply ramped at 4%/yr"),
            _p("new_capacity_lead_months", 72.0, 36.0, 84.0, "month",
               "Keilhacker & Minner 2017: ~6 years for new non-China capacity; magnet plant "
               "~3 years (Adamas); mine start-up up to ~7 years (Argonne GCMat)"),
            _p("user_cover_days", 21.0, 14.0, 28.0, "day",
               "assumption: users hold 2-4 weeks under just-in-time (blog, secondary; DOMAIN "
               "2.3); used where inventory_cover has no value"),
            _p("rebuild_months", 3.0, 1.0, 6.0, "month",
               "assumption: users close a gap to their target cover over about a quarter; "
               "calibrated on the Dec 2010 rebound of Japan's imports"),
            _p("min_operating_level", 0.5, 0.3, 0.8, "share of need",
               "assumption: a sector stops in a month when it can get less than half of what "
               "it needs; no published figure"),
            _p("price_lag_months", 3.0, 2.0, 4.0, "month",
               "MINING.COM (DOMAIN 4.1): prices barely moved at the 2010 cut, rose ~3 months later"),
            _p("price_flexibility", 3.0, 1.5, 6.0, "1",
               "assumption: outside price ratio = cover ratio ** -flexibility, calibrated to "
               "Rotterdam Ga +100-114% within 5-6 months of Aug 2023 (Fastmarkets)"),
            _p("inside_price_flexibility", 0.3, 0.0, 1.0, "1",
               "assumption: calibrated to China's domestic Ga price -9% in Aug 2023 (Fastmarkets)"),
            _p("price_cap_ratio", 30.0, 10.0, 30.0, "1",
               "DOMAIN 4.2: Dy oxide rose 26-fold 2009-2011; the ratio is clipped here"),
            _p("substitution_max_rate", 0.10, 0.05, 0.10, "share of demand per year",
               "Sprecher et al. 2017: substitution reached up to 10% of REE demand per year"),
            _p("substitution_cap", 0.30, 0.15, 0.30, "share of demand",
               "IBTimes (secondary): METI programme aimed at ~30% less Dy within two years"),
            _p("substitution_sensitivity", 0.25, 0.1, 0.5, "share per unit log price ratio",
               "assumption: desired thrifting = sensitivity * ln(price ratio), up to the cap"),
            _p("substitution_lag_months", 6.0, 3.0, 12.0, "month",
               "assumption: thrifting starts half a year after the price signal (Honda 2012)"),
            _p("capacity_utilisation", 0.8, 0.6, 0.95, "share",
               "assumption: capacity = production / utilisation where capacity is missing"),
            _p("stockpile_trigger_days", 30.0, 14.0, 60.0, "day",
               "assumption: release when users' cover falls below a month (policy may override)"),
            _p("stockpile_release_rate", 0.25, 0.1, 1.0, "share of initial stock per month",
               "assumption: KOMIR releases within 8-30 days (DOMAIN 5.1); rate not published"),
        )
    }
)
"""Every parameter of the engine, by name."""

INTEGER_PARAMETERS: Final = frozenset({"price_lag_months", "substitution_lag_months"})
"""Parameters the engine rounds to whole months."""


def _dataset_value(dataset: xr.Dataset | None, name: str) -> tuple[float, str] | None:
    """Scalar value of `name` in the dataset's ``parameter`` variable, with where it came from."""
    if dataset is None or "parameter" not in dataset.data_vars:
        return None
    table = dataset["parameter"]
    if name not in table.indexes.get("parameter", ()):
        return None
    row = table.sel(parameter=name)
    if "material" not in row.dims:
        value = float(row)
        return (value, f"dataset parameter {name!r}") if np.isfinite(value) else None
    materials = list(row["material"].values)
    order = (["all"] if "all" in materials else []) + [m for m in materials if m != "all"]
    for material in order:
        value = float(row.sel(material=material))
        if np.isfinite(value):
            return value, f"dataset parameter {name!r}, material {material!r}"
    return None


def resolve_parameters(
    dataset: xr.Dataset | None, overrides: Mapping[str, float] | None = None
) -> tuple[dict[str, float], dict[str, str]]:
    """Value and provenance of every parameter: scenario override, then dataset, then default.

    Parameters
    ----------
    dataset : xarray.Dataset or None
        The critmin dataset; its ``parameter`` variable is read by ``dataset_name``.
    overrides : mapping of str to float, optional
        Fixed values from a scenario's ``[parameters]`` table.

    Returns
    -------
    tuple of (dict, dict)
        Values by name, and for each name ``"scenario"``, ``"dataset ..."`` or ``"assumption"``
        (default used because the dataset lacks it).

    Examples
    --------
    >>> values, provenance = resolve_parameters(None, {"leakage": 0.1})
    >>> values["leakage"], provenance["leakage"], provenance["ramp_up_rate"]
    (0.1, 'scenario', 'assumption')
    """
    overrides = dict(overrides or {})
    values: dict[str, float] = {}
    provenance: dict[str, str] = {}
    for name, spec in PARAMETERS.items():
        if name in overrides:
            values[name], provenance[name] = float(overrides[name]), "scenario"
            continue
        found = _dataset_value(dataset, spec.dataset_name)
        if found is None:
            values[name], provenance[name] = spec.default, "assumption"
        else:
            values[name], provenance[name] = found
    return values, provenance


def parameter_table() -> str:
    """The parameter table as Markdown (name, default, range, unit, dataset name, source).

    Examples
    --------
    >>> parameter_table().splitlines()[0]
    '| name | default | low | high | unit | dataset name | source |'
    """
    lines = ["| name | default | low | high | unit | dataset name | source |", "|---" * 7 + "|"]
    for p in PARAMETERS.values():
        lines.append(
            f"| {p.name} | {p.default:g} | {p.low:g} | {p.high:g} | {p.unit} | "
            f"{p.dataset_name} | {p.source} |"
        )
    return "\n".join(lines)
