"""Build critmin's packaged default dataset from the sourced raw tables in ``data-raw/``.

Run from the repository root::

    .venv/bin/python tools/build_dataset.py            # writes critmin/data/packaged/
    .venv/bin/python tools/build_dataset.py --out DIR  # writes DIR/ (used by the tests)

Deterministic: rows are sorted by key and floats are written with 6 significant digits in
positional notation, so two runs give the same bytes. Every estimate is computed here and the
same arithmetic, with its numbers, is written into the row's ``note``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from critmin.model.schema import SCHEMA  # noqa: E402
from critmin.vocabulary import EU27_MEMBERS, MATERIAL_STAGES, SECTORS  # noqa: E402

RAW = ROOT / "data-raw"
DEFAULT_OUT = ROOT / "critmin" / "data" / "packaged"
YEAR = 2024
VERSION = "2026.11.0"
REGIONS = ("USA", "JPN", "AUS", "IND", "CAN", "KOR", "EU27", "CHN", "ROW")
IMPORTERS = ("USA", "JPN", "AUS", "IND", "CAN", "KOR", "EU27", "CHN")

# --------------------------------------------------------------------------------------------
# Formatting and small helpers
# --------------------------------------------------------------------------------------------


def fmt(x: float) -> str:
    """Float -> text with 6 significant digits, positional, no trailing zeros."""
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return ""
    if float(x) == 0.0:
        return "0"
    return np.format_float_positional(float(x), precision=6, unique=False, fractional=False, trim="-")


def n(x: float) -> str:
    """Number as written inside notes (same rule as the value columns)."""
    return fmt(x)


COUNTRY = {
    "United States": "USA", "Australia": "AUS", "Brazil": "BRA", "Myanmar": "MMR", "China": "CHN",
    "India": "IND", "Madagascar": "MDG", "Malaysia": "MYS", "Nigeria": "NGA", "Russia": "RUS",
    "Thailand": "THA", "Vietnam": "VNM", "Austria": "AUT", "Canada": "CAN", "Germany": "DEU",
    "North Korea": "PRK", "South Korea": "KOR", "Mexico": "MEX", "Mozambique": "MOZ", "Norway": "NOR",
    "Sri Lanka": "LKA", "Tanzania": "TZA", "Turkey": "TUR", "Ukraine": "UKR", "Bolivia": "BOL",
    "Guatemala": "GTM", "Iran": "IRN", "Kazakhstan": "KAZ", "Kyrgyzstan": "KGZ", "Laos": "LAO",
    "Pakistan": "PAK", "Tajikistan": "TJK", "Portugal": "PRT", "Rwanda": "RWA", "Spain": "ESP",
    "DR Congo": "COD", "Cuba": "CUB", "Indonesia": "IDN", "Papua New Guinea": "PNG",
    "Philippines": "PHL", "Argentina": "ARG", "Chile": "CHL", "Mali": "MLI", "Zimbabwe": "ZWE",
    "New Caledonia": "NCL", "Japan": "JPN", "Belgium": "BEL", "Finland": "FIN", "Italy": "ITA",
    "France": "FRA", "Estonia": "EST", "Zambia": "ZMB", "Taiwan": "TWN", "Netherlands": "NLD",
    "Hungary": "HUN", "European Union": "EU27", "Other": "ROW", "World": "WORLD",
    "Malaysia (Lynas)": "MYS", "United States (MP Materials)": "USA", "Ukraine ": "UKR",
}


def iso(name: str) -> str:
    return COUNTRY[str(name).strip()]


def region_of(code: str) -> str:
    """Demand region of a country code (allies, CHN, EU27 for members, else ROW)."""
    if code in REGIONS:
        return code
    if code in EU27_MEMBERS:
        return "EU27"
    return "ROW"


# --------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------


@dataclass
class Sources:
    """Source records, keyed by id; raw rows are registered by (source, url, grade)."""

    meta: dict[str, tuple[str, str]]  # url -> (publisher, year) from SOURCES_*.md
    records: dict[str, dict[str, str]] = field(default_factory=dict)
    by_raw: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def _slug(self, source: str, url: str) -> str:
        m = re.search(r"mcs(\d{4})/mcs\d{4}-([a-z-]+)\.pdf", url)
        if m:
            return f"usgs-mcs{m.group(1)}-{m.group(2)}"
        if "EU-Critical-Raw-Materials" in url:
            return "eu-crm2023-app7"
        if "doi.org/10.2873/876644" in url:
            return "eu-crm2017-assessment"
        if "westernbalkans-infohub" in url:
            return "eu-crm2023-sr-ei"
        words = re.findall(r"[a-z0-9]+", source.lower())
        stop = {"the", "of", "a", "as", "by", "and", "in", "on", "for", "to", "via", "s", "citing"}
        words = [w for w in words if w not in stop][:5]
        return "-".join(words)[:48].strip("-")

    def raw(self, row: pd.Series) -> str:
        source, url = str(row["source"]), str(row["source_url"])
        grade = "E" if str(row["grade"]).startswith("E") else str(row["grade"])[0]
        key = (source, url, grade)
        if key in self.by_raw:
            return self.by_raw[key]
        base = self._slug(source, url)
        sid = ("raw-est-" + base) if grade == "E" else base
        i, stem = 2, sid
        while sid in self.records and self.records[sid]["url"] != url:
            sid, i = f"{stem}-{i}", i + 1
        publisher, year = self.meta.get(url, ("", ""))
        title = source if grade != "E" else f"Derived from: {source} (arithmetic in the row note)"
        if sid not in self.records:
            self.records[sid] = {"source_id": sid, "title": title, "publisher": publisher,
                                 "year": year, "url": url, "grade": grade, "note": ""}
        self.by_raw[key] = sid
        return sid

    def estimate(self, sid: str, title: str, url: str, note: str) -> str:
        assert sid.startswith("est-"), sid
        self.records[sid] = {"source_id": sid, "title": title, "publisher": "critmin",
                             "year": str(VERSION[:4]), "url": url, "grade": "E", "note": note}
        return sid

    def assumption(self, sid: str, what: str, note: str) -> str:
        assert sid.startswith("asm-"), sid
        self.records[sid] = {"source_id": sid, "title": f"critmin assumption: {what}",
                             "publisher": "critmin", "year": str(VERSION[:4]), "url": "",
                             "grade": "E", "note": note}
        return sid

    def grade(self, sid: str) -> str:
        return self.records[sid]["grade"]


def read_source_meta() -> dict[str, tuple[str, str]]:
    """URL -> (publisher, year) from the source lists in SOURCES_*.md."""
    meta: dict[str, tuple[str, str]] = {}
    pat = re.compile(r"Publisher: (.*?)\. Year: (.*?)\. <(.*?)>")
    for name in ("SOURCES_supply.md", "SOURCES_market.md"):
        for line in (RAW / name).read_text(encoding="utf-8").splitlines():
            m = pat.search(line)
            if m:
                meta.setdefault(m.group(3), (m.group(1), m.group(2)))
    return meta


# --------------------------------------------------------------------------------------------
# Raw inputs
# --------------------------------------------------------------------------------------------


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


def load_raw() -> Raw:
    r = {k: pd.read_csv(RAW / f"{k}.csv") for k in (
        "production_by_stage", "material_intensity", "demand", "trade_flows", "prices",
        "stockpiles", "export_controls", "market_parameters", "projects", "additional_sources")}
    return Raw(r["production_by_stage"], r["material_intensity"], r["demand"], r["trade_flows"],
               r["prices"], r["stockpiles"], r["export_controls"], r["market_parameters"],
               r["projects"], r["additional_sources"])


def pick(df: pd.DataFrame, **eq: object) -> pd.DataFrame:
    """Rows of `df` whose columns equal the given values (strings compare after strip)."""
    mask = pd.Series(True, index=df.index)
    for col, val in eq.items():
        if callable(val):
            mask &= df[col].map(val).astype(bool)
        else:
            mask &= df[col].astype(str).str.strip() == str(val)
    return df[mask]


def one(df: pd.DataFrame, **eq: object) -> pd.Series:
    rows = pick(df, **eq)
    if len(rows) != 1:
        raise ValueError(f"expected one row for {eq}, found {len(rows)}")
    return rows.iloc[0]


# --------------------------------------------------------------------------------------------
# Table accumulator
# --------------------------------------------------------------------------------------------


class Table:
    """Rows of one output file; refuses a second row for the same key."""

    def __init__(self, name: str, columns: list[str], key: list[str]) -> None:
        self.name, self.columns, self.key = name, columns, key
        self.rows: dict[tuple, dict] = {}

    def add(self, **row: object) -> None:
        k = tuple(row[c] for c in self.key)
        if k in self.rows:
            raise ValueError(f"{self.name}: duplicate key {k}")
        self.rows[k] = row

    def has(self, *k: object) -> bool:
        return tuple(k) in self.rows

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(list(self.rows.values()), columns=self.columns)
        return df.sort_values(self.key, kind="mergesort").reset_index(drop=True)


def numeric_table(name: str) -> Table:
    spec = SCHEMA[name]
    if name == "parameter":
        cols = ["parameter", "material", "value", "low", "high", "unit", "source_id", "note"]
    else:
        cols = [*spec.dims, *spec.extra, "value", "unit", "source_id", "note"]
    return Table(spec.file, cols, list(spec.dims))
