"""Shared vocabulary of the builder: paths, year, regions, number formatting, country codes, row lookups, tables."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from critmin.model.schema import SCHEMA
from critmin.vocabulary import EU27_MEMBERS, MATERIAL_STAGES

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "data-raw"
DEFAULT_OUT = ROOT / "critmin" / "data" / "packaged"
YEAR = 2024
VERSION = "2026.11.0"
REGIONS = ("USA", "JPN", "AUS", "IND", "CAN", "KOR", "EU27", "CHN", "ROW")
IMPORTERS = ("USA", "JPN", "AUS", "IND", "CAN", "KOR", "EU27", "CHN")
LAST = {m: list(st)[-1] for m, st in MATERIAL_STAGES.items()}
"""Last stage of each material: where its final use (demand) is counted."""


@dataclass(frozen=True)
class Assumed:
    """An estimation constant without a sourced value: central value, range and the record that states it.

    >>> Assumed(0.2, 0.15, 0.25, "asm-ndpr-share-of-treo").value
    0.2
    """

    value: float
    low: float
    high: float
    source_id: str


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
    "United States": "USA",
    "Australia": "AUS",
    "Brazil": "BRA",
    "Myanmar": "MMR",
    "China": "CHN",
    "India": "IND",
    "Madagascar": "MDG",
    "Malaysia": "MYS",
    "Nigeria": "NGA",
    "Russia": "RUS",
    "Thailand": "THA",
    "Vietnam": "VNM",
    "Austria": "AUT",
    "Canada": "CAN",
    "Germany": "DEU",
    "North Korea": "PRK",
    "South Korea": "KOR",
    "Mexico": "MEX",
    "Mozambique": "MOZ",
    "Norway": "NOR",
    "Sri Lanka": "LKA",
    "Tanzania": "TZA",
    "Turkey": "TUR",
    "Ukraine": "UKR",
    "Bolivia": "BOL",
    "Guatemala": "GTM",
    "Iran": "IRN",
    "Kazakhstan": "KAZ",
    "Kyrgyzstan": "KGZ",
    "Laos": "LAO",
    "Pakistan": "PAK",
    "Tajikistan": "TJK",
    "Portugal": "PRT",
    "Rwanda": "RWA",
    "Spain": "ESP",
    "DR Congo": "COD",
    "Cuba": "CUB",
    "Indonesia": "IDN",
    "Papua New Guinea": "PNG",
    "Philippines": "PHL",
    "Argentina": "ARG",
    "Chile": "CHL",
    "Mali": "MLI",
    "Zimbabwe": "ZWE",
    "New Caledonia": "NCL",
    "Japan": "JPN",
    "Belgium": "BEL",
    "Finland": "FIN",
    "Italy": "ITA",
    "France": "FRA",
    "Estonia": "EST",
    "Zambia": "ZMB",
    "Taiwan": "TWN",
    "Netherlands": "NLD",
    "Hungary": "HUN",
    "Greenland": "GRL",
    "South Africa": "ZAF",
    "Canada ": "CAN",
    "European Union": "EU27",
    "Other": "ROW",
    "World": "WORLD",
    "Malaysia (Lynas)": "MYS",
    "United States (MP Materials)": "USA",
    "Ukraine ": "UKR",
}


def clip(text: object, limit: int) -> str:
    """`text` in at most `limit` characters, cut at a word and marked "..." when cut.

    Notes are shortened to keep the packaged tables small; a note cut mid-word ("estimat") reads
    as a defect, so the cut falls between words (the full note stays in data-raw).

    >>> clip("estimated from the 2023 report", 20)
    'estimated from...'
    >>> clip("short", 20)
    'short'
    """
    words = str(text)
    if len(words) <= limit:
        return words
    head = words[: limit - 3]
    cut = head.rfind(" ")
    return (head[:cut] if cut > 0 else head).rstrip(" ,;:(") + "..."


def iso(name: str) -> str:
    """ISO3 code (or EU27, ROW, WORLD) of a country name as data-raw spells it."""
    return COUNTRY[str(name).strip()]


def region_of(code: str) -> str:
    """Demand region of a country code (allies, CHN, EU27 for members, else ROW)."""
    if code in REGIONS:
        return code
    if code in EU27_MEMBERS:
        return "EU27"
    return "ROW"


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
    """The single row of `df` matching `eq`; an error naming the selection if there are none or several."""
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
    """Empty output table of a schema variable, with its value, unit, source and note columns."""
    spec = SCHEMA[name]
    if name == "parameters":
        cols = ["parameter", "material", "value", "low", "high", "unit", "source_id", "note"]
    else:
        cols = [*spec.dims, *spec.extra, "value", "unit", "source_id", "note"]
    return Table(spec.file, cols, list(spec.dims))
