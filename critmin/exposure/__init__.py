"""Exposure indicators: concentration, import reliance, EU supply risk and tier-by-tier dependence.

Every function is pure and works on labelled arrays (dims ``material``, ``stage``, ``country``,
``exporter``, ``importer``, ``year``); missing values are unknown and propagate as NaN.
"""

from __future__ import annotations

from .concentration import hhi, largest_supplier, n_minus_1_coverage, stage_shares, top_k_share
from .dependence import (
    chain_path,
    direct_dependence,
    exposure_any_stage,
    sourcing_matrix,
    ultimate_dependence,
)
from .reliance import import_reliance_eu, net_import_reliance
from .summary import dependence_table, largest_hidden, stage_control_table
from .supply_risk import eu_critical, eu_supply_risk, eu_supply_risk_table, hhi_wgi_t

__all__ = [
    "chain_path",
    "dependence_table",
    "direct_dependence",
    "eu_critical",
    "eu_supply_risk",
    "eu_supply_risk_table",
    "exposure_any_stage",
    "hhi",
    "hhi_wgi_t",
    "import_reliance_eu",
    "largest_hidden",
    "largest_supplier",
    "n_minus_1_coverage",
    "net_import_reliance",
    "sourcing_matrix",
    "stage_control_table",
    "stage_shares",
    "top_k_share",
    "ultimate_dependence",
]
