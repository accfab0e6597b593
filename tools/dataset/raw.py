"""The sourced raw tables of ``data-raw/``, read once."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .common import RAW


@dataclass
class Raw:
    prod: pd.DataFrame
    mi: pd.DataFrame
    demand: pd.DataFrame
    trade: pd.DataFrame
    prices: pd.DataFrame
    stock: pd.DataFrame
    controls: pd.DataFrame
    params: pd.DataFrame
    projects: pd.DataFrame
    extra: pd.DataFrame
    response: pd.DataFrame


def load_raw() -> Raw:
    """Every raw table of data-raw/ the builder reads."""
    r = {
        k: pd.read_csv(RAW / f"{k}.csv")
        for k in (
            "production_by_stage",
            "material_intensity",
            "demand",
            "trade_flows",
            "prices",
            "stockpiles",
            "export_controls",
            "market_parameters",
            "projects",
            "additional_sources",
            "response_options",
        )
    }
    return Raw(
        r["production_by_stage"],
        r["material_intensity"],
        r["demand"],
        r["trade_flows"],
        r["prices"],
        r["stockpiles"],
        r["export_controls"],
        r["market_parameters"],
        r["projects"],
        r["additional_sources"],
        r["response_options"],
    )
