"""The shock simulator's behavioural parameters: one table, with defaults, ranges and sources.

Each parameter is read from the dataset's ``parameters`` variable (dims ``parameter`` x
``material``, with ``parameters_low``, ``parameters_high`` and ``parameters_unit``) by the row
named in the ``dataset name`` column, converted to the engine's unit (``value * scale``, or
``1 - value`` for ``leakage``, which the dataset stores as the first-month drop). The row's unit
must match ``dataset unit``; otherwise, or where the dataset has no row, the default below is
used and the parameter is marked ``"assumption"`` in every result's ``attrs``. The engine uses
one scalar per parameter for all materials: the row for material ``"all"`` if present, else the
first material with a value (named in the provenance); export controls use per-material values
of ``leakage`` and ``transit_days`` where :mod:`critmin.shock.material_parameters` gives one.

Rows of the dataset that are *not* used, and why:

* ``leakage_share`` (0.32) is how far China's 2010 REE exports exceeded the *quota*; under a
  licensing regime the first month's drop of >= 90 % bounds leakage, so ``first_month_drop``
  is used instead;
* ``price_elasticity_demand`` (short-run, -0.1): the engine's demand response is the
  substitution cut, whose cap and rate come from the REE episode.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

import numpy as np
import xarray as xr

DAYS_PER_MONTH: Final = 365.25 / 12
WORKING_DAYS_PER_MONTH: Final = 21.0


@dataclass(frozen=True)
class Parameter:
    """One behavioural parameter of the simulator.

    Attributes
    ----------
    name : str
        Name used in scenarios (``[parameters]``, ``[uncertain]``) and in results attrs.
    default, low, high : float
        Default value and plausible range, in ``unit`` (used when the dataset has no row).
    unit : str
        Unit of the value as the engine uses it.
    dataset_name : str
        Row of the dataset's ``parameters`` variable, or ``""`` when the dataset has none.
    source : str
        Where the default comes from, or ``"assumption"`` with the reason.
    dataset_unit : str
        Unit the dataset row must have (``parameters_unit``).
    scale : float
        Engine value = dataset value x scale (``-1`` with ``one_minus``: 1 - value).
    one_minus : bool
        The dataset stores the complement (first-month drop for leakage).
    """

    name: str
    default: float
    low: float
    high: float
    unit: str
    dataset_name: str
    source: str
    dataset_unit: str = ""
    scale: float = 1.0
    one_minus: bool = False

    def from_dataset(self, value: float) -> float:
        """Dataset value in the engine's unit.

        Examples
        --------
        >>> PARAMETERS["leakage"].from_dataset(0.75), PARAMETERS["new_capacity_lead_months"].from_dataset(6)
        (0.25, 72.0)
        """
        return 1.0 - value if self.one_minus else value * self.scale


def _p(
    name: str,
    default: float,
    low: float,
    high: float,
    unit: str,
    source: str,
    dataset: tuple[str, str, float] | tuple[str, str, float, bool] = ("", "", 1.0),
) -> Parameter:
    return Parameter(
        name,
        default,
        low,
        high,
        unit,
        dataset[0],
        source,
        dataset[1],
        dataset[2],
        bool(dataset[3]) if len(dataset) > 3 else False,
    )


PARAMETERS: Final = MappingProxyType(
    {
        p.name: p
        for p in (
            _p(
                "frontload_factor",
                2.6,
                2.0,
                2.7,
                "x normal orders",
                "DOMAIN 4.1: exports in the month before the effective date ~2-2.6x normal "
                "(Ga/Ge 2023, graphite 2023: 17 kt -> 45 kt)",
                ("front_loading_multiple", "1", 1.0),
            ),
            _p(
                "licensing_delay_months",
                2.0,
                1.0,
                3.0,
                "month",
                "DOMAIN 4.1: ~45 working days per licence (/21 working days per month); first "
                "Ga/Ge licences ~7 weeks after the effective date, graphite ~3-4 weeks",
                ("licence_processing_time_statutory_expected_working_days", "day", 1.0 / WORKING_DAYS_PER_MONTH),
            ),
            _p(
                "rush_lead_days",
                10.0,
                0.0,
                21.0,
                "day",
                "an order placed on the announcement day is exported only after order confirmation "
                "(3-5 business days) and export documents (5-10 days) "
                "(https://aidematerial.com/it/what-is-the-lead-time-for-hpmc-exports-from-china); goods "
                "sold from stock skip production, so ~10 days: the front-loading rush starts this long "
                "after the announcement",
            ),
            _p(
                "transit_days",
                21.0,
                3.0,
                45.0,
                "day",
                "sea freight port-to-port from Chinese ports: 3-5 days to Southeast Asia, 13-18 to Los "
                "Angeles (https://www.zcytsc.com/sea-freight-from-china-to-the-us/), 28-35 to Rotterdam "
                "(https://en-test.56ok.com/topic/detail-593856-global-ocean-freight-transit-times-key-insights.html); "
                "goods declared before a control's effective day arrive this long after it",
            ),
            _p(
                "processing_days_median",
                45.0,
                21.0,
                120.0,
                "calendar day",
                "DOMAIN 4.1: legal limit 45 working days (~63 calendar days) per licence; first Ga/Ge "
                "licences ~49 days and graphite licences ~21-28 days after the effective date; "
                "to 120: Sb licences 'typically two to three months' (https://metalswire.net/news-of-the-"
                "week/chinas-antimony-exports-surge-in-august-ahead-of-new-export-limits), REE 'six or seven "
                "weeks to several months' (https://corkroo.com/thread/13483)",
            ),
            _p(
                "processing_days_dispersion",
                0.3,
                0.0,
                0.6,
                "sd of log days",
                "assumption: lognormal processing time; 0.3 puts the 5th percentile at ~28 days (first "
                "graphite licences) and the 90th at ~66 days (just past the 63-day legal limit)",
            ),
            _p(
                "approval_probability",
                1.0,
                0.2,
                1.0,
                "share of applications",
                "assumption: applications for civilian end users are granted; Ga exports in 2024 ended "
                "55% above 2023 (rohstoff.net, DOMAIN 4.2), so refusals were not the binding limit; "
                "range from 0.2: fewer than a quarter of ~140 rare-earth licence applications the EU "
                "Chamber followed were approved by Sep 2025 (https://miamidaily.life/world/chinas-rare-"
                "earth-curbs-how-european-firms-face-shutdowns-despite-eu-deal)",
            ),
            _p(
                "leakage",
                0.05,
                0.0,
                0.3,
                "share of controlled flow",
                "DOMAIN 4.1: 1 - first-month drop (graphite Dec 2023 -91 %, Ga/Ge Aug 2023 -100 %)",
                ("first_month_drop", "1", -1.0, True),
            ),
            _p(
                "ramp_up_rate",
                0.04,
                0.02,
                0.06,
                "share of world market per year",
                "Sprecher et al. 2017, ES&T 51(7):3860: non-dominant supply ramped at 4%/yr",
                ("non_dominant_supply_ramp_up_rate", "1/year", 1.0),
            ),
            _p(
                "new_capacity_lead_months",
                72.0,
                36.0,
                84.0,
                "month",
                "Keilhacker & Minner 2017: ~6 years for new non-China capacity; magnet plant "
                "~3 years (Adamas); mine start-up up to ~7 years (Argonne GCMat)",
                ("lead_time_new_non_china_ree_capacity", "year", 12.0),
            ),
            _p(
                "user_cover_days",
                21.0,
                14.0,
                28.0,
                "day",
                "users hold 2-4 weeks under just-in-time (blog, secondary; DOMAIN 2.3); used "
                "where inventory_cover has no value",
                ("user_inventory_cover_auto_industry_critical_components", "week", 7.0),
            ),
            _p(
                "lift_release_days",
                30.0,
                10.0,
                60.0,
                "day",
                "assumption: held cargo ships over about a month after a lift; 2010 cargo stuck at Chinese "
                "ports (https://www.washingtontimes.com/news/2010/sep/29/traders-china-resumes-rare-earth-"
                "exports-to-japan/) loaded again from 19 Nov (critmin.shock.licensing)",
            ),
            _p(
                "rebuild_months",
                3.0,
                1.0,
                6.0,
                "month",
                "assumption: users close a gap to their target cover over about a quarter; "
                "calibrated on the Dec 2010 rebound of Japan's imports",
            ),
            _p(
                "min_operating_level",
                0.5,
                0.3,
                0.8,
                "share of need",
                "assumption: a sector stops in a month when it can get less than this share of what it needs",
                ("min_operating_level_all", "1", 1.0),
            ),
            _p(
                "firm_cover_spread",
                0.6,
                0.3,
                0.9,
                "share of mean cover",
                "Firms' own cover is spread evenly over (1 -/+ spread) x the node's cover days, "
                "four equal classes (firms.py). After China's 4 Apr 2025 magnet licensing, Ford's "
                "Chicago plant (Explorer) stopped a week in May "
                "(https://www.cbtnews.com/ford-faces-production-setbacks-amid-rare-earth-magnet-shortage/), "
                "several European suppliers' lines by 4 Jun with more expected within 3-4 weeks as "
                "inventories deplete (CLEPA: https://collisionweek.com/2025/06/05/european-auto-"
                "suppliers-association-says-supply-chains-already-impacted-china-rare-earth-export-"
                "restrictions/): first stops at ~1.5-2 months, others beyond 3 months; the spread is "
                "an assumption within that evidence",
            ),
            _p(
                "sole_sourcing",
                0.7,
                0.4,
                1.0,
                "share",
                "assumption: how far firms' purchases are tied to one origin group (the "
                "controller, or everyone else) rather than spread like the country's mix; "
                "1 = every firm single-sourced, 0 = every firm buys the national mix "
                "(Chinese magnets reach most EU/US automakers through tier-1/2 suppliers that "
                "buy mainly from one origin; CLEPA/JAMA statements, 2025)",
            ),
            _p(
                "price_outlook_months",
                6.0,
                3.0,
                12.0,
                "month",
                "assumption: buyers price an announced control by the supply they expect over "
                "about half a year; Fastmarkets Ga rose 15 % to USD 326/kg in the week of the "
                "3 Jul 2023 announcement, before any cut (https://businesstelegraph.co.uk/gallium-"
                "prices-jump-as-buyers-lock-in-supply-before-china-export-controls)",
            ),
            _p(
                "price_lag_months",
                3.0,
                2.0,
                4.0,
                "month",
                "MINING.COM (DOMAIN 4.1): prices barely moved at the 2010 cut, rose ~3 months later",
                ("price_response_lag_after_physical_cut_off", "month", 1.0),
            ),
            _p(
                "price_flexibility",
                1.0,
                0.5,
                2.0,
                "1",
                "elasticity of the outside price to the cover ratio near baseline (prices.py: "
                "bounded form); dataset stores d(price)/price per d(cover)/cover = -1",
                ("price_response_to_cover", "1", -1.0),
            ),
            _p(
                "inside_price_flexibility",
                0.3,
                0.0,
                1.0,
                "1",
                "assumption: calibrated to China's domestic Ga price -9% in Aug 2023 (Fastmarkets)",
            ),
            _p(
                "price_cap_ratio",
                30.0,
                10.0,
                30.0,
                "1",
                "assumption: saturation level of the price ratio; Dy oxide rose 26-fold 2009-2011 (DOMAIN 4.2)",
            ),
            _p(
                "substitution_max_rate",
                0.10,
                0.05,
                0.10,
                "share of demand per year",
                "Sprecher et al. 2017: substitution reached up to 10% of REE demand per year",
                ("substitution_response_rate_max", "1/year", 1.0),
            ),
            _p(
                "substitution_cap",
                0.30,
                0.15,
                0.30,
                "share of demand",
                "IBTimes (secondary): METI programme aimed at ~30% less Dy within two years",
                ("demand_thrifting_achievable_within_2_years", "1", 1.0),
            ),
            _p(
                "substitution_sensitivity",
                0.25,
                0.1,
                0.5,
                "share per unit log price ratio",
                "assumption: desired thrifting = sensitivity * ln(price ratio), up to the cap",
            ),
            _p(
                "substitution_lag_months",
                6.0,
                3.0,
                12.0,
                "month",
                "assumption: thrifting starts half a year after the price signal (Honda 2012)",
            ),
            _p(
                "capacity_utilisation",
                0.8,
                0.6,
                0.95,
                "share",
                "assumption: capacity = production / utilisation where capacity is missing",
            ),
            _p(
                "producer_stock_months",
                1.0,
                0.5,
                2.0,
                "month of baseline output",
                "assumption: producers' and traders' stocks that front-loaded (or surging) "
                "orders can draw on beyond capacity; the graphite rush of Nov 2023 (2.6x normal "
                "exports) exceeded China's spare capacity",
            ),
            _p(
                "stockpile_trigger_days",
                30.0,
                14.0,
                60.0,
                "day",
                "assumption: release when users' cover falls below a month (policy may override)",
            ),
            _p(
                "stockpile_release_rate",
                0.25,
                0.1,
                1.0,
                "share of initial stock per month",
                "assumption: KOMIR releases within 8-30 days (DOMAIN 5.1); rate not published",
            ),
        )
    }
)
"""Every parameter of the engine, by name."""

INTEGER_PARAMETERS: Final = frozenset(
    {"price_lag_months", "substitution_lag_months", "price_outlook_months", "transit_days", "rush_lead_days"}
)
"""Parameters the engine rounds to whole months (or days for ``transit_days`` and ``rush_lead_days``)."""


def _dataset_value(dataset: xr.Dataset | None, spec: Parameter) -> tuple[float, str] | None:
    """Value of `spec` from the dataset's ``parameters`` variable (engine unit), with its origin."""
    name = spec.dataset_name
    if dataset is None or not name or "parameters" not in dataset.data_vars:
        return None
    table = dataset["parameters"]
    if name not in table.indexes.get("parameter", ()):
        return None
    row = table.sel(parameter=name)
    units = dataset["parameters_unit"].sel(parameter=name) if "parameters_unit" in dataset else None
    materials = [str(m) for m in row["material"].values] if "material" in row.dims else [None]
    order = (["all"] if "all" in materials else []) + [m for m in materials if m != "all"]
    for material in order:
        at = {} if material is None else {"material": material}
        value = float(row.sel(at))
        if not np.isfinite(value):
            continue
        unit = str(units.sel(at).item()) if units is not None else spec.dataset_unit
        if spec.dataset_unit and unit != spec.dataset_unit:
            return None
        where = f"dataset parameter {name!r}" + (f", material {material!r}" if material else "")
        return spec.from_dataset(value), where
    return None


def resolve_parameters(
    dataset: xr.Dataset | None, overrides: Mapping[str, float] | None = None
) -> tuple[dict[str, float], dict[str, str]]:
    """Value and provenance of every parameter: scenario override, then dataset, then default.

    Parameters
    ----------
    dataset : xarray.Dataset or None
        The critmin dataset; its ``parameters`` variable is read by ``dataset_name``.
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
        found = _dataset_value(dataset, spec)
        if found is None:
            values[name], provenance[name] = spec.default, "assumption"
        else:
            values[name], provenance[name] = found
    return values, provenance


def parameter_table(dataset: xr.Dataset | None = None) -> str:
    """The parameter table as Markdown; with a dataset, also the value used and its origin.

    Examples
    --------
    >>> parameter_table().splitlines()[0]
    '| name | default | low | high | unit | dataset row (unit, conversion) | source |'
    """
    values, provenance = resolve_parameters(dataset)
    head = ["name", "default", "low", "high", "unit", "dataset row (unit, conversion)", "source"]
    if dataset is not None:
        head[1:1] = ["value used", "from"]
    lines = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    for p in PARAMETERS.values():
        conversion = "1 - x" if p.one_minus else (f"x * {p.scale:g}" if p.scale != 1 else "x")
        row = f"{p.dataset_name} ({p.dataset_unit}, {conversion})" if p.dataset_name else "-"
        cells = [p.name, f"{p.default:g}", f"{p.low:g}", f"{p.high:g}", p.unit, row, p.source]
        if dataset is not None:
            cells[1:1] = [f"{values[p.name]:.4g}", provenance[p.name]]
        lines.append("| " + " | ".join(cells) + " |")
    from critmin.shock.material_parameters import MATERIAL_VALUES  # it builds on this module's table

    for name, by_material in MATERIAL_VALUES.items():
        for material, v in by_material.items():
            cells = [f"{name} ({material})", f"{v.value:g}", f"{v.low:g}", f"{v.high:g}", PARAMETERS[name].unit]
            cells += ["-", v.source]
            if dataset is not None:
                cells[1:1] = [f"{v.value:.4g}", "material value"]
            lines.append("| " + " | ".join(cells) + " |")
    if dataset is not None:
        from critmin.shock.sector_levels import SECTOR_LEVEL_ROW, _dataset_bound, _dataset_sectors, sector_levels

        level = values["min_operating_level"]
        by_sector, origin = sector_levels(dataset, _dataset_sectors(dataset), level, provenance["min_operating_level"])
        p = PARAMETERS["min_operating_level"]
        for key, value in by_sector.items():
            name = f"{SECTOR_LEVEL_ROW}{key[len(p.name) + 1 : -1]}"
            low, high = (
                _dataset_bound(dataset, name, end, fallback) for end, fallback in (("low", p.low), ("high", p.high))
            )
            cells = [
                key,
                f"{value:.4g}",
                origin[key],
                f"{p.default:g}",
                f"{low:g}",
                f"{high:g}",
                p.unit,
                f"{name} (1, x)",
            ]
            lines.append("| " + " | ".join([*cells, "sector's own row, else min_operating_level"]) + " |")
    return "\n".join(lines)
