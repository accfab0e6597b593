"""Writing the packaged files: CSV text, the Frictionless ``datapackage.json`` and the README."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from critmin.model.schema import SCHEMA

from .common import VERSION, fmt
from .readme import readme_text

NUMERIC = {"value", "low", "high"}
INTEGER = {"year"}


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """One table as CSV text: numbers with 6 significant digits, integer years, empty cells for missing values."""
    df = df.copy()
    for c in df.columns:
        if c in NUMERIC:
            df[c] = df[c].map(lambda x: "" if x is None or (isinstance(x, float) and np.isnan(x)) else fmt(x))
        elif c in INTEGER and is_int_col(df[c]):
            df[c] = df[c].map(lambda x: str(int(x)))
        else:
            df[c] = df[c].map(lambda x: "" if x is None or (isinstance(x, float) and np.isnan(x)) else str(x))
    df.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def is_int_col(col: pd.Series) -> bool:
    """Whether every value of `col` is an integer."""
    return bool(
        col.map(lambda x: isinstance(x, (int, np.integer)) or (isinstance(x, float) and float(x).is_integer())).all()
    )


RESPONSE_NUMERIC = {
    "purchase_price_usd_per_t",
    "max_purchase_t_per_year",
    "purchase_share_of_world_per_year",
    "holding_cost_share_per_year",
    "holding_cost_low",
    "holding_cost_high",
    "release_lead_months",
    "release_lead_low",
    "release_lead_high",
    "capacity_t_per_year",
    "opex_usd_per_t",
    "lead_time_months",
    "lead_time_low",
    "lead_time_high",
    "p_complete",
    "p_complete_low",
    "p_complete_high",
    "amount_usd",
    "loan_rate",
    "market_rate",
    "default_prob",
    "loss_given_default",
    "tenor_years",
    "equity_expected_loss",
    "offtake_price_usd_per_kg",
    "resale_discount",
    "floor_usd_per_kg",
    "upside_share",
    "cost_usd",
    "p_success",
    "lag_months",
    "intensity_cut",
    "p_success_low",
    "p_success_high",
    "lag_months_low",
    "lag_months_high",
    "intensity_cut_low",
    "intensity_cut_high",
}
"""Numeric columns of the response option tables (already formatted as text by the builder)."""


def field_type(col: str, values: pd.Series) -> str:
    """Frictionless field type of a column."""
    if col in NUMERIC | {"capacity", "capex_usd", "financing_usd", "licence_days"} | RESPONSE_NUMERIC:
        return "number"
    return "integer" if col in INTEGER and is_int_col(values) else "string"


PRIMARY = {
    "alternatives.csv": ["variable", "key", "source_id"],
    "world_totals.csv": ["material", "stage", "year"],
    "price_observations.csv": ["material", "stage", "market", "product", "date"],
    "trade_observations.csv": ["material", "item", "exporter", "importer", "period"],
    "projects.csv": ["project_id"],
    "export_controls.csv": ["event_id"],
    "sources.csv": ["source_id"],
    "response_stockpiles.csv": ["holder", "material"],
    "response_projects.csv": ["project_id"],
    "response_instruments.csv": ["project_id", "instrument"],
    "response_research.csv": ["programme"],
}


def datapackage(out: dict[str, pd.DataFrame], sources: pd.DataFrame) -> dict:
    """The ``datapackage.json`` descriptor of the built tables."""
    res = []
    pk = {spec.file: list(spec.dims) for spec in SCHEMA.values()} | PRIMARY
    for name in sorted(out):
        df = out[name]
        res.append(
            {
                "name": name[:-4].replace("_", "-"),
                "path": name,
                "format": "csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [{"name": c, "type": field_type(c, df[c])} for c in df.columns],
                    "primaryKey": pk[name],
                },
            }
        )
    main = sources[sources["grade"] != "E"].head(0)
    return {
        "name": "critmin-default",
        "title": "critmin default critical-minerals supply-security dataset",
        "version": VERSION,
        "licenses": [
            {
                "name": "CC-BY-4.0",
                "path": "https://creativecommons.org/licenses/by/4.0/",
                "title": "Creative Commons Attribution 4.0",
            }
        ],
        "sources": [
            {"title": "USGS Mineral Commodity Summaries 2026", "path": "https://pubs.usgs.gov/periodicals/mcs2026/"},
            {
                "title": "European Commission, Study on the Critical Raw Materials for the EU 2023",
                "path": "https://github.com/erikemilsson/EU-Critical-Raw-Materials-CRM-Reports-Datasets",
            },
            {"title": "Every other source: see sources.csv", "path": "sources.csv"},
        ]
        + list(main.to_dict("records")),
        "resources": res,
    }


def write_package(out: dict[str, pd.DataFrame], directory: Path) -> None:
    """Every CSV, ``datapackage.json`` and ``README.md`` of the built tables into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, df in out.items():
        write_csv(df, directory / name)
    (directory / "datapackage.json").write_text(
        json.dumps(datapackage(out, out["sources.csv"]), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (directory / "README.md").write_text(readme_text(out), encoding="utf-8")
