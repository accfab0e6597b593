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
from critmin.vocabulary import EU27_MEMBERS, MATERIAL_STAGES, SECTORS, STAGES  # noqa: E402

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
    "European Union": "EU27",
    "Other": "ROW",
    "World": "WORLD",
    "Malaysia (Lynas)": "MYS",
    "United States (MP Materials)": "USA",
    "Ukraine ": "UKR",
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
        publisher, year = self.meta.get(url) or _publisher_and_year(source, url)
        title = source if grade != "E" else f"Derived from: {source} (arithmetic in the row note)"
        if sid not in self.records:
            self.records[sid] = {
                "source_id": sid,
                "title": title,
                "publisher": publisher,
                "year": year,
                "url": url,
                "grade": grade,
                "note": "",
            }
        self.by_raw[key] = sid
        return sid

    def estimate(self, sid: str, title: str, url: str, note: str) -> str:
        assert sid.startswith("est-"), sid
        self.records[sid] = {
            "source_id": sid,
            "title": title,
            "publisher": "critmin",
            "year": str(VERSION[:4]),
            "url": url,
            "grade": "E",
            "note": note,
        }
        return sid

    def assumption(self, sid: str, what: str, note: str) -> str:
        assert sid.startswith("asm-"), sid
        self.records[sid] = {
            "source_id": sid,
            "title": f"critmin assumption: {what}",
            "publisher": "critmin",
            "year": str(VERSION[:4]),
            "url": "",
            "grade": "E",
            "note": note,
        }
        return sid

    def grade(self, sid: str) -> str:
        return self.records[sid]["grade"]


def _publisher_and_year(source: str, url: str) -> tuple[str, str]:
    """For a source missing from SOURCES_*.md: the web host as publisher, the year the title or URL names."""
    host = re.sub(r"^www\d?\.", "", re.sub(r"^[a-z]+://", "", url).split("/")[0])
    found = re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)", f"{source} {url}")
    return host or "unknown", found[0] if found else "n.d."


def read_source_meta() -> dict[str, tuple[str, str]]:
    """URL -> (publisher, year) from the source lists in SOURCES_*.md."""
    meta: dict[str, tuple[str, str]] = {}
    pat = re.compile(r"Publisher: (.*?)\. Year: (.*?)\. <(.*?)>")
    for name in ("SOURCES_supply.md", "SOURCES_market.md"):
        for line in (RAW / name).read_text(encoding="utf-8").splitlines():
            m = pat.search(line)
            if m:
                year = "n.d. (accessed 2026)" if m.group(2) == "current" else m.group(2)
                meta.setdefault(m.group(3), (m.group(1), year))
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
    response: pd.DataFrame


def load_raw() -> Raw:
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
    if name == "parameters":
        cols = ["parameter", "material", "value", "low", "high", "unit", "source_id", "note"]
    else:
        cols = [*spec.dims, *spec.extra, "value", "unit", "source_id", "note"]
    return Table(spec.file, cols, list(spec.dims))


# --------------------------------------------------------------------------------------------
# The builder: one method per output concept
# --------------------------------------------------------------------------------------------

MCS26 = "Mineral Commodity Summaries 2026"
RAW_MAT = {
    "REE (total)": "rare_earths",
    "natural graphite": "graphite_natural",
    "antimony": "antimony",
    "tungsten": "tungsten",
    "cobalt": "cobalt",
    "lithium": "lithium",
    "nickel": "nickel",
}
LAST = {m: list(st)[-1] for m, st in MATERIAL_STAGES.items()}


class Builder:
    def __init__(self) -> None:
        self.raw = load_raw()
        self.src = Sources(read_source_meta())
        self.t = {name: numeric_table(name) for name in SCHEMA}
        self.world: dict[tuple[str, str, int], tuple[float, str, str]] = {}
        self.alt = Table(
            "alternatives.csv",
            ["variable", "key", "value", "unit", "source_id", "why_not_chosen"],
            ["variable", "key", "source_id"],
        )
        self.f: dict[str, tuple[float, str, str]] = {}  # named factors: value, source id, how
        self.links: list[dict] = []

    # ---- helpers -------------------------------------------------------------------------
    def prod(self, m: str, s: str, c: str, y: int, v: float, sid: str, note: str) -> None:
        self.t["production"].add(
            material=m, stage=s, country=c, year=y, value=float(v), unit="t/year", source_id=sid, note=note
        )

    def pv(self, m: str, s: str, y: int = YEAR) -> dict[str, float]:
        """Production of (m, s, y) by country."""
        return {k[2]: r["value"] for k, r in self.t["production"].rows.items() if k[0] == m and k[1] == s and k[3] == y}

    def alternative(self, variable: str, key: str, value: float, unit: str, sid: str, why: str) -> None:
        self.alt.add(variable=variable, key=key, value=float(value), unit=unit, source_id=sid, why_not_chosen=why)

    def mi(self, item_prefix: str) -> pd.Series:
        rows = self.raw.mi[self.raw.mi["item"].str.startswith(item_prefix)]
        assert len(rows) == 1, item_prefix
        return rows.iloc[0]

    # ---- factors -------------------------------------------------------------------------
    def factors(self) -> None:
        """Conversion factors and assumptions used by the estimates, each with a source id."""
        for key, item in {
            "nd": "oxide to metal factor, Nd2O3",
            "pr": "oxide to metal factor, Pr6O11",
            "dy": "oxide to metal factor, Dy2O3",
            "tb": "oxide to metal factor, Tb4O7",
        }.items():
            r = self.mi(item)
            self.f[f"stoich_{key}"] = (float(r["value"]), self.src.raw(r), item)
        r = self.mi("oxide-to-metal conversion loss")
        self.f["loss"] = (float(r["value"]), self.src.raw(r), "oxide-to-metal loss")
        r = self.mi("Pr share of NdPr")
        self.f["pr_share"] = (float(r["value"]), self.src.raw(r), "Pr share of NdPr")
        r = self.mi("lithium carbonate equivalent")
        self.f["lce"] = (float(r["value"]), self.src.raw(r), "t LCE per t Li")
        r = self.mi("tungsten per metric ton unit")
        self.f["mtu"] = (float(r["value"]), self.src.raw(r), "kg W per mtu WO3")
        re_lo = float(self.mi("sintered NdFeB composition: neodymium (incl. Pr substitution) (low)")["value"])
        re_hi_row = self.mi("sintered NdFeB composition: neodymium (incl. Pr substitution) (high)")
        re_hi = float(re_hi_row["value"])
        self.f["re_mid"] = ((re_lo + re_hi) / 2, self.src.raw(re_hi_row), "RE content of sintered NdFeB, midpoint")
        a = self.src.assumption
        self.f["s_ndpr"] = (
            0.20,
            a(
                "asm-ndpr-share-of-treo",
                "NdPr oxide share of world TREO 0.20",
                "World-average NdPr oxide share of mined TREO = 0.20, range 0.15-0.25. The share is deposit-specific "
                "(no world figure in the sources); 0.20 is a central value used to turn world REO into NdPr oxide.",
            ),
            "NdPr share of TREO",
        )
        dy_row = one(self.raw.extra, item="dysprosium mine production")
        w21 = one(self.raw.prod, material="REE (total)", stage="mining", country="World", year="2021")
        s_dy = float(dy_row["value"]) / float(w21["value"])
        self.f["s_dy"] = (
            s_dy,
            self.src.estimate(
                "est-dy-share-of-treo",
                "Dy share of world TREO from 2021 Dy output and world REO",
                dy_row["source_url"],
                f"Dy2O3 share of TREO = Dy produced 2021 {n(dy_row['value'])} t (src {self.src.raw(dy_row)}) / "
                f"world REO 2021 {n(w21['value'])} t (src {self.src.raw(w21)}) = {n(s_dy)}; Dy-metal and Dy2O3 bases treated alike (within the 2% stoichiometric gap).",
            ),
            "Dy share of TREO",
        )
        self.f["s_tb"] = (
            0.002,
            a(
                "asm-tb-share-of-treo",
                "Tb4O7 share of world TREO 0.002",
                "World-average Tb4O7 share of mined TREO = 0.002, range 0.001-0.003; no sourced world figure.",
            ),
            "Tb share of TREO",
        )
        self.f["to_metal"] = (
            0.9,
            a(
                "asm-oxide-to-metal-share",
                "share of separated RE oxide reduced to metal 0.9",
                "Share of separated NdPr, Nd, Pr, Dy and Tb oxide that is reduced to metal (the rest goes to catalysts, glass, "
                "polishing, other compounds) = 0.9, range 0.8-0.95.",
            ),
            "share of oxide reduced to metal",
        )
        dy_gen_lo = float(self.mi("sintered NdFeB composition: dysprosium (low)")["value"])
        dy_gen_hi_row = self.mi("sintered NdFeB composition: dysprosium (high)")
        dy_gen = (dy_gen_lo + float(dy_gen_hi_row["value"])) / 2
        dy_ht_row = self.mi("dysprosium content of high-temperature NdFeB")
        ht = 0.2
        dy_mix = (1 - ht) * dy_gen + ht * float(dy_ht_row["value"])
        self.src.assumption(
            "asm-ndfeb-grade-mix",
            "NdFeB grade mix 80% general / 20% high-temperature",
            "Share of high-temperature (Dy-rich) grades in NdFeB alloy output = 0.2, range 0.1-0.4; general grades "
            "carry the vendor midpoint Dy content, high-temperature grades about 4% Dy.",
        )
        self.f["dy_alloy"] = (
            dy_mix,
            self.src.estimate(
                "est-ndfeb-dy-content",
                "Dy metal per t NdFeB alloy from the grade mix",
                dy_ht_row["source_url"],
                f"Dy per t alloy = 0.8 x general {n(dy_gen)} (vendor 0.006-0.012 midpoint, src {self.src.raw(dy_gen_hi_row)}) "
                f"+ 0.2 x high-temperature {n(dy_ht_row['value'])} (src {self.src.raw(dy_ht_row)}) = {n(dy_mix)}; grade mix asm-ndfeb-grade-mix.",
            ),
            "Dy metal per t alloy",
        )
        self.f["tb_alloy"] = (
            0.002,
            a(
                "asm-ndfeb-tb-content",
                "Tb metal per t NdFeB alloy 0.002",
                "Terbium content of NdFeB alloy (grain-boundary diffusion grades) averaged over output = 0.002 t/t, range 0.0005-0.005.",
            ),
            "Tb metal per t alloy",
        )
        ndpr_alloy = self.f["re_mid"][0] - dy_mix - 0.002
        self.f["ndpr_alloy"] = (
            ndpr_alloy,
            self.src.estimate(
                "est-ndfeb-ndpr-content",
                "NdPr metal per t NdFeB alloy = RE content minus Dy and Tb",
                re_hi_row["source_url"],
                f"NdPr metal per t alloy = RE midpoint {n(self.f['re_mid'][0])} ((0.29+0.325)/2, src {self.f['re_mid'][1]}) "
                f"- Dy {n(dy_mix)} (est-ndfeb-dy-content) - Tb 0.002 (asm-ndfeb-tb-content) = {n(ndpr_alloy)}.",
            ),
            "NdPr metal per t alloy",
        )
        self.f["yield"] = (
            0.75,
            a(
                "asm-magnet-machining-yield",
                "finished magnet per t NdFeB alloy 0.75",
                "Sintered-magnet yield from alloy (pressing, sintering, machining and grinding losses) = 0.75 t magnet per t alloy, range 0.6-0.9; "
                "no sourced figure.",
            ),
            "magnet per t alloy",
        )
        self.f["ga_hp"] = (
            0.95,
            a(
                "asm-gallium-hp-recovery",
                "high-purity gallium recovery 0.95",
                "High-purity gallium refining recovers 0.95 t of 4N-7N gallium per t of primary low-purity gallium, range 0.9-0.99; "
                "new scrap recycled inside refiners is not counted.",
            ),
            "HP Ga recovery",
        )
        self.f["refine_rec"] = (
            1.0,
            a(
                "asm-refining-recovery",
                "refining recovery 1.0 on contained-metal basis",
                "Refined output of Sb, W, Co, Li and Ni equals mine output on a contained-metal basis (recovery 1.0, range 0.85-1.0): "
                "losses are offset by scrap and stock changes; no sourced world refinery totals for 2024.",
            ),
            "refining recovery",
        )
        ex = self.raw.extra
        syn = one(ex, item="synthetic share of anode shipments")
        self.f["nat_share"] = (1 - float(syn["value"]), self.src.raw(syn), "natural share of anode")
        self.f["sph_yield"] = (
            0.30,
            a(
                "asm-spheroidisation-yield",
                "spheroidisation yield 0.30",
                "Spherical graphite per t of flake feed = 0.30 (one industry account puts the spheroidising loss at about 70%; "
                "IM 2012 via Stockhouse, https://stockhouse.com/companies/bullboard?postid=20084273&symbol=v.ngc), range 0.3-0.5. Not used for the chain "
                "since 2026.11: flake per t anode comes from China's 2024 balance (est-anode-flake-intensity), whose implied yield must lie in this range; "
                "0.156 / 0.30 = 0.52 is kept in alternatives.csv.",
            ),
            "spherical per t flake",
        )
        self.f["util"] = (
            0.0,
            a(
                "asm-capacity-utilisation",
                "capacity utilisation by stage",
                "Utilisation used to estimate capacity = production / utilisation: mining 0.85 (0.7-0.95), separation 0.8 (0.6-0.9), "
                "refining 0.8 (0.6-0.9), metal 0.7 (0.5-0.9), alloy 0.65 (0.5-0.8), magnet 0.65 (0.5-0.8).",
            ),
            "utilisation",
        )

    # ---- production ----------------------------------------------------------------------
    def world_total(self, m: str, s: str, y: int, v: float, sid: str, note: str) -> None:
        self.world[(m, s, y)] = (float(v), sid, note)

    def usgs_series(self) -> None:
        """Mine production (and primary gallium) from USGS MCS 2026, 2024 revised and 2025 estimates."""
        p = self.raw.prod
        rows = p[
            p["source"].str.contains(MCS26)
            & (p["stage"] == "mining")
            & p["material"].isin(list(RAW_MAT))
            & p["unit"].str.startswith("t")
            & (p["year"] >= YEAR)
        ]
        rows = pd.concat(
            [rows, p[p["source"].str.contains(MCS26) & (p["material"] == "gallium") & (p["stage"] == "refining")]]
        )
        for (mat, y), g in rows.groupby(["material", "year"]):
            m = RAW_MAT.get(mat, mat)
            s = "refining" if m == "gallium" else "mining"
            named = 0.0
            for _, r in g.iterrows():
                c, sid = iso(r["country"]), self.src.raw(r)
                if c == "WORLD":
                    self.world_total(m, s, int(y), r["value"], sid, "USGS world total (rounded)")
                    continue
                note = "USGS MCS 2026 (2024 revised; 2025 estimate)" + (
                    "; USGS 'Other countries'" if c == "ROW" else ""
                )
                self.prod(m, s, c, int(y), r["value"], sid, note)
                named += float(r["value"])
            w = self.world[(m, s, int(y))]
            if "ROW" not in g["country"].map(iso).values and w[0] - named > 0.005 * w[0]:
                resid = w[0] - named
                sid = self.src.estimate(
                    "est-row-residual",
                    "Rest of world = world total minus listed countries",
                    "https://pubs.usgs.gov/periodicals/mcs2026/",
                    "ROW = world total - sum of listed countries (same source and year).",
                )
                self.prod(
                    m,
                    s,
                    "ROW",
                    int(y),
                    resid,
                    sid,
                    f"ROW = world {n(w[0])} - listed {n(named)} = {n(resid)} (src {w[1]})",
                )

    def ree_trend(self) -> None:
        """REE mine output 2015-2023 (China, USA, world) from earlier editions; ROW = world - China - USA."""
        p = self.raw.prod
        rows = p[
            (p["material"] == "REE (total)") & (p["stage"] == "mining") & (p["unit"] == "t REO") & (p["year"] < YEAR)
        ]
        for y, g in rows.groupby("year"):
            named, world = 0.0, None
            have = set()
            for _, r in g.sort_values("grade").iterrows():
                c, sid = iso(r["country"]), self.src.raw(r)
                if c == "WORLD":
                    world = (float(r["value"]), sid)
                    self.world_total("rare_earths", "mining", int(y), r["value"], sid, "world total as reported")
                    continue
                if c in have:
                    continue
                have.add(c)
                self.prod(
                    "rare_earths", "mining", c, int(y), r["value"], sid, f"{r['source'][:60]}; {str(r['note'])[:80]}"
                )
                named += float(r["value"])
            if world and {"CHN", "USA"} <= have:
                sid = self.src.estimate(
                    "est-row-residual",
                    "Rest of world = world total minus listed countries",
                    "https://pubs.usgs.gov/periodicals/mcs2026/",
                    "ROW = world total - sum of listed countries (same source and year).",
                )
                self.prod(
                    "rare_earths",
                    "mining",
                    "ROW",
                    int(y),
                    world[0] - named,
                    sid,
                    f"ROW = world {n(world[0])} (src {world[1]}) - China and USA {n(named)} = {n(world[0] - named)}",
                )

    def split(self, m: str, s: str, w: float, wsid: str, wnote: str, fixed: dict, shares: dict, sid_est: str) -> None:
        """Country tonnages for (m, s, YEAR): `fixed` tonnages, `shares` x world, ROW = remainder.

        If fixed + share-based tonnages exceed the world total, the share-based countries are scaled
        down so the named countries sum to the world total and no ROW row is written.
        """
        self.world_total(m, s, YEAR, w, wsid, wnote)
        vals = {c: (v, sid, note) for c, (v, sid, note) in fixed.items()}
        share_t = {c: sh * w for c, (sh, _, _) in shares.items()}
        over = sum(v for v, _, _ in vals.values()) + sum(share_t.values()) - w
        scale = 1.0
        if over > 0 and share_t:
            scale = (w - sum(v for v, _, _ in vals.values())) / sum(share_t.values())
        for c, (sh, ssid, snote) in shares.items():
            v = sh * w * scale
            extra = f" x scale {n(scale)} so that listed countries sum to the world total" if scale != 1.0 else ""
            vals[c] = (
                v,
                sid_est,
                f"{c} = share {n(sh)} ({snote}, src {ssid}) x world {n(w)} ({wnote}){extra} = {n(v)}",
            )
        for c, (v, sid, note) in vals.items():
            self.prod(m, s, c, YEAR, v, sid, note)
        rest = w - sum(v for v, _, _ in vals.values())
        if rest > 1e-6 * w:
            self.prod(m, s, "ROW", YEAR, rest, sid_est, f"ROW = world {n(w)} - listed {n(w - rest)} = {n(rest)}")

    def ree_chain_production(self) -> None:
        """NdPr, Nd, Pr, Dy, Tb oxide and metal; NdFeB alloy and magnet (2024)."""
        f, p, src = self.f, self.raw.prod, self.src
        reo_w, reo_sid, _ = self.world[("rare_earths", "mining", YEAR)]
        url = "https://pubs.usgs.gov/periodicals/mcs2026/mcs2026-rare-earths.pdf"
        sid = src.estimate(
            "est-separation-from-shares",
            "Separated oxide output = world REO x element share; countries by sourced shares or tonnages",
            url,
            f"Method: world oxide = world REO (src {reo_sid}) x element share of TREO; country = share x world or sourced tonnage; ROW = remainder. "
            "Inputs: iea-global-critical-minerals-outlook-2024, eu-crm2023-app7, asm-ndpr-share-of-treo, est-dy-share-of-treo, asm-tb-share-of-treo.",
        )
        w_ndpr = reo_w * f["s_ndpr"][0]
        mp = one(p, material="REE (NdPr oxide)", country="United States", year="2024")
        ly = one(p, material="REE (NdPr oxide)", country="Malaysia", year="2023")
        cn = one(p, material="REE (total)", stage="separation", country="China", year="2024")
        self.split(
            "ndpr",
            "separation",
            w_ndpr,
            sid,
            f"world REO {n(reo_w)} x NdPr share {n(f['s_ndpr'][0])}",
            {
                "USA": (float(mp["value"]), src.raw(mp), "MP Materials 2024 NdPr oxide output"),
                "MYS": (
                    float(ly["value"]),
                    sid,
                    f"Lynas Malaysia NdPr oxide {n(ly['value'])} t in FY2023 (src {src.raw(ly)}) used as 2024 value (latest sourced year)",
                ),
            },
            {"CHN": (float(cn["value"]), src.raw(cn), "IEA China share of REE separation 2024")},
            sid,
        )
        nd = self.pv("ndpr", "separation")
        prs = f["pr_share"][0]
        for comp, frac in (("neodymium", 1 - prs), ("praseodymium", prs)):
            for c, v in nd.items():
                self.prod(
                    comp,
                    "separation",
                    c,
                    YEAR,
                    v * frac,
                    sid,
                    f"{comp} oxide = NdPr oxide {n(v)} x {'(1 - Pr share)' if comp == 'neodymium' else 'Pr share'} {n(frac)} (src {f['pr_share'][1]}) = {n(v * frac)}",
                )
            self.world_total(comp, "separation", YEAR, w_ndpr * frac, sid, f"world NdPr oxide {n(w_ndpr)} x {n(frac)}")
        dytb = one(p, material="Dy/Tb", stage="separation", country="China")
        for m, key in (("dysprosium", "s_dy"), ("terbium", "s_tb")):
            w = reo_w * f[key][0]
            self.split(
                m,
                "separation",
                w,
                sid,
                f"world REO {n(reo_w)} x share {n(f[key][0])} (src {f[key][1]})",
                {},
                {"CHN": (float(dytb["value"]), src.raw(dytb), "EU CRM 2023 App. 7 Dy/Tb processing share")},
                sid,
            )
        self.oxide_shipments()
        self.metals()
        self.ndfeb()

    def oxide_shipments(self) -> None:
        """NdPr oxide shipped between separators and metal makers (t NdPr oxide, 2024)."""
        t, src, p = self.raw.trade, self.src, self.raw.prod
        self.oxide_ship: dict[tuple[str, str], tuple[float, str, str]] = {}
        for _, r in pick(t, material="NdPr oxide", importer="China", period="2024").iterrows():
            self.oxide_ship[(iso(r["exporter"]), "CHN")] = (
                float(r["value"]),
                src.raw(r),
                f"{r['exporter']} NdPr shipped to China 2024 per China import data {n(r['value'])} t",
            )
        ly = one(p, material="REE (NdPr oxide)", country="Malaysia", year="2023")
        jare = one(self.raw.projects, project="JARE-Lynas 2023 heavy rare earth investment")
        v = float(ly["value"]) - self.oxide_ship[("MYS", "CHN")][0]
        sid = self.src.estimate(
            "est-lynas-oxide-to-japan",
            "Lynas NdPr oxide not shipped to China goes to Japanese metal makers",
            str(jare["source_url"]),
            "Method: MYS->JPN NdPr oxide = Lynas Malaysia NdPr output - Lynas NdPr shipped to China (China import data); "
            "Japan holds a priority right to Lynas NdPr (JARE 2023) and Lynas sells no metal, so the rest is reduced to metal in Japan.",
        )
        self.oxide_ship[("MYS", "JPN")] = (
            v,
            sid,
            f"MYS->JPN = Lynas NdPr {n(ly['value'])} t (src {src.raw(ly)}) - shipped to China {n(self.oxide_ship[('MYS', 'CHN')][0])} t = {n(v)} "
            f"(JARE priority right, src {src.raw(jare)})",
        )

    def oxide_supply(self, m: str) -> dict[str, float]:
        """Separated oxide available to each country's metal makers: output - shipped + received."""
        sup = dict(self.pv(m, "separation"))
        frac = {"ndpr": 1.0, "neodymium": 1 - self.f["pr_share"][0], "praseodymium": self.f["pr_share"][0]}.get(m)
        if frac is None:
            return sup
        for (e, i), (v, _, _) in self.oxide_ship.items():
            sup[e] = sup.get(e, 0.0) - v * frac
            sup[i] = sup.get(i, 0.0) + v * frac
        return {c: v for c, v in sup.items() if v > 1e-9}

    def metals(self) -> None:
        f, src = self.f, self.src
        loss, lsid = f["loss"][0], f["loss"][1]
        to_m = f["to_metal"][0]
        st_ndpr = (1 - f["pr_share"][0]) * f["stoich_nd"][0] + f["pr_share"][0] * f["stoich_pr"][0]
        f["stoich_ndpr"] = (st_ndpr, f["pr_share"][1], "NdPr stoichiometric metal fraction")
        sid = src.estimate(
            "est-metal-from-oxide",
            "RE metal output = oxide output x share reduced x stoichiometric factor x (1 - loss)",
            "https://www.ciaaw.org/atomic-weights.htm",
            "Method: metal = oxide x asm-oxide-to-metal-share x stoichiometric metal fraction (CIAAW) x (1 - 0.20 loss); "
            "metal made where the oxide is separated, or where shipped NdPr oxide is received (est-lynas-oxide-to-japan; no sourced country tonnage for RE metal).",
        )
        for m, key in (
            ("ndpr", "stoich_ndpr"),
            ("neodymium", "stoich_nd"),
            ("praseodymium", "stoich_pr"),
            ("dysprosium", "stoich_dy"),
            ("terbium", "stoich_tb"),
        ):
            fac = to_m * f[key][0] * (1 - loss)
            ox = self.oxide_supply(m)
            for c, v in ox.items():
                self.prod(
                    m,
                    "metal",
                    c,
                    YEAR,
                    v * fac,
                    sid,
                    f"{m} metal = oxide supply (output - shipped + received) {n(v)} x reduced share {n(to_m)} x metal fraction {n(f[key][0])} (src {f[key][1]}) "
                    f"x (1 - loss {n(loss)}, src {lsid}) = {n(v * fac)}",
                )
            w = self.world[(m, "separation", YEAR)][0]
            self.world_total(m, "metal", YEAR, w * fac, sid, f"world oxide {n(w)} x {n(fac)}")

    def ndfeb(self) -> None:
        f, src, p, d = self.f, self.src, self.raw.prod, self.raw.demand
        wrow = one(d, material="NdFeB magnets", sector="all", year="2024")
        w = float(wrow["value"])
        wsid = src.raw(wrow)
        cn = one(p, material="NdFeB magnets", country="China", year="2025", unit="share")
        jp = one(p, material="NdFeB magnets", stage="alloy", country="Japan")
        sv = one(self.raw.projects, project="Shin-Etsu overseas magnet plants")
        y = f["yield"][0]
        sid = src.estimate(
            "est-ndfeb-production",
            "NdFeB magnet and alloy output from world magnet demand, China share and Japan alloy output",
            str(wrow["source_url"]),
            "Method: world magnets 2024 = implied world NdFeB demand (stock change 0); China = share x world; "
            "Japan = Japan alloy x machining yield; Vietnam = Shin-Etsu capacity x utilisation; ROW = remainder; alloy = magnet / yield.",
        )
        jp_mag = float(jp["value"]) * y
        vn = float(sv["capacity"]) * 0.65
        self.split(
            "ndfeb",
            "magnet",
            w,
            wsid,
            "implied world NdFeB demand 2024 (ACREI NEV 43,018 t / 0.35)",
            {
                "JPN": (
                    jp_mag,
                    sid,
                    f"Japan magnets = Japan NdFeB alloy 2020 {n(jp['value'])} t (src {src.raw(jp)}, latest year) x yield {n(y)} (asm-magnet-machining-yield) = {n(jp_mag)}",
                ),
                "VNM": (
                    vn,
                    sid,
                    f"Vietnam magnets = Shin-Etsu Vietnam capacity {n(sv['capacity'])} t/yr (src {src.raw(sv)}) x utilisation 0.65 (asm-capacity-utilisation) = {n(vn)}",
                ),
            },
            {"CHN": (float(cn["value"]), src.raw(cn), "China share of NdFeB magnets, about 90%")},
            sid,
        )
        mags = self.pv("ndfeb", "magnet")
        walloy = w / y
        self.world_total("ndfeb", "alloy", YEAR, walloy, sid, f"world magnets {n(w)} / yield {n(y)}")
        cn_alloy = mags["CHN"] / y
        self.prod(
            "ndfeb",
            "alloy",
            "CHN",
            YEAR,
            cn_alloy,
            sid,
            f"China alloy = China magnets {n(mags['CHN'])} / yield {n(y)} = {n(cn_alloy)}",
        )
        self.prod(
            "ndfeb",
            "alloy",
            "JPN",
            YEAR,
            float(jp["value"]),
            sid,
            f"Japan NdFeB alloy output 2020 {n(jp['value'])} t (src {src.raw(jp)}) used for 2024 (latest sourced year)",
        )
        rest = walloy - cn_alloy - float(jp["value"])
        self.prod(
            "ndfeb",
            "alloy",
            "ROW",
            YEAR,
            rest,
            sid,
            f"ROW = world alloy {n(walloy)} - China {n(cn_alloy)} - Japan {n(jp['value'])} = {n(rest)}",
        )
        argus = one(p, material="NdFeB magnets", country="China", year="2024")
        self.alternative(
            "production",
            "material=ndfeb;stage=magnet;country=CHN;year=2024",
            argus["value"],
            "t/year",
            src.raw(argus),
            f"Different basis (all NdFeB incl. blanks and recycled feed): 300,000 t of magnets would need about {n(300000 / y * f['ndpr_alloy'][0] / (f['stoich_ndpr'][0] * (1 - f['loss'][0])))} t NdPr oxide, "
            f"more than world mine output supplies at the adopted NdPr share (chain mass balance); China = 0.9 x implied world demand chosen instead.",
        )

    def other_production(self) -> None:
        """Gallium high-purity, germanium, refining of Sb/W/Co/Li/Ni, graphite anode (2024)."""
        f, src, p = self.f, self.src, self.raw.prod
        ga_w = one(self.raw.demand, material="gallium", year="2025", sector="all")
        cn80 = one(p, material="gallium", country="China", year="2022")
        us = pick(self.raw.trade, material="gallium", item="metal", importer="United States")
        sid = src.estimate(
            "est-gallium-hp",
            "High-purity gallium output: world demand proxy, China share, others by US import sourcing",
            str(ga_w["source_url"]),
            "Method: world HP gallium 2024 = world gallium demand 700-750 t (midpoint, 2025) as proxy; China = 0.80 share (CRMA 2022); "
            "the other 0.20 split across Canada, Japan, Germany and ROW in proportion to their shares of US gallium metal imports 2021-24.",
        )
        w = float(ga_w["value"])
        non_cn = {iso(r["exporter"]): float(r["value"]) for _, r in us.iterrows() if r["exporter"] != "China"}
        tot = sum(non_cn.values())
        fixed = {}
        for c, sh in non_cn.items():
            if c == "ROW":
                continue
            v = w * (1 - float(cn80["value"])) * sh / tot
            fixed[c] = (
                v,
                sid,
                f"{c} = world {n(w)} x (1 - China 0.8) x US-import share {n(sh)} / {n(tot)} (src {src.raw(us.iloc[0])}) = {n(v)}",
            )
        self.split(
            "gallium",
            "metal",
            w,
            sid,
            f"world gallium demand midpoint {n(w)} t (src {src.raw(ga_w)}) as 2024 proxy",
            fixed,
            {"CHN": (float(cn80["value"]), src.raw(cn80), "China share of gallium refining 2022, CRMA")},
            sid,
        )
        old = one(p, material="gallium", stage="refining (high-purity)")
        self.alternative(
            "world_total",
            "material=gallium;stage=metal;year=2024",
            old["value"],
            "t/year",
            src.raw(old),
            "Older year (2022) and narrower scope than the 700-750 t world demand; would leave most primary output unused in the chain.",
        )
        # germanium
        ge = one(self.raw.demand, material="germanium", sector="all", year="2017")
        sid = src.estimate(
            "est-germanium-refining",
            "Refined germanium: latest world consumption as output, EU App. 7 country shares",
            str(ge["source_url"]),
            "Method: world refined Ge 2024 = world consumption 2017 (159.7 t, latest sourced total; USGS publishes no world total) "
            "x EU CRM 2023 App. 7 processing shares; ROW = remainder.",
        )
        sh = {
            iso(r["country"]): (float(r["value"]), src.raw(r), "EU CRM 2023 App. 7 share (2016-20 average)")
            for _, r in pick(p, material="germanium", stage="refining", year="2020").iterrows()
        }
        self.split(
            "germanium",
            "refining",
            float(ge["value"]),
            sid,
            f"world Ge consumption 2017 {n(ge['value'])} t (src {src.raw(ge)})",
            {},
            sh,
            sid,
        )
        crma = one(p, material="germanium", country="China", year="2022")
        self.alternative(
            "production",
            "material=germanium;stage=refining;country=CHN;year=2024",
            crma["value"] * float(ge["value"]),
            "t/year",
            src.raw(crma),
            f"CRMA share 0.60 (secondary) x world {n(ge['value'])}; EU App. 7 (transcribed primary table, grade T) preferred over grade S.",
        )
        # refining of mined metals
        rec, rsid = f["refine_rec"][0], f["refine_rec"][1]
        sid = src.estimate(
            "est-refining-from-shares",
            "Refined output = world mine output x recovery x country refining share",
            "https://github.com/erikemilsson/EU-Critical-Raw-Materials-CRM-Reports-Datasets",
            "Method: world refined 2024 = world mine output 2024 (USGS MCS 2026) x recovery 1.0 (asm-refining-recovery); country = EU CRM 2023 App. 7 "
            "processing share x world; ROW = remainder. Nickel: Indonesia refines its own ore (ore export ban since 2020), other refining placed in the mining countries.",
        )
        for m in ("antimony", "tungsten", "lithium"):
            wm, wsid, _ = self.world[(m, "mining", YEAR)]
            sh = {
                iso(r["country"]): (float(r["value"]), src.raw(r), "EU CRM 2023 App. 7 share (2016-20 average)")
                for _, r in pick(p, material=m, stage="refining", year="2020").iterrows()
            }
            self.split(
                m,
                "refining",
                wm * rec,
                sid,
                f"world mine output {n(wm)} (src {wsid}) x recovery {n(rec)} ({rsid})",
                {},
                sh,
                sid,
            )
        self.cobalt_refining(rec, rsid)
        self.nickel_refining(rec)
        # graphite anode
        cn = one(self.raw.extra, item="battery anode shipments")
        shr = one(p, material="natural graphite", stage="anode material (battery-grade)")
        sid = src.estimate(
            "est-graphite-anode",
            "Anode output: China shipments and China's share of world anode output",
            str(cn["source_url"]),
            f"Method: world anode 2024 = China shipments 2.12 Mt (src {src.raw(cn)}) / China share 0.90 (IEA 'over 90%', src {src.raw(shr)}); ROW = remainder.",
        )
        w = float(cn["value"]) / float(shr["value"])
        self.split(
            "graphite_anode",
            "refining",
            w,
            sid,
            f"China {n(cn['value'])} / share {n(shr['value'])}",
            {"CHN": (float(cn["value"]), src.raw(cn), "EV Tank China anode shipments 2024")},
            {},
            sid,
        )

    def cobalt_refining(self, rec: float, rsid: str) -> None:
        """Refined cobalt 2024: world mine output x shares of 2023 refinery capacity (top-10 table)."""
        wm, wsid, _ = self.world[("cobalt", "mining", YEAR)]
        rows = pick(self.raw.extra, item="cobalt refinery capacity")
        cap = {iso(r["region"]): (float(r["value"]), self.src.raw(r)) for _, r in rows.iterrows()}
        tot = sum(v for v, _ in cap.values())
        sid = self.src.estimate(
            "est-cobalt-refining-capacity-shares",
            "Refined cobalt by country = world output x share of 2023 refinery capacity",
            str(rows.iloc[0]["source_url"]),
            f"Method: country = world mine output 2024 x recovery 1.0 x its 2023 refinery capacity / "
            f"sum of the top-10 capacities {n(tot)} t (equal utilisation assumed; capacity outside the top 10 ignored).",
        )
        shares = {c: (v / tot, s_, f"capacity {n(v)} / {n(tot)}") for c, (v, s_) in cap.items()}
        self.split(
            "cobalt",
            "refining",
            wm * rec,
            sid,
            f"world mine output {n(wm)} (src {wsid}) x recovery {n(rec)} ({rsid})",
            {},
            shares,
            sid,
        )
        for _, r in pick(self.raw.prod, material="cobalt", stage="refining", year="2020").iterrows():
            self.alternative(
                "production_share",
                f"material=cobalt;stage=refining;country={iso(r['country'])};year=2020",
                r["value"],
                "1",
                self.src.raw(r),
                "EU App. 7 share (2016-20 window); 2023 refinery-capacity shares used for 2024 (newer).",
            )

    NI_REFINED = {"RUS": 190000, "CAN": 130000, "JPN": 100000, "NOR": 92000, "AUS": 75000, "FIN": 55000}

    def nickel_refining(self, rec: float) -> None:
        """Primary nickel 2024 by country: Indonesia and China from NPI figures, others from plant-level assumptions."""
        ex, src = self.raw.extra, self.src
        wm, wsid, _ = self.world[("nickel", "mining", YEAR)]
        npi = one(ex, item="China and Indonesia NPI production")
        matte = one(ex, item="Indonesia nickel in matte")
        fe = one(ex, item="Indonesia nickel in ferronickel and NPI")
        both = float(npi["value"]) * 1.11 * 1.04
        cn_npi, cn_int = 350000.0, 450000.0
        src.assumption(
            "asm-nickel-refining-tonnages",
            "primary nickel output by country outside Indonesia",
            "No sourced 2024 country table for primary nickel. China NPI 350,000 t (declining since 2019), China refined nickel and sulphate "
            "from imported MHP and matte 450,000 t; Russia 190,000, Canada 130,000, Japan 100,000, Norway 92,000, Australia 75,000, "
            "Finland 55,000 t (main refineries' recent output); each range -30% to +30%.",
        )
        sid = src.estimate(
            "est-nickel-refining",
            "Primary nickel by country from NPI totals and plant-level assumptions",
            str(npi["source_url"]),
            "Method: China+Indonesia NPI 2024 = 1.5 Mt (2022, INSG) x 1.11 x 1.04; Indonesia = that - China NPI + Indonesian matte; "
            "China = NPI + refined from imported intermediates; others asm-nickel-refining-tonnages; ROW = world - listed.",
        )
        idn = both - cn_npi + float(matte["value"])
        fixed = {
            "IDN": (
                idn,
                sid,
                f"Indonesia = NPI China+Indonesia {n(npi['value'])} x 1.11 x 1.04 = {n(both)} (src {src.raw(npi)}) - China NPI {n(cn_npi)} "
                f"+ matte {n(matte['value'])} (src {src.raw(matte)}) = {n(idn)}",
            ),
            "CHN": (
                cn_npi + cn_int,
                sid,
                f"China = NPI {n(cn_npi)} + refined from imported MHP/matte {n(cn_int)} (asm-nickel-refining-tonnages) = {n(cn_npi + cn_int)}",
            ),
        }
        for c, v in self.NI_REFINED.items():
            fixed[c] = (float(v), sid, f"{c} = {n(v)} t (asm-nickel-refining-tonnages, range +-30%)")
        self.split(
            "nickel",
            "refining",
            wm * rec,
            sid,
            f"world mine output {n(wm)} (src {wsid}) x recovery {n(rec)}",
            fixed,
            {},
            sid,
        )
        self.alternative(
            "production",
            f"material=nickel;stage=refining;country=IDN;year={YEAR}",
            float(fe["value"]) + float(matte["value"]),
            "t/year",
            src.raw(fe),
            f"Ministry scope 2023: ferronickel {n(fe['value'])} + matte {n(matte['value'])}; lower than the INSG-based NPI total, kept as a lower bound.",
        )

    def production_alternatives(self) -> None:
        p, src = self.raw.prod, self.src
        for _, r in p[
            (p["material"] == "REE (total)") & (p["stage"] == "mining") & (p["year"] == YEAR) & (p["grade"] == "S")
        ].iterrows():
            c = iso(r["country"])
            var, key = (
                ("world_total", f"material=rare_earths;stage=mining;year={YEAR}")
                if c == "WORLD"
                else ("production", f"material=rare_earths;stage=mining;country={c};year={YEAR}")
            )
            self.alternative(
                var,
                key,
                r["value"],
                "t/year",
                src.raw(r),
                "USGS MCS 2025 first estimate (secondary copy); MCS 2026 revised value chosen (newest primary edition).",
            )
        for _, r in p[
            (p["material"] == "REE (total)")
            & (p["stage"] == "mining")
            & (p["unit"] == "share")
            & (p["country"] == "China")
        ].iterrows():
            self.alternative(
                "production_share",
                f"material=rare_earths;stage=mining;country=CHN;year={int(r['year'])}",
                r["value"],
                "1",
                src.raw(r),
                "IEA share on a different mine-output basis (secondary); USGS tonnages chosen.",
            )
        for _, r in pick(p, material="Nd/Pr", stage="separation").iterrows():
            self.alternative(
                "production_share",
                f"material=ndpr;stage=separation;country={iso(r['country'])};year=2020",
                r["value"],
                "1",
                src.raw(r),
                "Older multi-year window (2016-20); IEA 2024 share and company tonnages used for 2024.",
            )
        for _, r in pick(p, material="gallium", stage="refining", year="2020").iterrows():
            self.alternative(
                "production_share",
                f"material=gallium;stage=refining;country={iso(r['country'])};year=2020",
                r["value"],
                "1",
                src.raw(r),
                "Older multi-year window; USGS MCS 2026 tonnages chosen.",
            )

    # ---- chain ---------------------------------------------------------------------------
    def link(self, m: str, s: str, im: str, is_: str, v: float, sid: str, note: str, counts: bool = True) -> None:
        self.t["chain"].add(
            material=m,
            stage=s,
            input_material=im,
            input_stage=is_,
            value=float(v),
            unit="t/t",
            source_id=sid,
            note=note,
        )
        self.links.append({"m": m, "s": s, "im": im, "is": is_, "f": float(v), "counts": counts})

    def chain(self) -> None:
        f, src = self.f, self.src
        sid = src.estimate(
            "est-chain-factors",
            "Tonnes of input per tonne of output from shares, stoichiometry, losses and compositions",
            "https://www.ciaaw.org/atomic-weights.htm",
            "Method: REO per t oxide = 1 / element share of TREO (co-products: the same REO yields all oxides); "
            "oxide per t metal = 1 / (metal fraction x (1 - 0.20 loss)); NdFeB alloy composition; 1 / yields for magnets, HP gallium, anode.",
        )
        for m, share, txt in (
            ("ndpr", f["s_ndpr"][0], "NdPr share"),
            ("neodymium", f["s_ndpr"][0] * (1 - f["pr_share"][0]), "Nd share = NdPr share x (1 - Pr share)"),
            ("praseodymium", f["s_ndpr"][0] * f["pr_share"][0], "Pr share = NdPr share x Pr share"),
            ("dysprosium", f["s_dy"][0], "Dy share"),
            ("terbium", f["s_tb"][0], "Tb share"),
        ):
            self.link(
                m,
                "separation",
                "rare_earths",
                "mining",
                1 / share,
                sid,
                f"t REO per t oxide = 1 / {txt} {n(share)} = {n(1 / share)}; co-product: the same REO also yields the other oxides",
                counts=(m == "ndpr"),
            )
        for m, key in (
            ("ndpr", "stoich_ndpr"),
            ("neodymium", "stoich_nd"),
            ("praseodymium", "stoich_pr"),
            ("dysprosium", "stoich_dy"),
            ("terbium", "stoich_tb"),
        ):
            v = 1 / (f[key][0] * (1 - f["loss"][0]))
            self.link(
                m,
                "metal",
                m,
                "separation",
                v,
                sid,
                f"t oxide per t metal = 1 / (metal fraction {n(f[key][0])} (src {f[key][1]}) x (1 - loss {n(f['loss'][0])}, src {f['loss'][1]})) = {n(v)}",
            )
        self.link(
            "ndfeb",
            "alloy",
            "ndpr",
            "metal",
            f["ndpr_alloy"][0],
            f["ndpr_alloy"][1],
            f"NdPr metal per t alloy = {n(f['ndpr_alloy'][0])} (0.3075 RE - Dy - Tb)",
        )
        self.link(
            "ndfeb",
            "alloy",
            "dysprosium",
            "metal",
            f["dy_alloy"][0],
            f["dy_alloy"][1],
            f"Dy metal per t alloy = 0.8 x 0.009 + 0.2 x 0.04 = {n(f['dy_alloy'][0])} (grade mix parameter)",
        )
        self.link(
            "ndfeb",
            "alloy",
            "terbium",
            "metal",
            f["tb_alloy"][0],
            f["tb_alloy"][1],
            f"Tb metal per t alloy = {n(f['tb_alloy'][0])} (assumption, range 0.0005-0.005)",
        )
        self.link(
            "ndfeb",
            "magnet",
            "ndfeb",
            "alloy",
            1 / f["yield"][0],
            sid,
            f"t alloy per t magnet = 1 / yield {n(f['yield'][0])} (asm-magnet-machining-yield) = {n(1 / f['yield'][0])}",
        )
        self.link(
            "gallium",
            "metal",
            "gallium",
            "refining",
            1 / f["ga_hp"][0],
            sid,
            f"t primary Ga per t high-purity Ga = 1 / recovery {n(f['ga_hp'][0])} = {n(1 / f['ga_hp'][0])}",
        )
        v, fsid, fnote = self.anode_flake_intensity()
        self.link("graphite_anode", "refining", "graphite_natural", "mining", v, fsid, fnote)
        for m in ("antimony", "tungsten", "cobalt", "lithium", "nickel"):
            self.link(
                m,
                "refining",
                m,
                "mining",
                1 / f["refine_rec"][0],
                f["refine_rec"][1],
                f"t contained in ore per t refined (contained basis) = 1 / recovery {n(f['refine_rec'][0])}",
            )

    def anode_flake_intensity(self) -> tuple[float, str, str]:
        """Flake per t anode from China's natural-graphite balance with exports pinned to USGS (2024).

        China output - exports - China's use outside the anode chain = k x China's anode output, where
        China's outside use is itself (world output - k x world anode output - USA sourced) x China's
        regional key (est-demand-split), so k solves one linear equation.
        """
        f, src, t, d = self.f, self.src, self.raw.trade, self.raw.demand
        ex = one(
            t,
            material="natural graphite",
            item="natural graphite (all forms)",
            exporter="China",
            importer="World",
            period="2024-09",
        )
        x = float(ex["value"]) * 12 / 9
        xsid = src.estimate(
            "est-china-graphite-exports-2024",
            "China natural-graphite exports 2024 annualised from Jan-Sep",
            str(ex["source_url"]),
            f"China exports of natural graphite (all forms) 2024 = cumulative Jan-Sep 2024 {n(ex['value'])} t "
            f"(USGS MCS 2026, src {src.raw(ex)}) x 12/9 = {n(x)} t/year (no seasonality assumed). Used to pin China's natural-graphite "
            "balance that fixes the flake feed per t anode (est-anode-flake-intensity).",
        )
        self.f["cn_graphite_exports"] = (x, xsid, "China natural-graphite exports 2024")
        p_cn = self.pv("graphite_natural", "mining")["CHN"]
        w, _, _ = self.world[("graphite_natural", "mining", YEAR)]
        anode = self.pv("graphite_anode", "refining")
        a_cn, a_w = anode["CHN"], sum(anode.values())
        us = one(d, material="natural graphite", year="2024", sector="all (apparent consumption)")
        u = float(us["value"])
        key = self.manufacturing_key()
        free = {r: key[r][0] for r in REGIONS if r != "USA"}
        c = free["CHN"] / sum(free.values())
        k = (p_cn - x - c * (w - u)) / (a_cn - c * a_w)
        cn_out = c * (w - k * a_w - u)
        nat = f["nat_share"][0]
        a_nat = a_cn * nat
        y = nat / k
        lo, hi = 0.30, 0.50
        assert lo <= y <= hi, f"implied spheroidisation yield {y} outside {lo}-{hi}"
        old = nat / f["sph_yield"][0]
        sid = src.estimate(
            "est-anode-flake-intensity",
            "Flake per t anode material from China's 2024 natural-graphite balance",
            "https://pubs.usgs.gov/periodicals/mcs2026/mcs2026-graphite.pdf",
            f"Method: China's flake feed to anode = China mine output {n(p_cn)} - exports {n(x)} (est-china-graphite-exports-2024) - China's use "
            f"outside the anode chain; that use = China's regional key {n(c)} (est-demand-split, USA taken out) x (world output {n(w)} - k x world anode "
            f"output {n(a_w)} - USA sourced {n(u)}); flake per t anode k solves feed = k x China anode output {n(a_cn)}: "
            f"k = ({n(p_cn)} - {n(x)} - {n(c)} x ({n(w)} - {n(u)})) / ({n(a_cn)} - {n(c)} x {n(a_w)}) = {n(k)}; China's outside use = {n(cn_out)} t, "
            f"feed = {n(k * a_cn)} t. Per t of natural-graphite-based anode (China anode x natural share {n(nat)} = {n(a_nat)} t) that is "
            f"{n(k * a_cn)} / {n(a_nat)} = {n(1 / y)} t flake, an implied spheroidisation yield of {n(y)}, inside the plausible {lo}-{hi} "
            f"(asm-spheroidisation-yield range; checked in the build). Replaces the assumed yield 0.30 (flake per t anode {n(old)}), which "
            f"left China too little surplus to export what USGS reports; the same k is applied to anode output outside China.",
        )
        note = (
            f"t flake per t anode = (China output {n(p_cn)} - exports {n(x)} - China use outside the chain {n(cn_out)}) / China anode output {n(a_cn)} = {n(k)} "
            f"(est-anode-flake-intensity); = natural share {n(nat)} (1 - synthetic 0.844, src {f['nat_share'][1]}) / implied spheroidisation yield {n(y)} "
            f"(plausible 0.3-0.5); the synthetic part needs no natural graphite"
        )
        self.alternative(
            "chain",
            "material=graphite_anode;stage=refining;input_material=graphite_natural;input_stage=mining",
            old,
            "t/t",
            "asm-spheroidisation-yield",
            f"natural share {n(nat)} / assumed spheroidisation yield {n(f['sph_yield'][0])} (IM 2012 via Stockhouse: "
            f"spheroidising loss about 70%) = {n(old)}: leaves China's balance with about 52 kt/yr of exports against USGS {n(x)} t/yr "
            f"(109,000 t Jan-Sep 2024 x 12/9); the balance-derived {n(k)} (yield {n(y)}) is chosen (conflict rule 1, mass balance).",
        )
        return k, sid, note

    # ---- capacity ------------------------------------------------------------------------
    UTIL = {"mining": 0.85, "separation": 0.8, "refining": 0.8, "metal": 0.7, "alloy": 0.65, "magnet": 0.65}

    def capacity(self) -> None:
        src, p, cap = self.src, self.raw.prod, self.t["capacity"]
        asm = "asm-capacity-utilisation"
        sourced: dict[tuple[str, str, str], tuple[float, str, str]] = {}
        ly = one(self.raw.projects, project="Lynas Malaysia (Kuantan) separation")
        sourced[("ndpr", "separation", "MYS")] = (
            float(ly["capacity"]),
            src.raw(ly),
            "Lynas Malaysia NdPr oxide capacity after upgrade",
        )
        sv = one(self.raw.projects, project="Shin-Etsu overseas magnet plants")
        sourced[("ndfeb", "magnet", "VNM")] = (
            float(sv["capacity"]),
            src.raw(sv),
            "Shin-Etsu Vietnam magnet plant capacity (end-2022)",
        )
        ga = pick(p, material="gallium", stage="refining capacity")
        for _, r in ga.iterrows():
            c = iso(r["country"])
            if c != "WORLD":
                cap.add(
                    material="gallium",
                    stage="refining",
                    country=c,
                    year=2025,
                    value=float(r["value"]),
                    unit="t/year",
                    source_id=src.raw(r),
                    note="USGS MCS 2026 primary gallium capacity",
                )
                sourced[("gallium", "refining", c)] = (
                    float(r["value"]),
                    None,
                    f"USGS 2025 capacity {n(r['value'])} t/yr (src {src.raw(r)}) used for 2024 (no capacity change reported)",
                )
        for _, r in pick(self.raw.extra, item="cobalt refinery capacity").iterrows():
            cap.add(
                material="cobalt",
                stage="refining",
                country=iso(r["country"] if "country" in r else r["region"]),
                year=2023,
                value=float(r["value"]),
                unit="t/year",
                source_id=src.raw(r),
                note="cobalt refinery capacity 2023 (top-10 table)",
            )
        carry = src.estimate(
            "est-capacity-carried",
            "Capacity of a later year used for 2024",
            "https://pubs.usgs.gov/periodicals/mcs2026/mcs2026-gallium.pdf",
            "Sourced capacity for 2025 (USGS) used as the 2024 value.",
        )
        for (m, s, c, y), r in sorted(self.t["production"].rows.items()):
            if y != YEAR or r["value"] <= 0:
                continue
            if (m, s, c) in sourced:
                v, sid, note = sourced[(m, s, c)]
                if v >= r["value"]:
                    cap.add(
                        material=m,
                        stage=s,
                        country=c,
                        year=YEAR,
                        value=v,
                        unit="t/year",
                        source_id=sid or carry,
                        note=note,
                    )
                    continue
            u = self.UTIL[s]
            v = r["value"] / u
            cap.add(
                material=m,
                stage=s,
                country=c,
                year=YEAR,
                value=v,
                unit="t/year",
                source_id=asm,
                note=f"capacity = production {n(r['value'])} / utilisation {n(u)} ({s}, range in asm-capacity-utilisation) = {n(v)}",
            )

    # ---- demand --------------------------------------------------------------------------
    def manufacturing_key(self) -> dict[str, tuple[float, str]]:
        """Regional shares of world manufacturing (the split key for unsourced regional demand)."""
        ex, src = self.raw.extra, self.src
        get = {r["region"]: r for _, r in pick(ex, material="all").iterrows()}
        usa = float(get["United States"]["value"])
        eu = float(get["United States and European Union"]["value"]) - usa
        src.assumption(
            "asm-manufacturing-share-can-aus",
            "Canada 0.015 and Australia 0.005 of world manufacturing",
            "No source in data-raw for Canada and Australia: Canada 0.015 (0.01-0.02), Australia 0.005 (0.003-0.01) of world manufacturing.",
        )
        key = {
            "CHN": (float(get["China"]["value"]), src.raw(get["China"])),
            "USA": (usa, src.raw(get["United States"])),
            "EU27": (eu, src.raw(get["United States and European Union"])),
            "JPN": (float(get["Japan"]["value"]), src.raw(get["Japan"])),
            "KOR": (float(get["South Korea"]["value"]), src.raw(get["South Korea"])),
            "IND": (float(get["India"]["value"]), src.raw(get["India"])),
            "CAN": (0.015, "asm-manufacturing-share-can-aus"),
            "AUS": (0.005, "asm-manufacturing-share-can-aus"),
        }
        key["ROW"] = (1 - sum(v for v, _ in key.values()), "est-demand-split")
        return key

    def sector_shares(self) -> dict[str, dict[str, dict[str, float]]]:
        """Sector shares per material: {'world': {...}, region: {...}} (fractions summing to 1)."""
        d = self.raw.demand
        v = lambda **k: float(one(d, **k)["value"])  # noqa: E731
        wind = v(material="NdFeB magnets", sector="wind turbines", unit="t NdFeB") / 122900
        ac = v(material="NdFeB magnets", sector="inverter air conditioners") / 122900
        ce = v(material="NdFeB magnets", sector="consumer electronics")
        auto = v(material="NdFeB magnets", sector="new energy vehicles", unit="share of demand")
        ndfeb = {"automotive": auto, "wind": wind, "electronics": ac + ce, "industrial": 1 - auto - wind - ac - ce}
        ga_us = {"semiconductors": 0.73 / 0.99, "optics": 0.26 / 0.99}
        ge_opt = v(material="germanium", sector="fibre optics", unit="share of consumption") + v(
            material="germanium", sector="infrared optics"
        )
        sb_us = {"chemicals": 0.49 + 0.11, "metallurgy": 0.40}
        sb_w = {"chemicals": 1 / 3 + 2 / 3 * 0.6, "metallurgy": 2 / 3 * 0.4}
        li = {"batteries": 0.88, "chemicals": 0.04 + 0.02 + 0.01 + 0.01 + 0.03, "metallurgy": 0.01}
        self.src.assumption(
            "asm-ally-sector-mix",
            "NdFeB end-use mix of Japan, Korea and the EU",
            "Regional NdFeB sector mix where industry structure differs from the world mix (no sourced regional split): "
            "JPN automotive 0.45, electronics 0.35, industrial 0.17, wind 0.03 (car and electronics makers); "
            "KOR automotive 0.45, electronics 0.40, industrial 0.13, wind 0.02; "
            "EU27 automotive 0.45, wind 0.20, industrial 0.25, electronics 0.10 (car makers, wind OEMs); each share range +-0.1.",
        )
        ally = {
            "JPN": {"automotive": 0.45, "electronics": 0.35, "industrial": 0.17, "wind": 0.03},
            "KOR": {"automotive": 0.45, "electronics": 0.40, "industrial": 0.13, "wind": 0.02},
            "EU27": {"automotive": 0.45, "wind": 0.20, "industrial": 0.25, "electronics": 0.10},
        }
        out = {
            m: {"world": ndfeb, **ally} for m in ("ndfeb", "ndpr", "neodymium", "praseodymium", "dysprosium", "terbium")
        }
        out.update(
            {
                "gallium": {"world": {"semiconductors": 0.5, "optics": 0.5}, "USA": ga_us},
                "germanium": {"world": {"optics": ge_opt, "semiconductors": 1 - ge_opt}},
                "antimony": {"world": sb_w, "USA": sb_us},
                "tungsten": {"world": {"metallurgy": 1.0}},
                "cobalt": {"world": {"all": 1.0}, "USA": {"metallurgy": 0.51 + 0.15 + 0.09, "chemicals": 0.25}},
                "lithium": {"world": li},
                "nickel": {"world": {"all": 1.0}, "USA": {"metallurgy": 0.85, "chemicals": 0.15}},
                "graphite_anode": {"world": {"batteries": 1.0}},
                "rare_earths": {"world": {"all": 1.0}},
            }
        )
        for m in ("ndpr", "dysprosium", "terbium"):
            out[m] = {"world": {"all": 1.0}}
        grows = {
            k: one(self.raw.extra, item=f"natural graphite end-use share: {k}")
            for k in ("refractories", "brake linings", "foundry", "lubricants", "other")
        }
        gr = {k: float(r["value"]) for k, r in grows.items()}
        self.sector_src = {"graphite_natural": self.src.raw(grows["refractories"])}
        out["graphite_natural"] = {
            "world": {
                "metallurgy": gr["refractories"] + gr["foundry"],
                "automotive": gr["brake linings"],
                "chemicals": gr["lubricants"],
                "all": gr["other"],
            }
        }
        return out

    SECTOR_NOTE = {
        "ndfeb": "NdFeB sectors: automotive 0.35 (ACREI NEV share), wind 4,848/122,900, electronics = air conditioners 30,154/122,900 + consumer electronics 0.30, industrial = remainder; JPN, KOR, EU27 by asm-ally-sector-mix",
        "gallium": "gallium sectors: world ICs 0.5 / optoelectronics 0.5 (2014); USA 0.73/0.26 of 0.99 (USGS 2025)",
        "germanium": "germanium sectors: optics = fibre 0.334 + IR 0.2621 (2017); semiconductors = remainder (electronics, solar, catalysts)",
        "antimony": "antimony sectors: USA chemicals 0.49+0.11, metallurgy 0.40 (USGS 2025); elsewhere PV glass 1/3 + rest split 0.6/0.4 as in the USA",
        "tungsten": "tungsten: cemented carbides, steels and alloys are all metallurgy",
        "cobalt": "cobalt sectors: USA superalloys+other metallic+carbides 0.75, chemical 0.25 (USGS 2025); no split elsewhere (all)",
        "lithium": "lithium sectors: batteries 0.88, chemicals 0.11 (ceramics, greases, air treatment, medical, other), metallurgy 0.01 (USGS 2025)",
        "nickel": "nickel sectors: USA stainless and alloys 0.85, chemicals (plating, batteries, other) 0.15; no split elsewhere (all)",
        "graphite_anode": "all anode material goes to batteries",
        "rare_earths": "no sector split",
        "ndpr": "no sector split (use of the metal outside NdFeB alloy)",
        "dysprosium": "no sector split (use of the metal outside NdFeB alloy)",
        "terbium": "no sector split (use of the metal outside NdFeB alloy)",
        "graphite_natural": "natural graphite use outside the anode chain, US 2002 end-use shares (USGS MCS 2003): metallurgy = refractories 0.22 + "
        "foundry 0.08, automotive = brake linings 0.21, chemicals = lubricants 0.05, all = other uses 0.44 (not split by the source)",
    }

    def chain_use(self, m: str, s: str) -> dict[str, float]:
        """Input needed at (m, s) by each country: its downstream production x input per output."""
        use: dict[str, float] = defaultdict(float)
        for lk in self.links:
            if lk["im"] == m and lk["is"] == s and lk["counts"]:
                for c, v in self.pv(lk["m"], lk["s"]).items():
                    use[c] += v * lk["f"]
        return dict(use)

    def demand(self) -> None:
        src, d = self.src, self.raw.demand
        key = self.manufacturing_key()
        shares = self.sector_shares()
        sid = src.estimate(
            "est-demand-split",
            "Regional and sector split of world demand",
            "https://pubs.usgs.gov/periodicals/mcs2026/",
            "Method: world use = world output at the last stage (stock change 0) unless a world consumption is sourced; "
            "feed to another material's stage through chain.csv (REO to separation, NdPr/Dy/Tb metal to NdFeB alloy, flake to anode) is not demand: demand = use outside that chain = world output - world chain feed; sourced regional values first, the rest split by regional shares of "
            "world manufacturing (Voronoi, UNSD, asm-manufacturing-share-can-aus); sectors by sourced end-use shares.",
        )
        self.src.records["est-demand-split"]["note"] += (
            " Regional key: " + ", ".join(f"{r} {n(v)}" for r, (v, _) in key.items()) + "."
        )
        sourced = {
            "antimony": {"USA": one(d, material="antimony", year="2024", sector="all (apparent consumption)")},
            "gallium": {"USA": one(d, material="gallium", year="2024", sector="all (reported consumption)")},
            "germanium": {"USA": one(d, material="germanium", year="2021")},
            "graphite_natural": {
                "USA": one(d, material="natural graphite", year="2024", sector="all (apparent consumption)")
            },
            "cobalt": {
                "USA": one(d, material="cobalt", year="2024", sector="all (estimated consumption, incl. secondary)")
            },
            "nickel": {"USA": one(d, material="nickel", year="2024", sector="all (apparent consumption, primary)")},
        }
        kg = {"gallium", "germanium"}
        for m in MATERIAL_STAGES:
            s = LAST[m]
            wprod = self.world[(m, s, YEAR)][0]
            total: dict[str, float] = defaultdict(float)
            notes: dict[str, str] = {}
            feed = self.chain_feed_by_region(m, s)
            if m in ("neodymium", "praseodymium"):
                # components of ndpr, which carries the chain link to NdFeB alloy; these rows give the element split of that use
                alloy = self.pv("ndfeb", "alloy")
                wa = sum(alloy.values())
                for c, v in alloy.items():
                    total[region_of(c)] += wprod * v / wa
                    notes[region_of(c)] = (
                        f"world {m} metal {n(wprod)} x region's share of NdFeB alloy output {n(v / wa)}"
                    )
                self._write_demand(m, total, notes, shares[m], sid)
                continue
            if m == "graphite_anode":
                self.anode_demand(shares[m])
                continue
            if feed and m != "graphite_natural":
                # output that feeds another material's stage (chain.csv): demand = use outside that chain only
                wfeed = sum(feed.values())
                outside = max(0.0, wprod - wfeed)
                if m == "rare_earths":
                    key_r, ktxt = feed, "region's share of the feed to separation"
                else:
                    alloy = self.pv("ndfeb", "alloy")
                    key_r = defaultdict(float)
                    for c, v in alloy.items():
                        key_r[region_of(c)] += v
                    ktxt = "region's share of NdFeB alloy output"
                ksum = sum(key_r.values())
                for r, v in key_r.items():
                    total[r] = outside * v / ksum
                    notes[r] = (
                        f"use outside the chain = max(0, world {m} {s} output {n(wprod)} - world feed to downstream stages {n(wfeed)} "
                        f"(chain.csv x their output)) = {n(outside)}, x {ktxt} {n(v / ksum)}"
                    )
                self._write_demand(m, total, notes, shares[m], sid, keep_zero=True)
                continue
            if m == "lithium":
                wl = one(d, material="lithium", region="World", sector="all", year="2024")
                wfinal, wtxt = float(wl["value"]), f"world consumption {n(wl['value'])} (src {src.raw(wl)})"
            elif feed:
                wfinal = max(0.0, wprod - sum(feed.values()))
                wtxt = f"world output {n(wprod)} - anode feed {n(sum(feed.values()))} (chain.csv x anode output)"
            else:
                wfinal, wtxt = wprod, f"world output {n(wprod)}"
            fixed = {}
            for r, row in sourced.get(m, {}).items():
                val = float(row["value"]) / (1000.0 if m in kg else 1.0)
                fixed[r] = (
                    val,
                    f"{r} sourced {n(val)} t ({row['sector']}, {int(row['year'])}, src {src.raw(row)})"
                    + (
                        "; no anode output in the USA, so all of it is use outside the anode chain"
                        if m == "graphite_natural"
                        else ""
                    ),
                )
            rest = wfinal - sum(v for v, _ in fixed.values())
            free = {r: key[r][0] for r in REGIONS if r not in fixed}
            ksum = sum(free.values())
            for r in REGIONS:
                if r in fixed:
                    total[r] += fixed[r][0]
                    notes[r] = fixed[r][1]
                elif wfinal > 0:
                    total[r] += rest * free[r] / ksum
                    notes[r] = f"({wtxt} - sourced regions {n(wfinal - rest)}) x regional key {n(free[r])}/{n(ksum)}"
            self._write_demand(m, total, notes, shares[m], sid)

    CELL_ASM = {"KOR": 0.045, "JPN": 0.035, "IND": 0.005}

    def anode_demand(self, shares: dict) -> None:
        """Anode use by region = the region's share of world Li-ion cell production x world anode output; USA = its sourced imports."""
        ex, src = self.raw.extra, self.src
        w, wsid, _ = self.world[("graphite_anode", "refining", YEAR)]
        cn = one(ex, item="lithium-ion battery production", region="China")
        cs = one(ex, item="lithium-ion battery production share of world", region="China")
        eu = one(ex, item="EV battery production", region="European Union")
        us = one(ex, item="EV battery production", region="United States")
        wg = float(cn["value"]) / float(cs["value"])
        src.assumption(
            "asm-battery-cell-shares",
            "shares of world Li-ion cell production of Korea 0.045, Japan 0.035, India 0.005",
            "No sourced 2023-24 cell output for these countries: Korea 0.045 (0.03-0.07), Japan 0.035 (0.02-0.05), India 0.005 (0-0.01) "
            "of world Li-ion cell production; Canada and Australia 0 (no cell output of note in 2024); ROW = remainder.",
        )
        wtxt = f"world Li-ion cells 2023 = China {n(cn['value'])} GWh / China share {n(cs['value'])} = {n(wg)} GWh (src {src.raw(cn)})"
        cell = {
            "CHN": (
                float(cs["value"]),
                f"China share of world Li-ion cell production 2023 {n(cs['value'])} (src {src.raw(cs)})",
            ),
            "EU27": (
                float(eu["value"]) / wg,
                f"Europe EV cells 2023 {n(eu['value'])} GWh (src {src.raw(eu)}) / {wtxt} = {n(float(eu['value']) / wg)}",
            ),
            "USA": (
                float(us["value"]) / wg,
                f"US EV cells 2023 {n(us['value'])} GWh (src {src.raw(us)}) / {wtxt} = {n(float(us['value']) / wg)}",
            ),
        }
        for r, v in self.CELL_ASM.items():
            cell[r] = (v, f"{r} cell share {n(v)} (asm-battery-cell-shares)")
        row = 1 - sum(v for v, _ in cell.values())
        cell["ROW"] = (row, f"ROW cell share = 1 - listed regions = {n(row)}")
        an = one(
            self.raw.trade, material="graphite (natural and synthetic)", importer="United States", period="2024-08"
        )
        us_use = float(an["value"]) * 12 / 8
        sid = src.estimate(
            "est-anode-demand-cell-shares",
            "Anode use by region from shares of world Li-ion cell production",
            str(cn["source_url"]),
            "Method: world anode use 2024 = world anode output (stock change 0); USA = its sourced anode imports (no US anode output); "
            "the rest = (world - USA) x region's share of world Li-ion cell production 2023 / (1 - US cell share). Cell shares: China 0.71 (SMM), "
            "EU27 = Europe 110 GWh / world 1,281.69 GWh, USA 70 GWh / world (IEA GEVO 2024), world = China 910 GWh / 0.71; Korea, Japan, India "
            "asm-battery-cell-shares; ROW = remainder. Imports then follow est-trade-net-imports: demand - output, split by exporters' surplus.",
        )
        rest, other = w - us_use, 1 - cell["USA"][0]
        total = {"USA": us_use}
        notes = {
            "USA": f"US anode imports Jan-Aug 2024 {n(an['value'])} t x 12/8 (src {src.raw(an)}); no US anode output, so use = imports"
        }
        for r, (v, txt) in cell.items():
            if r == "USA":
                continue
            total[r] = rest * v / other
            notes[r] = (
                f"(world anode output {n(w)} (src {wsid}) - USA {n(us_use)}) x {txt} / (1 - US cell share {n(cell['USA'][0])})"
            )
        alt = cell["USA"][0] * w
        self.alternative(
            "demand",
            f"material=graphite_anode;region=USA;year={YEAR}",
            alt,
            "t/year",
            sid,
            f"US cell share {n(cell['USA'][0])} x world anode output {n(w)}: three times the sourced US anode imports "
            f"({n(us_use)} t) with no US anode output; the imports (grade T) are used.",
        )
        self._write_demand("graphite_anode", total, notes, shares, sid)

    def chain_feed_by_region(self, m: str, s: str) -> dict[str, float]:
        """Feed of (m, s) to *another* material's stage (chain.csv x that stage's output), by demand region."""
        out: dict[str, float] = defaultdict(float)
        for lk in self.links:
            if lk["im"] == m and lk["is"] == s and lk["counts"] and lk["m"] != m:
                for c, v in self.pv(lk["m"], lk["s"]).items():
                    out[region_of(c)] += v * lk["f"]
        return dict(out)

    def _write_demand(self, m: str, total: dict, notes: dict, shares: dict, sid: str, keep_zero: bool = False) -> None:
        sec_note = self.SECTOR_NOTE.get(m, self.SECTOR_NOTE["ndfeb"])
        if m in getattr(self, "sector_src", {}):
            sec_note += f", src {self.sector_src[m]}"
        for r in sorted(total):
            if total[r] <= 0 and not (keep_zero and total[r] == 0):
                continue
            sh = shares.get(r, shares["world"])
            for sec, fr in sh.items():
                assert sec in SECTORS
                self.t["demand"].add(
                    material=m,
                    region=r,
                    sector=sec,
                    year=YEAR,
                    value=total[r] * fr,
                    unit="t/year",
                    source_id=sid,
                    note=f"{m} {r} = {notes[r]} = {n(total[r])}; x sector share {n(fr)} ({sec_note})",
                )

    def defence_demand(self) -> None:
        """US defence use of NdFeB magnets: GAO upper bound (DoD < 0.1% of world rare-earth demand), carved out of US industrial use."""
        r = one(self.raw.extra, item="DoD rare-earth demand share of world")
        w = self.world[("ndfeb", "magnet", YEAR)][0]
        v = float(r["value"]) * w
        sid = self.src.estimate(
            "est-defence-ndfeb",
            "US defence NdFeB use = DoD share of world rare-earth demand x world magnets",
            str(r["source_url"]),
            "Method: US defence NdFeB = 0.001 (GAO 2024: DoD under 0.1% of world rare-earth demand, an upper bound) x world magnets 2024; "
            "taken out of US industrial use so the US total is unchanged.",
        )
        ind = self.t["demand"].rows[("ndfeb", "USA", "industrial", YEAR)]
        ind["value"] -= v
        ind["note"] += f"; - defence {n(v)} (est-defence-ndfeb) = {n(ind['value'])}"
        self.t["demand"].add(
            material="ndfeb",
            region="USA",
            sector="defence",
            year=YEAR,
            value=v,
            unit="t/year",
            source_id=sid,
            note=f"US defence = share {n(r['value'])} (upper bound, src {self.src.raw(r)}) x world magnets {n(w)} = {n(v)}; F-35 holds 8-20 kg NdFeB alloy",
        )

    def demand_alternatives(self) -> None:
        d, src = self.raw.demand, self.src
        r = one(d, material="cobalt", year="2024", sector="all (apparent consumption, incl. secondary)")
        self.alternative(
            "demand",
            "material=cobalt;region=USA;year=2024",
            r["value"],
            "t/year",
            src.raw(r),
            "Apparent consumption includes stock changes; estimated (reported) consumption 7,830 t chosen as users' use.",
        )
        r = one(d, material="nickel", year="2024", sector="all (apparent consumption, total incl. scrap)")
        self.alternative(
            "demand",
            "material=nickel;region=USA;year=2024",
            r["value"],
            "t/year",
            src.raw(r),
            "Includes scrap-based supply; the nickel refining stage is primary, so primary apparent consumption 90,300 t chosen.",
        )
        r = one(d, material="rare earths (compounds and metals)", year="2024")
        self.alternative(
            "demand",
            "material=rare_earths;region=USA;year=2024",
            r["value"],
            "t/year",
            src.raw(r),
            "US use of separated compounds and metals; critmin's rare_earths demand is REO concentrate fed to separation.",
        )
        r = one(d, material="rare earths", region="Japan", year="2020")
        self.alternative(
            "demand",
            "material=rare_earths;region=JPN;year=2020",
            r["value"],
            "t/year",
            src.raw(r),
            "Japan's use of rare-earth products (2020); not concentrate feed to separation.",
        )

    # ---- trade ---------------------------------------------------------------------------
    def region_use(self, m: str, s: str) -> dict[str, float]:
        """Use at (m, s) by importer region (demand at the last stage, else downstream feed)."""
        if s == LAST[m]:
            use: dict[str, float] = defaultdict(float, self.chain_feed_by_region(m, s))
            for k, r in self.t["demand"].rows.items():
                if k[0] == m:
                    use[k[1]] += r["value"]
            return dict(use)
        use = defaultdict(float)
        for c, v in self.chain_use(m, s).items():
            use[region_of(c)] += v
        return dict(use)

    def sourced_imports(self) -> dict[tuple[str, str, str], dict]:
        """Import volumes and exporter shares read from the sources, by (material, stage, importer)."""
        t, src = self.raw.trade, self.src
        out: dict[tuple[str, str, str], dict] = {}

        def us(m: str, s: str, items: list[str], share_item: str, raw_mat: str, div: float = 1.0) -> None:
            vols = [
                one(t, material=raw_mat, item=i, importer="United States", period="2024", exporter="World")
                for i in items
            ]
            total = sum(float(v["value"]) for v in vols) / div
            sh = pick(t, material=raw_mat, item=share_item, importer="United States", period="2024", unit="share")
            out[(m, s, "USA")] = {
                "total": total,
                "shares": {iso(r["exporter"]): (float(r["value"]), src.raw(r)) for _, r in sh.iterrows()},
                "txt": f"US imports 2024 {' + '.join(n(float(v['value']) / div) for v in vols)} = {n(total)} t (src {src.raw(vols[0])})",
            }

        us("antimony", "refining", ["oxide", "unwrought metal and powder"], "total metal and oxide", "antimony")
        us("antimony", "mining", ["ore and concentrates"], "ore and concentrates", "antimony")
        us("gallium", "metal", ["metal (HTS 8112.92.1000)"], "metal", "gallium", 1000.0)
        us(
            "germanium",
            "refining",
            ["metal", "dioxide (Ge content, 69% of gross)"],
            "metal and dioxide combined",
            "germanium",
            1000.0,
        )
        us("graphite_natural", "mining", ["all forms"], "all forms", "natural graphite")
        us("cobalt", "refining", ["all forms"], "metal, oxide and salts", "cobalt")
        us("lithium", "refining", ["all forms"], "all forms", "lithium")
        us("nickel", "refining", ["primary"], "primary nickel", "nickel")
        us("tungsten", "mining", ["ores and concentrates"], "ores, concentrates and other forms", "tungsten")
        us("tungsten", "refining", ["other forms"], "ores, concentrates and other forms", "tungsten")
        an = one(t, material="graphite (natural and synthetic)", importer="United States", period="2024-08")
        ash = pick(t, material="graphite (natural and synthetic)", importer="United States", period="2025")
        out[("graphite_anode", "refining", "USA")] = {
            "total": float(an["value"]) * 12 / 8,
            "shares": {iso(r["exporter"]): (float(r["value"]), src.raw(r)) for _, r in ash.iterrows()},
            "txt": f"US anode imports Jan-Aug 2024 {n(an['value'])} t x 12/8 = {n(float(an['value']) * 1.5)} t (src {src.raw(an)}); 2025 source shares",
        }
        return out

    def fixed_flows(self) -> dict[tuple[str, str, str], dict[str, tuple[float, str, str]]]:
        """Individual sourced bilateral flows (2024), by (material, stage, importer) -> exporter."""
        t, src = self.raw.trade, self.src
        out: dict = defaultdict(dict)
        mag = one(t, material="NdFeB magnets", exporter="China", importer="World", period="2024", unit="t")
        w20 = one(t, material="NdFeB magnets", exporter="China", importer="World", period="2020")
        sid = src.estimate(
            "est-trade-magnets-china",
            "China magnet exports 2024 by destination from 2020 destination shares",
            str(mag["source_url"]),
            f"Method: flow = China magnet exports 2024 {n(mag['value'])} t (src {src.raw(mag)}) x destination's share of "
            f"China's 2020 exports (of {n(w20['value'])} t, src {src.raw(w20)}).",
        )
        dest = {
            iso(r["importer"]): float(r["value"])
            for _, r in pick(t, material="NdFeB magnets", exporter="China", period="2020").iterrows()
            if r["importer"] != "World"
        }
        for imp in ("USA", "KOR"):
            v = float(mag["value"]) * dest[imp] / float(w20["value"])
            out[("ndfeb", "magnet", imp)]["CHN"] = (
                v,
                sid,
                f"CHN->{imp} = {n(mag['value'])} x {n(dest[imp])}/{n(w20['value'])} = {n(v)}",
            )
        eu = dest["DEU"] + dest["ITA"]
        v = float(mag["value"]) * eu / float(w20["value"])
        out[("ndfeb", "magnet", "EU27")]["CHN"] = (
            v,
            sid,
            f"CHN->EU27 = {n(mag['value'])} x (Germany {n(dest['DEU'])} + Italy {n(dest['ITA'])})/{n(w20['value'])} = {n(v)} (listed EU destinations only)",
        )
        prs = self.f["pr_share"][0]
        for comp, frac in (("ndpr", 1.0), ("neodymium", 1 - prs), ("praseodymium", prs)):
            for (e, i), (v, vsid, vnote) in self.oxide_ship.items():
                txt = (
                    vnote
                    if comp == "ndpr"
                    else f"{vnote}; x {'(1 - Pr share)' if comp == 'neodymium' else 'Pr share'} {n(frac)} = {n(v * frac)}"
                )
                out[(comp, "separation", i)][e] = (v * frac, vsid, txt)
        jm = one(self.raw.extra, item="NdFeB magnet exports to Japan")
        v = float(jm["value"]) / (1 - 0.039)
        sid_j = src.estimate(
            "est-trade-magnets-china-japan",
            "China magnet exports to Japan 2024 from the 2025 total and its change",
            str(jm["source_url"]),
            "Method: 2024 flow = 2025 flow / (1 - 0.039), the source's 3.9% fall from 2024 to 2025.",
        )
        out[("ndfeb", "magnet", "JPN")]["CHN"] = (
            v,
            sid_j,
            f"CHN->JPN = 2025 exports {n(jm['value'])} t (src {src.raw(jm)}) / (1 - 0.039) = {n(v)}",
        )
        self.concentrate_flows(out)
        usx = one(t, material="rare earths", exporter="United States", importer="World", period="2024")
        sid2 = src.estimate(
            "est-trade-us-ree-concentrate",
            "US rare-earth concentrate exports attributed to China",
            str(usx["source_url"]),
            "US exports of ores and compounds 2024 (mostly Mountain Pass concentrate, sold mainly to China until Apr 2025) all attributed to China.",
        )
        out[("rare_earths", "mining", "CHN")]["USA"] = (
            float(usx["value"]),
            sid2,
            f"USA->CHN = US exports of REE ores and compounds 2024 {n(usx['value'])} t REO (src {src.raw(usx)}), all to China",
        )
        return dict(out)

    def concentrate_flows(self, out: dict) -> None:
        """REE concentrate to China from the countries USGS estimates from China's imports; Mt Weld to Kuantan."""
        mine = self.pv("rare_earths", "mining")
        sid = self.src.estimate(
            "est-trade-ree-concentrate",
            "REE concentrate flows from mine output where the destination is known",
            "https://pubs.usgs.gov/periodicals/mcs2026/mcs2026-rare-earths.pdf",
            "Method: USGS estimates the mine output of Myanmar, Madagascar, Malaysia, Thailand and Vietnam from China's reported imports, so "
            "flow to China = that output; Australia's output (Lynas Mt Weld, the only producer in 2024) is cracked and separated in Malaysia "
            "(Lynas Kuantan), so flow AUS->MYS = Australia's output.",
        )
        for c in ("MMR", "MDG", "MYS", "THA", "VNM"):
            out[("rare_earths", "mining", "CHN")][c] = (
                mine[c],
                sid,
                f"{c}->CHN = {c} mine output {n(mine[c])} t REO (USGS estimate from China's imports)",
            )
        out[("rare_earths", "mining", "MYS")]["AUS"] = (
            mine["AUS"],
            sid,
            f"AUS->MYS = Australia mine output {n(mine['AUS'])} t REO (Mt Weld concentrate to Lynas Kuantan)",
        )

    def trade(self) -> None:
        src = self.src
        rule = src.estimate(
            "est-trade-net-imports",
            "Bilateral flows: importer's net imports split by exporters' exportable surplus",
            "https://pubs.usgs.gov/periodicals/mcs2026/",
            "Method: net imports = max(0, use - domestic output) at the stage (use = demand at the last stage, "
            "else feed to the next stage); exporter surplus = max(0, output - own use); flow = net imports x exporter surplus / total surplus of eligible exporters. "
            "Sourced import totals and source shares (USGS, China customs) replace the rule where available.",
        )
        shr = src.estimate(
            "est-trade-sourced-shares",
            "Bilateral flows = sourced import volume x sourced source-country share",
            "https://pubs.usgs.gov/periodicals/mcs2026/",
            "Method: flow = importer's sourced import tonnage 2024 x exporter's share of its imports (USGS 2021-24 average or latest).",
        )
        sourced, fixed = self.sourced_imports(), self.fixed_flows()
        jp = one(self.raw.trade, material="rare earths", importer="Japan", period="2024-06")
        eu_share = one(self.raw.trade, material="NdFeB magnets", importer="European Union")
        for m, stages in MATERIAL_STAGES.items():
            for s in stages:
                prod = self.pv(m, s)
                use_r = self.region_use(m, s)
                chain_c = self.chain_use(m, s)
                own = {c: (use_r.get(c, 0.0) if c in REGIONS else chain_c.get(c, 0.0)) for c in prod}
                surplus = {c: max(0.0, prod[c] - own[c]) for c in prod}
                fixed_all: dict = {}
                ruled: dict = {}
                for imp in IMPORTERS:
                    dom = (
                        sum(v for c, v in prod.items() if region_of(c) == imp) if imp == "EU27" else prod.get(imp, 0.0)
                    )
                    need = max(0.0, use_r.get(imp, 0.0) - dom)
                    elig = {
                        c: v
                        for c, v in surplus.items()
                        if v > 0 and c != imp and not (imp == "EU27" and c in EU27_MEMBERS)
                    }
                    flows: dict[str, tuple[float, str, str]] = {}
                    if (m, s, imp) in sourced:
                        d = sourced[(m, s, imp)]
                        for c, (sh, ssid) in d["shares"].items():
                            if imp == "EU27" and c in EU27_MEMBERS:
                                continue
                            flows[c] = (
                                d["total"] * sh,
                                shr,
                                f"{c}->{imp} = {d['txt']} x share {n(sh)} (src {ssid}) = {n(d['total'] * sh)}",
                            )
                    else:
                        flows.update(fixed.get((m, s, imp), {}))
                        base_need, note_need = (
                            need,
                            f"net imports = use {n(use_r.get(imp, 0.0))} - output {n(dom)} = {n(need)}",
                        )
                        if m == "ndfeb" and s == "magnet" and imp == "EU27":
                            tot = flows["CHN"][0] / float(eu_share["value"])
                            base_need, note_need = (
                                tot,
                                f"EU27 magnet imports = China flow {n(flows['CHN'][0])} / China share {n(eu_share['value'])} (src {src.raw(eu_share)}) = {n(tot)}",
                            )
                        uncovered = need - sum(v for v, _, _ in flows.values())
                        if imp == "JPN" and m in ("ndpr", "neodymium", "praseodymium") and uncovered > 0:
                            v = uncovered * float(jp["value"])
                            flows["CHN"] = (
                                v,
                                rule,
                                f"CHN->JPN = {note_need} x China share of Japan's REE imports {n(jp['value'])} (H1 2024, src {src.raw(jp)}) = {n(v)}",
                            )
                        rem = base_need - sum(v for v, _, _ in flows.values())
                        tot_s = sum(elig.values())
                        if rem > 0 and tot_s > 0:
                            for c, v in elig.items():
                                val = rem * v / tot_s
                                txt = f"{c}->{imp} rule part = remaining need {n(rem)} ({note_need}) x {c} surplus {n(v)} / eligible surplus {n(tot_s)} = {n(val)}"
                                ruled[(c, imp)] = (val, txt)
                    if not flows and not any(k[1] == imp for k in ruled) and use_r.get(imp, 0.0) > 0:
                        others = {
                            c: v
                            for c, v in prod.items()
                            if c != imp and c != "ROW" and not (imp == "EU27" and c in EU27_MEMBERS)
                        }
                        flows.update(self._floor(imp, use_r[imp], elig or others, "surplus" if elig else "output"))
                    fixed_all.update({(c, imp): f for c, f in flows.items()})
                for imp in self.EXTRA_IMPORTERS.get((m, s), ()):
                    fixed_all.update({(c, imp): f for c, f in fixed.get((m, s, imp), {}).items()})
                self._write_trade(m, s, fixed_all, ruled, surplus, rule)
                fixed_all, ruled = {}, {}

    EXTRA_IMPORTERS = {("rare_earths", "mining"): ("MYS",)}
    FLOOR = 0.05

    def _floor(self, imp: str, use: float, weights: dict, basis: str) -> dict[str, tuple[float, str, str]]:
        """Gross imports of a self-sufficient user: a floor share of its use, split by others' surplus (else output)."""
        sid = self.src.assumption(
            "asm-gross-import-floor",
            "gross imports of self-sufficient users 0.05 of use",
            "A country that uses a product at a stage and makes at least as much of it still imports some (grades, contracts, "
            "cross-border plants): gross imports = 0.05 of its use (range 0.02-0.15), split across other countries' exportable surplus "
            "(or their output where none has a surplus); its own output covers the rest.",
        )
        tot = sum(weights.values())
        out = {}
        for c, v in weights.items():
            val = self.FLOOR * use * v / tot
            if val > 0:
                out[c] = (
                    val,
                    sid,
                    f"{c}->{imp} = floor {n(self.FLOOR)} x {imp} use {n(use)} ({imp} output covers its use) "
                    f"x {c} {basis} {n(v)} / total {n(tot)} = {n(val)}",
                )
        return out

    def _write_trade(self, m: str, s: str, fixed: dict, ruled: dict, surplus: dict, rule: str) -> None:
        """Rule parts are scaled so no exporter ships more than its surplus; sourced flows are kept.

        Gross-import floors of self-sufficient users come last: where an exporter also serves net importers
        by the rule, its floor shipments are capped at the surplus those leave (net importers first).
        """
        floor_sid = "asm-gross-import-floor"
        sent: dict[str, float] = defaultdict(float)
        for (c, _), (v, _) in ruled.items():
            sent[c] += v
        firm = {k: f for k, f in fixed.items() if f[1] != floor_sid}
        room = {
            c: max(0.0, surplus.get(c, 0.0) - sum(fv for (fc, _), (fv, _, _) in firm.items() if fc == c)) for c in sent
        }
        kcap = {c: (min(1.0, room[c] / sent[c]) if sent[c] > 0 else 0.0) for c in sent}
        floors: dict[str, float] = defaultdict(float)
        for (c, _), (v, sid, _) in fixed.items():
            if sid == floor_sid:
                floors[c] += v
        fcap = {
            c: min(1.0, max(0.0, room[c] - sent[c] * kcap[c]) / f) for c, f in floors.items() if c in sent and f > 0
        }
        for c, imp in sorted(set(fixed) | set(ruled)):
            v, sid, note = fixed.get((c, imp), (0.0, rule, ""))
            if sid == floor_sid and fcap.get(c, 1.0) < 1.0:
                v *= fcap[c]
                note += (
                    f"; x cap {n(fcap[c])} (the exporter's surplus left after its net importers' rule parts) = {n(v)}"
                )
            if (c, imp) in ruled:
                rv, txt = ruled[(c, imp)]
                k = kcap[c]
                rv *= k
                txt += f" x cap {n(k)} (exporter's surplus {n(room[c])} shared over its importers)" if k < 1 else ""
                if rv > 0:
                    v, sid, note = (
                        v + rv,
                        (sid if (c, imp) in fixed else rule),
                        (note + "; + " if note else "") + txt + (f" -> total {n(v + rv)}" if note else ""),
                    )
            if v > 0:
                self.t["trade"].add(
                    material=m,
                    stage=s,
                    exporter=c,
                    importer=imp,
                    year=YEAR,
                    value=v,
                    unit="t/year",
                    source_id=sid,
                    note=note,
                )

    # ---- inventory cover -----------------------------------------------------------------
    def inventory_cover(self) -> None:
        src, mp = self.src, self.raw.params
        asm = src.assumption(
            "asm-user-cover-default",
            "users' working inventory 30 days",
            "Default users' working inventory where no source gives one: 30 days of own use, range 14-60 days.",
        )
        sourced = {}
        for m, prefix in (
            ("gallium", "user inventory cover (US gallium"),
            ("cobalt", "user inventory cover (US cobalt"),
            ("nickel", "user inventory cover (US nickel"),
        ):
            r = mp[mp["parameter"].str.startswith(prefix)].iloc[0]
            sourced[(m, "USA")] = (
                float(r["value"]) * 7,
                src.raw(r),
                f"{n(r['value'])} weeks x 7 = {n(float(r['value']) * 7)} days (USGS year-end stocks / use)",
            )
        auto = mp[mp["parameter"].str.startswith("user inventory cover (auto")].iloc[0]
        keys = sorted({(k[0], k[1], k[2]) for k in self.t["demand"].rows})
        for m, r, sec in keys:
            if (m, r) in sourced:
                v, sid, note = sourced[(m, r)]
            elif sec == "automotive":
                v, sid, note = (
                    float(auto["value"]) * 7,
                    src.raw(auto),
                    f"carmakers hold 2-4 weeks: {n(auto['value'])} weeks x 7 = {n(float(auto['value']) * 7)} days (assumption to calibrate)",
                )
            else:
                v, sid, note = 30.0, asm, "default 30 days of own use (range 14-60)"
            self.t["inventory_cover"].add(
                material=m, region=r, sector=sec, value=v, unit="day", source_id=sid, note=note
            )

    # ---- stockpiles ----------------------------------------------------------------------
    def stockpile(self) -> None:
        src, st = self.src, self.raw.stock
        dem = defaultdict(float)
        for k, r in self.t["demand"].rows.items():
            dem[(k[0], k[1])] += r["value"]
        sid = src.estimate(
            "est-stockpile-from-target",
            "Stockpile holding = target days x annual use / 365 (target assumed met)",
            "https://origin.iea.org/policies/16639-international-resource-strategy-national-stockpiling-system",
            "Method: holding = target days x region's annual use 2024 / 365; holdings are secret, so meeting the target is an upper estimate.",
        )
        jo = one(st, holder="Japan (JOGMEC)", metric="target days of domestic consumption (default)")
        held = one(st, holder="Japan (JOGMEC)", metric="number of metals held")
        for m in ("tungsten", "cobalt", "nickel"):
            u = dem[(m, "JPN")]
            v = float(jo["value"]) * u / 365
            self.t["stockpile"].add(
                holder="JPN-JOGMEC",
                material=m,
                year=YEAR,
                holder_country="JPN",
                value=v,
                unit="t",
                source_id=sid,
                note=f"{n(jo['value'])} days (src {src.raw(jo)}) x Japan use {n(u)} / 365 = {n(v)}; W, Co, Ni among the seven metals held (src {src.raw(held)})",
            )
        ko = one(st, holder="South Korea (KOMIR)", metric="target days of import/consumption", material="rare metals")
        kn = one(
            st, holder="South Korea (KOMIR)", metric="target days of import/consumption", material="non-ferrous metals"
        )
        kl = one(st, holder="South Korea (PPS/KOMIR)", metric="days of cover held")
        for m in ("antimony", "gallium", "germanium", "tungsten", "cobalt", "rare_earths", "nickel", "lithium"):
            u = dem[(m, "KOR")]
            row, what = (
                (kn, "non-ferrous target")
                if m == "nickel"
                else (kl, "days held (Sep 2022)")
                if m == "lithium"
                else (ko, "rare-metal target")
            )
            v = float(row["value"]) * u / 365
            if u <= 0:
                continue
            self.t["stockpile"].add(
                holder="KOR-KOMIR",
                material=m,
                year=YEAR,
                holder_country="KOR",
                value=v,
                unit="t",
                source_id=sid,
                note=f"{what} {n(row['value'])} days (src {src.raw(row)}) x Korea use {n(u)} / 365 = {n(v)}",
            )
        ga = one(st, material="gallium", metric="held (1 = yes)")
        self.t["stockpile"].add(
            holder="USA-NDS",
            material="gallium",
            year=2023,
            holder_country="USA",
            value=0.0,
            unit="t",
            source_id=src.raw(ga),
            note="Pentagon held no gallium reserve (Jul 2023); source says none",
        )
        eu = one(st, holder="European Union (Commission)")
        for m in ("rare_earths", "ndfeb"):
            self.t["stockpile"].add(
                holder="EU27-RESOURCEEU",
                material=m,
                year=YEAR,
                holder_country="EU27",
                value=0.0,
                unit="t",
                source_id=src.raw(eu),
                note="RESourceEU stockpiling pilot announced 3 Dec 2025: no EU stock existed at end-2024",
            )

    # ---- prices --------------------------------------------------------------------------
    PRICE_MAP = {  # raw material, form -> (material, stage)
        ("NdPr oxide", "NdPr oxide 99% min"): ("ndpr", "separation"),
        ("Nd oxide", "Nd oxide 99.5% min"): ("neodymium", "separation"),
        ("Pr oxide", "Pr oxide 99.99% min"): ("praseodymium", "separation"),
        ("gallium", "metal, HTS 8112.92.1000"): ("gallium", "metal"),
        ("germanium", "metal 99.999%"): ("germanium", "refining"),
        ("natural graphite", "flake"): ("graphite_natural", "mining"),
        ("antimony", "metal 99.65% min"): ("antimony", "refining"),
        ("cobalt", "metal"): ("cobalt", "refining"),
        ("lithium carbonate", "battery grade"): ("lithium", "refining"),
        ("nickel", "metal"): ("nickel", "refining"),
        ("tungsten", "concentrate"): ("tungsten", "mining"),
        ("Dy oxide", "oxide 99.5%"): ("dysprosium", "separation"),
        ("Dy oxide", "oxide"): ("dysprosium", "separation"),
        ("Tb oxide", "oxide"): ("terbium", "separation"),
        ("Nd oxide", "oxide"): ("neodymium", "separation"),
        ("Pr oxide", "oxide"): ("praseodymium", "separation"),
        ("NdPr oxide", "oxide"): ("ndpr", "separation"),
        ("La oxide", "oxide"): ("rare_earths", "mining"),
        ("Nd metal", "metal"): ("neodymium", "metal"),
        ("gallium", "metal 99.99%"): ("gallium", "metal"),
        ("gallium", "metal"): ("gallium", "metal"),
        ("germanium", "metal"): ("germanium", "refining"),
        ("germanium", "ingot"): ("germanium", "refining"),
        ("antimony", "regulus / trioxide"): ("antimony", "refining"),
        ("antimony", "metal MMTA grade II"): ("antimony", "refining"),
        ("natural graphite", "spherical 99.95% C, 15 micron"): ("graphite_anode", "refining"),
        ("lithium carbonate", "industrial grade"): ("lithium", "refining"),
        ("lithium hydroxide", "battery grade"): ("lithium", "refining"),
        ("tungsten", "APT"): ("tungsten", "refining"),
        ("tungsten", "concentrate 65% WO3"): ("tungsten", "mining"),
        ("NdFeB magnets", "rare-earth permanent magnets (HS 85051110)"): ("ndfeb", "magnet"),
        ("natural graphite", "flake 94% C, -100 mesh"): ("graphite_natural", "mining"),
        ("natural graphite", "flake 94% C, +80 mesh"): ("graphite_natural", "mining"),
        ("natural graphite", "flake 94% C, +100 mesh"): ("graphite_natural", "mining"),
    }

    def cny_rate(self) -> tuple[float, str, str]:
        r = one(self.raw.prices, material="NdPr oxide", date="2026-02")
        rate = float(r["value"]) / 123000.0
        return (
            rate,
            self.src.raw(r),
            f"CNY/USD {n(rate)} = 850,000 CNY/t / 123 USD/kg x 1000 (the source's own conversion, Feb 2026)",
        )

    def to_usd_kg(self, r: pd.Series, m: str) -> tuple[float, str] | None:
        u, v = str(r["unit"]).strip(), float(r["value"])
        rate, rsid, rtxt = self.cny_rate()
        if u == "USD/kg":
            return v, f"{n(v)} USD/kg as published"
        if u == "USD/t":
            if m == "lithium":
                lce = self.f["lce"][0]
                return (
                    v / 1000 * lce,
                    f"{n(v)} USD/t LCE / 1000 x {n(lce)} t LCE per t Li (src {self.f['lce'][1]}) = {n(v / 1000 * lce)} USD/kg Li",
                )
            return v / 1000, f"{n(v)} USD/t / 1000 = {n(v / 1000)} USD/kg"
        if u == "USD/lb":
            return v * 2.20462, f"{n(v)} USD/lb x 2.20462 lb/kg = {n(v * 2.20462)} USD/kg"
        if u == "USD/mtu WO3":
            k = self.f["mtu"][0]
            return v / k, f"{n(v)} USD/mtu WO3 / {n(k)} kg W per mtu (src {self.f['mtu'][1]}) = {n(v / k)} USD/kg W"
        if u in ("CNY/t", "CNY/kg"):
            per_kg = v / 1000 if u == "CNY/t" else v
            if m == "lithium":
                lce = self.f["lce"][0]
                return (
                    per_kg / rate * lce,
                    f"{n(v)} {u} -> {n(per_kg)} CNY/kg LCE / {n(rate)} CNY/USD ({rtxt}, src {rsid}) x {n(lce)} = {n(per_kg / rate * lce)} USD/kg Li",
                )
            return (
                per_kg / rate,
                f"{n(v)} {u} -> {n(per_kg)} CNY/kg / {n(rate)} CNY/USD ({rtxt}, src {rsid}) = {n(per_kg / rate)} USD/kg",
            )
        return None

    def market_of(self, market: str) -> str:
        return "china_domestic" if "China domestic" in market else "international"

    def prices(self) -> None:
        src, pr = self.src, self.raw.prices
        self.obs = Table(
            "price_observations.csv",
            ["material", "stage", "market", "product", "date", "value", "unit", "source_id", "note"],
            ["material", "stage", "market", "product", "date"],
        )
        conv = src.estimate(
            "est-price-conversion",
            "Prices converted to USD/kg on the stage's basis",
            "https://pubs.usgs.gov/periodicals/mcs2026/",
            "Method: USD/lb x 2.20462; USD/t / 1000; USD/t LCE / 1000 x 5.323 (per kg Li); USD/mtu WO3 / 7.93 (per kg W); CNY at the source's own rate.",
        )
        ranges: dict[tuple, list] = defaultdict(list)
        for _, r in pr.iterrows():
            key = (r["material"], r["form"])
            if key not in self.PRICE_MAP or "fractional change" in str(r["unit"]):
                continue
            m, s = self.PRICE_MAP[key]
            date = str(r["date"])
            if (
                "range" in str(r["basis"])
                or str(r["basis"]).startswith("assessment range")
                or "quotation range" in str(r["basis"])
            ):
                ranges[(m, s, self.market_of(r["market"]), f"{r['form']} ({r['market']})", date)].append(r)
                continue
            cv = self.to_usd_kg(r, m)
            if cv is None:
                continue
            v, how = cv
            mk = self.market_of(r["market"])
            if len(date) == 4 and "annual" in str(r["basis"]):
                if m == "cobalt" and "LME" not in r["market"]:
                    self.alternative(
                        "price",
                        f"material=cobalt;stage=refining;market=international;year={date}",
                        v,
                        "USD/kg",
                        src.raw(r),
                        "US spot cathode (Platts); LME cash chosen as the wider international market.",
                    )
                    continue
                sid = src.raw(r) if str(r["unit"]).strip() == "USD/kg" else conv
                if (m, s, mk, date) == ("gallium", "metal", "international", "2023"):
                    self.alternative(
                        "price",
                        "material=gallium;stage=metal;market=international;year=2023",
                        v,
                        "USD/kg",
                        src.raw(r),
                        "US import unit value, 2023 annual average: contains the rise after China's Jul-Aug 2023 export controls "
                        "(Rotterdam 257.5 USD/kg on 30 Jun, 550 in mid-Dec); a run starting in 2023 needs the pre-control level, "
                        "so price.csv 2023 holds the 30 Jun 2023 Rotterdam midpoint.",
                    )
                    continue
                self.t["price"].add(
                    material=m,
                    stage=s,
                    market=mk,
                    year=int(date),
                    value=v,
                    unit="USD/kg",
                    source_id=sid,
                    note=f"{r['form']}, {r['market']}, {r['basis']}; {how}"
                    + ("" if sid == src.raw(r) else f" (src {src.raw(r)})"),
                )
            else:
                sid = src.raw(r) if str(r["unit"]).strip() == "USD/kg" else conv
                self.obs.add(
                    material=m,
                    stage=s,
                    market=mk,
                    product=f"{r['form']} ({r['market']}; {r['basis']})",
                    date=date,
                    value=v,
                    unit="USD/kg",
                    source_id=sid,
                    note=f"{r['basis']}; {how}" + ("" if sid == src.raw(r) else f" (src {src.raw(r)})"),
                )
        for (m, s, mk, prod, date), rows in ranges.items():
            conv_rows = [self.to_usd_kg(r, m) for r in rows]
            vals = [c[0] for c in conv_rows if c]
            if not vals:
                continue
            mid = sum(vals) / len(vals)
            r0 = rows[0]
            sid = src.raw(r0) if str(r0["unit"]).strip() == "USD/kg" and len(vals) == 1 else conv
            self.obs.add(
                material=m,
                stage=s,
                market=mk,
                product=prod,
                date=date,
                value=mid,
                unit="USD/kg",
                source_id=sid,
                note=f"range {' to '.join(n(v) for v in sorted(vals))} USD/kg, midpoint {n(mid)}; original {', '.join(n(r['value']) for r in rows)} {r0['unit']} (src {src.raw(r0)})",
            )
        self.extra_price_points()
        self.domestic_annual()
        self.gallium_precontrol()
        # annual values derived from flows
        t = self.raw.trade
        val = one(t, material="NdFeB magnets", unit="USD", period="2024")
        vol = one(t, material="NdFeB magnets", exporter="China", importer="World", period="2024", unit="t")
        v = float(val["value"]) / float(vol["value"]) / 1000
        sid = src.estimate(
            "est-price-unit-values",
            "Annual export unit values = export value / export volume",
            str(val["source_url"]),
            "unit value = value / tonnes / 1000.",
        )
        self.t["price"].add(
            material="ndfeb",
            stage="magnet",
            market="international",
            year=YEAR,
            value=v,
            unit="USD/kg",
            source_id=sid,
            note=f"China magnet export value {n(val['value'])} USD / {n(vol['value'])} t / 1000 = {n(v)} USD/kg (srcs {src.raw(val)}, {src.raw(vol)})",
        )
        ree = one(t, material="rare earths", exporter="China", importer="World", period="2024", unit="t")
        v = 488.8e6 / float(ree["value"]) / 1000
        self.t["price"].add(
            material="rare_earths",
            stage="mining",
            market="international",
            year=YEAR,
            value=v,
            unit="USD/kg",
            source_id=sid,
            note=f"China REE exports 2024 value 488.8 m USD / {n(ree['value'])} t / 1000 = {n(v)} USD/kg gross weight of compounds and metals (src {src.raw(ree)}); not a concentrate price",
        )

    def gallium_precontrol(self) -> None:
        """Gallium international 2023 = the last pre-control quote (Rotterdam 99.99%, 30 Jun 2023), not the annual average."""
        r = self.obs.rows[("gallium", "metal", "international", "metal 99.99% (Rotterdam)", "2023-06-30")]
        lo = one(
            self.raw.prices, material="gallium", market="Rotterdam", date="2023-06-30", basis="assessment range low"
        )
        sid = self.src.estimate(
            "est-price-precontrol-baseline",
            "Annual price of a year with a mid-year export control = last pre-control quote",
            str(lo["source_url"]),
            "Method: where an export control took effect during the year, the annual row holds the last dated "
            "quote before the announcement (range midpoint), so a run starting in that year begins from the pre-control level; the "
            "annual average is kept in alternatives.csv. Used for gallium 2023 (announced 3 Jul, effective 1 Aug 2023).",
        )
        self.t["price"].add(
            material="gallium",
            stage="metal",
            market="international",
            year=2023,
            value=r["value"],
            unit="USD/kg",
            source_id=sid,
            note=f"pre-control level, not an annual average: Rotterdam 99.99% on 30 Jun 2023, range 250 to 265 USD/kg, midpoint {n(r['value'])} "
            f"(src {self.src.raw(lo)}); the 2023 US import unit value 365 USD/kg (annual average incl. the post-control rise) is in alternatives.csv; "
            f"other years are US import unit values",
        )

    EXTRA_PRICE_STAGE = {
        "ndpr": "separation",
        "dysprosium": "separation",
        "terbium": "separation",
        "gallium": "metal",
        "cobalt": "refining",
        "antimony": "refining",
    }

    def extra_price_points(self) -> None:
        """China-domestic quotes appended in additional_sources.csv -> price observations (USD/kg)."""
        rate, rsid, rtxt = self.cny_rate()
        for _, r in self.raw.extra[self.raw.extra["item"].str.startswith("price china_domestic")].iterrows():
            m, v, u = str(r["material"]), float(r["value"]), str(r["unit"])
            if u.startswith("CNY/kg (weekly change)"):
                level = -v / 0.0091 + v
                sid = self.src.estimate(
                    "est-price-level-from-change",
                    "Price level from a published change and its percentage",
                    str(r["source_url"]),
                    "Method: level after = |change| / |percent change| - |change|.",
                )
                usd, how = (
                    level / rate,
                    f"level = 60 / 0.0091 - 60 = {n(level)} CNY/kg / {n(rate)} CNY/USD = {n(level / rate)} USD/kg (src {self.src.raw(r)})",
                )
            else:
                per_kg = v / 1000 if u == "CNY/t" else v
                sid, usd = "est-price-conversion", per_kg / rate
                how = f"{n(v)} {u} -> {n(per_kg)} CNY/kg / {n(rate)} CNY/USD ({rtxt}, src {rsid}) = {n(usd)} USD/kg (src {self.src.raw(r)})"
            self.obs.add(
                material=m,
                stage=self.EXTRA_PRICE_STAGE[m],
                market="china_domestic",
                product=f"{r['item'][21:]} ({r['source'][:40]})",
                date=str(r["year"]),
                value=usd,
                unit="USD/kg",
                source_id=sid,
                note=how,
            )

    def domestic_annual(self) -> None:
        """Annual china_domestic price = mean of that year's dated China-domestic observations (single quotes stand for the year)."""
        sid = self.src.estimate(
            "est-price-domestic-annual",
            "China-domestic annual price from the year's dated quotes",
            "https://pubs.usgs.gov/periodicals/mcs2026/",
            "Method: annual china_domestic price = mean of the dated China-domestic "
            "observations of that year in price_observations.csv (often one quote; not a true annual average).",
        )
        by: dict[tuple, list] = defaultdict(list)
        for (m, st, mk, _product, date), r in sorted(self.obs.rows.items()):
            if mk == "china_domestic" and len(date) >= 4:
                by[(m, st, int(date[:4]))].append((date, r["value"]))
        for (m, st, y), pts in sorted(by.items()):
            if self.t["price"].has(m, st, "china_domestic", y):
                continue
            v = sum(x for _, x in pts) / len(pts)
            self.t["price"].add(
                material=m,
                stage=st,
                market="china_domestic",
                year=y,
                value=v,
                unit="USD/kg",
                source_id=sid,
                note=f"mean of {len(pts)} China-domestic quote(s) {', '.join(f'{d}: {n(x)}' for d, x in pts)} USD/kg = {n(v)} (price_observations.csv)",
            )

    # ---- monthly trade observations ------------------------------------------------------
    TRADE_OBS_MAT = {
        "rare earths": "rare_earths",
        "gallium": "gallium",
        "germanium": "germanium",
        "natural graphite": "graphite_natural",
        "antimony": "antimony",
        "NdFeB magnets": "ndfeb",
    }

    # coverage of China's graphite export series: one word per item (other rows: "item" = as the item names it)
    GRAPHITE_OBS_BASIS = {
        "natural graphite": (
            "flake+spherical",
            "basis flake+spherical: all natural graphite HS lines under China's Dec 2023 controls, i.e. flake "
            "and spherical graphite together (Fastmarkets' separate flake and spherical series sum to 23502 + 12186 = 35688 t in "
            "Nov and 1427 + 948 = 2375 t in Dec 2023, so this series also counts other controlled natural graphite lines); "
            "compare with the model's graphite_natural plus the spherical part of graphite_anode, not with flake alone",
        ),
        "flake graphite": (
            "flake",
            "basis flake: flake graphite only (no spherical); compare with the model's graphite_natural exports",
        ),
        "spherical graphite": (
            "spherical",
            "basis spherical: spherical graphite only, which the model carries inside graphite_anode",
        ),
    }

    def trade_observations(self) -> None:
        src, t = self.src, self.raw.trade
        self.tobs = Table(
            "trade_observations.csv",
            ["material", "item", "exporter", "importer", "period", "value", "unit", "basis", "source_id", "note"],
            ["material", "item", "exporter", "importer", "period"],
        )
        for _, r in t.iterrows():
            per = str(r["period"])
            if (
                len(per) != 7
                or r["material"] not in self.TRADE_OBS_MAT
                or ";" in str(r["importer"])
                or str(r["unit"]).strip() not in ("t", "kg", "t/month")
            ):
                continue
            if "cumulative" in str(r["basis"]):
                continue
            v = float(r["value"]) / (1000.0 if str(r["unit"]).strip() == "kg" else 1.0)
            exp, imp = iso(r["exporter"]), iso(r["importer"])
            exp, imp = ("ROW" if exp == "WORLD" else exp), ("ROW" if imp == "WORLD" else imp)
            raw_note = "" if pd.isna(r["note"]) else f"; {str(r['note'])[:160]}"
            basis, btxt = "item", ""
            if r["material"] == "natural graphite" and str(r["item"]) in self.GRAPHITE_OBS_BASIS:
                basis, btxt = self.GRAPHITE_OBS_BASIS[str(r["item"])]
                btxt = "; " + btxt
            note = (
                f"{r['basis']}{raw_note}"
                + (f"; {n(r['value'])} kg / 1000" if str(r["unit"]).strip() == "kg" else "")
                + ("; ROW = all partners" if "World" in (r["exporter"], r["importer"]) else "")
                + btxt
            )
            self.tobs.add(
                material=self.TRADE_OBS_MAT[r["material"]],
                item=str(r["item"]),
                exporter=exp,
                importer=imp,
                period=per,
                value=v,
                unit="t",
                basis=basis,
                source_id=src.raw(r),
                note=note,
            )

    # ---- parameters ----------------------------------------------------------------------
    PMAT = {
        "rare earths": "rare_earths",
        "all": "all",
        "NdFeB magnets": "ndfeb",
        "NdPr oxide": "ndpr",
        "Dy": "dysprosium",
        "Tb": "terbium",
        "Nd": "neodymium",
        "Pr": "praseodymium",
        "Ga": "gallium",
        "Ge": "germanium",
        "natural graphite": "graphite_natural",
        "Sb": "antimony",
        "W": "tungsten",
        "Co": "cobalt",
        "Li": "lithium",
        "Ni": "nickel",
        "gallium": "gallium",
        "germanium": "germanium",
        "cobalt": "cobalt",
        "nickel": "nickel",
        "lithium carbonate equivalent": "lithium",
        "all energy minerals": "all",
        "Ce": "rare_earths",
    }
    PUNIT = {
        "share of total demand per year": "1/year",
        "share of world market per year": "1/year",
        "years": "year",
        "share of demand per year": "1/year",
        "USD/kg": "USD/kg",
        "share": "1",
        "weeks": "week",
        "working days": "day",
        "share of demand": "1",
        "share reduction": "1",
        "share of demand (lower bound)": "1",
        "share of quota": "1",
        "months": "month",
        "USD/t LCE": "USD/t",
    }

    def parameters(self) -> None:
        src, mp, pt = self.src, self.raw.params, self.t["parameters"]

        def add(
            par: str, mat: str, v: float, lo: float | None, hi: float | None, unit: str, sid: str, note: str
        ) -> None:
            pt.add(parameter=par, material=mat, value=float(v), low=lo, high=hi, unit=unit, source_id=sid, note=note)

        for _, r in mp.iterrows():
            if str(r["unit"]) in ("flag", "nan") or r["unit"] not in self.PUNIT:
                continue
            name = re.sub(r"[^a-z0-9]+", "_", str(r["parameter"]).lower()).strip("_")
            if r["unit"] == "working days":
                name += "_working_days"
            v, lo, hi = r["value"], r["low"], r["high"]
            note = str(r["note"])[:200]
            if pd.isna(v):
                v = (float(lo) + float(hi)) / 2
                note = f"value = midpoint of {n(lo)}-{n(hi)} = {n(v)}; " + note
            for raw_m in str(r["material"]).split(";"):
                raw_m = raw_m.strip()
                mat = self.PMAT[raw_m]
                par = name + ("_cerium" if raw_m == "Ce" else "")
                if pt.has(par, mat):
                    continue
                add(
                    par,
                    mat,
                    float(v),
                    None if pd.isna(lo) else float(lo),
                    None if pd.isna(hi) else float(hi),
                    self.PUNIT[r["unit"]],
                    src.raw(r),
                    note,
                )
        for _, r in pick(self.raw.extra, unit="index").iterrows():
            mat = str(r["material"]).split(" ")[0]
            grp = "_lree" if "LREE" in r["material"] else "_hree" if "HREE" in r["material"] else ""
            par = ("eu_supply_risk_2023" if "supply risk" in r["item"] else "eu_economic_importance_2023") + grp
            add(
                par,
                mat,
                float(r["value"]),
                None,
                None,
                "1",
                src.raw(r),
                f"EU CRM 2023 published {r['item']} for {r['material']}",
            )
        self.derived_parameters(add)
        self.assumed_parameters(add)

    def derived_parameters(self, add) -> None:  # noqa: ANN001
        src, t = self.src, self.raw.trade
        sid = src.estimate(
            "est-episode-parameters",
            "Shock parameters computed from monthly export observations",
            "https://www.fastmarkets.com/insights/chinas-graphite-exports-plunge-in-december-after-introduction-of-export-controls",
            "Front-loading multiple = pre-deadline month / baseline month; first-month drop = 1 - first licensed month / previous month; leakage = exports / quota - 1.",
        )
        base = one(t, material="natural graphite", item="natural graphite", period="2023-10")
        nov = one(t, material="natural graphite", item="natural graphite", period="2023-11")
        dec = one(t, material="natural graphite", item="natural graphite", period="2023-12")
        fl = float(nov["value"]) / float(base["value"])
        add(
            "front_loading_multiple",
            "all",
            fl,
            2.0,
            fl,
            "1",
            sid,
            f"graphite Nov 2023 {n(nov['value'])} t / Jan-Oct 2023 monthly average {n(base['value'])} t = {n(fl)} (srcs {src.raw(nov)}, {src.raw(base)}); low 2.0 = Ge Jul 2023 'more than doubled' vs Jun",
        )
        drop = 1 - float(dec["value"]) / float(nov["value"])
        add(
            "first_month_drop",
            "all",
            drop,
            1 - float(dec["value"]) / float(base["value"]),
            1.0,
            "1",
            sid,
            f"graphite Dec 2023 1 - {n(dec['value'])}/{n(nov['value'])} = {n(drop)}; low = 1 - Dec/baseline = {n(1 - float(dec['value']) / float(base['value']))}; high 1.0 = Ga/Ge zero exports Aug 2023",
        )
        ex = one(t, material="rare earths", item="all rare-earth exports", importer="World", period="2010")
        quota = 30258.0
        ctl = pick(self.raw.controls, event_id="CN-2010-REE-QUOTA").iloc[1]
        lk = float(ex["value"]) / quota - 1
        add(
            "leakage_share",
            "all",
            lk,
            None,
            None,
            "1",
            sid,
            f"China 2010 REE exports {n(ex['value'])} t (src {src.raw(ex)}) / quota {n(quota)} t (src {src.raw(ctl)}) - 1 = {n(lk)}",
        )

    def assumed_parameters(self, add) -> None:  # noqa: ANN001
        src = self.src
        el = src.assumption(
            "asm-price-elasticity",
            "short-run price elasticity of demand -0.1 per material",
            "No elasticity values in the sources (gap noted in data-raw/SOURCES_market.md: USGS OFR 2025-1047 tables not retrieved; "
            "Evans & Lewis 2002 warn against a common metals elasticity). Short-run demand elasticity -0.1, range -0.3 to -0.05, for every material.",
        )
        for m in MATERIAL_STAGES:
            add(
                "price_elasticity_demand",
                m,
                -0.1,
                -0.3,
                -0.05,
                "1",
                el,
                "short-run own-price elasticity (assumption, range -0.3 to -0.05)",
            )
        pc = src.assumption(
            "asm-price-cover-response",
            "price response to users' cover -1.0",
            "Relative price change per relative fall in users' days of cover below normal = -1.0 (range -2.0 to -0.5); calibrate on 2023 Ga (+114%) and 2010-11 Dy episodes.",
        )
        add(
            "price_response_to_cover",
            "all",
            -1.0,
            -2.0,
            -0.5,
            "1",
            pc,
            "d(price)/price per d(cover)/cover = -1.0 (assumption, range -2.0 to -0.5)",
        )
        mo = src.assumption(
            "asm-min-operating-level",
            "minimum operating level by sector",
            "Share of normal input below which a sector stops: automotive 0.9 (0.8-0.95), semiconductors 0.8 (0.7-0.9), batteries 0.8 (0.7-0.9), "
            "electronics 0.7 (0.5-0.85), industrial 0.6 (0.4-0.8), wind 0.5 (0.3-0.7), defence 0.5 (0.3-0.8), optics 0.6 (0.4-0.8), metallurgy 0.5 (0.3-0.7), chemicals 0.5 (0.3-0.7), all 0.6 (0.4-0.8).",
        )
        lv = {
            "automotive": (0.9, 0.8, 0.95),
            "semiconductors": (0.8, 0.7, 0.9),
            "batteries": (0.8, 0.7, 0.9),
            "electronics": (0.7, 0.5, 0.85),
            "industrial": (0.6, 0.4, 0.8),
            "wind": (0.5, 0.3, 0.7),
            "defence": (0.5, 0.3, 0.8),
            "optics": (0.6, 0.4, 0.8),
            "metallurgy": (0.5, 0.3, 0.7),
            "chemicals": (0.5, 0.3, 0.7),
            "all": (0.6, 0.4, 0.8),
        }
        for sec, (v, lo, hi) in lv.items():
            add(
                f"min_operating_level_{sec}",
                "all",
                v,
                lo,
                hi,
                "1",
                mo,
                f"{sec}: stops below {n(v)} of normal input (assumption)",
            )
        mult = {
            "automotive": 100.0,
            "wind": 50.0,
            "electronics": 100.0,
            "industrial": 50.0,
            "defence": 200.0,
            "semiconductors": 200.0,
            "optics": 100.0,
            "batteries": 20.0,
            "metallurgy": 10.0,
            "chemicals": 10.0,
            "all": 20.0,
        }
        src.assumption(
            "asm-value-added-multiple",
            "value of lost output per value of material by sector",
            "Value of lost production per value of the missing material: "
            + ", ".join(f"{k} {n(v)}" for k, v in mult.items())
            + " (each range: one fifth to five times the value).",
        )
        sid = src.estimate(
            "est-value-lost-production",
            "Value of lost production per t = material price x value-added multiple",
            "https://pubs.usgs.gov/periodicals/mcs2026/",
            "Method: USD/t lost = latest price (USD/kg, price.csv) x 1000 x sector multiple (asm-value-added-multiple).",
        )
        latest: dict[str, tuple[float, int, str]] = {}
        for (m, s, mk, y), r in sorted(self.t["price"].rows.items()):
            if mk != "international":
                continue
            rank = (s == LAST[m], y)
            if m not in latest or rank >= (latest[m][2] == LAST[m], latest[m][1]):
                latest[m] = (r["value"], y, s)
        secs = defaultdict(set)
        for k in self.t["demand"].rows:
            secs[k[0]].add(k[2])
        for m, ss in sorted(secs.items()):
            if m not in latest:
                continue
            pr, y, s = latest[m]
            for sec in sorted(ss):
                v = pr * 1000 * mult[sec]
                add(
                    f"value_lost_production_{sec}",
                    m,
                    v,
                    v / 5,
                    v * 5,
                    "USD/t",
                    sid,
                    f"{m} {s} price {n(pr)} USD/kg ({y}, price.csv) x 1000 x multiple {n(mult[sec])} = {n(v)} USD/t",
                )

    # ---- projects and export controls ----------------------------------------------------
    PROJ_MAT = {
        "REE (NdPr oxide)": "ndpr",
        "REE": "rare_earths",
        "NdFeB magnets": "ndfeb",
        "REE (Dy, Tb)": "dysprosium;terbium",
        "NdFeB magnets; NdPr metal": "ndfeb;ndpr",
        "NdFeB magnets (recycled feed)": "ndfeb",
        "REE (NdPr, Dy oxide)": "ndpr;dysprosium",
        "REE (Dy, Tb oxide)": "dysprosium;terbium",
        "REE (heavy)": "dysprosium;terbium",
        "REE (NdPr; Dy, Tb)": "ndpr;dysprosium;terbium",
        "REE (NdPr, Dy, Tb oxides)": "ndpr;dysprosium;terbium",
        "gallium": "gallium",
        "REE; graphite; magnesium; other": "rare_earths;graphite_natural",
        "REE (light)": "rare_earths",
        "antimony": "antimony",
    }

    def projects(self) -> pd.DataFrame:
        src, rows = self.src, []
        for i, r in self.raw.projects.iterrows():
            pid = (
                "P"
                + str(i + 1).zfill(3)
                + "-"
                + re.sub(r"[^a-z0-9]+", "-", str(r["project"]).lower()).strip("-")[:40].strip("-")
            )
            parts = [x.strip() for x in str(r["stage"]).split(";")]
            stages = ";".join(x for x in parts if x in STAGES)
            other = [x for x in parts if x not in STAGES]
            rows.append(
                {
                    "project_id": pid,
                    "name": r["project"],
                    "owner": r["owner"],
                    "country": iso(r["country"]),
                    "material": self.PROJ_MAT[r["material"]],
                    "stage": stages,
                    "capacity": fmt(r["capacity"]) if pd.notna(r["capacity"]) else "",
                    "capacity_unit": "" if pd.isna(r["capacity_unit"]) else r["capacity_unit"],
                    "status": r["status"],
                    "expected_start": "" if pd.isna(r["expected_start"]) else str(r["expected_start"]),
                    "capex_usd": fmt(r["capex_usd"]) if pd.notna(r["capex_usd"]) else "",
                    "financing": "" if pd.isna(r["financing"]) else r["financing"],
                    "financing_usd": fmt(r["financing_usd"]) if pd.notna(r["financing_usd"]) else "",
                    "offtake": "" if pd.isna(r["offtake"]) else r["offtake"],
                    "source_id": src.raw(r),
                    "note": ("activity outside the stage list: " + ", ".join(other) + ". " if other else "")
                    + ("" if pd.isna(r["note"]) else r["note"]),
                }
            )
        return pd.DataFrame(rows)

    CTRL_MAT = {
        "rare earths (all)": "rare_earths",
        "gallium": "gallium",
        "germanium": "germanium",
        "natural graphite": "graphite_natural",
        "synthetic graphite": "graphite_anode",
        "rare earths": "rare_earths",
        "NdFeB and SmCo magnets": "ndfeb",
        "antimony": "antimony",
        "tungsten": "tungsten",
        "Tb": "terbium",
        "Dy": "dysprosium",
        "magnets containing them": "ndfeb",
        "graphite": "graphite_natural;graphite_anode",
        "cobalt": "cobalt",
        "nickel": "nickel",
        "NdFeB magnet scrap": "ndfeb",
        "magnets": "ndfeb",
        "rare earths (controlled elements)": "rare_earths",
        "lithium-ion batteries": "lithium",
        "cathode materials": "lithium;cobalt;nickel",
    }

    def export_controls(self) -> pd.DataFrame:
        src, rows = self.src, []
        for eid, g in self.raw.controls.groupby("event_id", sort=True):
            r = g.iloc[0]
            mats: list[str] = []
            others: list[str] = []
            for x in str(r["materials"]).split(";"):
                x = x.strip()
                if x in self.CTRL_MAT:
                    mats += self.CTRL_MAT[x].split(";")
                else:
                    others.append(x)
            mats = sorted(set(mats))
            dest = str(r["destinations"])
            dcode = "all" if dest.startswith("all") else iso(dest.split(" (")[0])
            ld = g["licence_days"].dropna()
            lsrc = src.raw(g.loc[ld.index[0]]) if len(ld) else ""
            stages = sorted({s for m in mats for s in MATERIAL_STAGES[m]}) if mats else []
            notes = [f"{str(x['note'])[:140]} (src {src.raw(x)})" for _, x in g.iterrows()]
            if others:
                notes.insert(0, "items outside the vocabulary: " + "; ".join(others))
            if len(ld):
                notes.insert(0, f"licence_days in working days (src {lsrc})")
            rows.append(
                {
                    "event_id": eid,
                    "controlling_country": iso(r["controlling_country"]),
                    "announced": "" if pd.isna(r["announced"]) else str(r["announced"]),
                    "effective": "" if pd.isna(r["effective"]) else str(r["effective"]),
                    "suspended": "" if g["suspended"].dropna().empty else str(g["suspended"].dropna().iloc[0]),
                    "materials": ";".join(mats),
                    "stages": ";".join(stages),
                    "destinations": dcode,
                    "measure": r["measure"],
                    "licence_days": fmt(ld.iloc[0]) if len(ld) else "",
                    "source_id": src.raw(r),
                    "note": " | ".join(notes),
                }
            )
        return pd.DataFrame(rows)

    # ---- response options (optimiser defaults) -------------------------------------------
    def _response_source(self, r: pd.Series) -> str:
        """Source id of one row of data-raw/response_options.csv (``asm-*`` rows name their record)."""
        source = str(r["source"])
        if source.startswith("asm-"):
            return source
        return self.src.raw(r)

    def _latest_price(self, m: str) -> tuple[float, int, str, str]:
        """Latest price of `m` in USD/kg: international first, else China-domestic; (value, year, stage, market)."""
        best: dict[str, tuple[tuple, tuple[float, int, str, str]]] = {}
        for (mm, s, mk, y), r in self.t["price"].rows.items():
            if mm != m:
                continue
            rank = (s == LAST[m], y)
            if mk not in best or rank > best[mk][0]:
                best[mk] = (rank, (float(r["value"]), int(y), s, mk))
        for mk in ("international", "china_domestic"):
            if mk in best:
                return best[mk][1]
        raise ValueError(f"no price for {m}")

    def response_options(self) -> dict[str, pd.DataFrame]:
        """Default option tables of the response optimiser, from data-raw/response_options.csv."""
        src, raw = self.src, self.raw.response.copy()
        for _, r in raw[raw["kind"] == "assumption"].iterrows():
            src.assumption(str(r["option"]), str(r["text"]), str(r["note"]))
        raw = raw[raw["kind"] != "assumption"]
        fields: dict[tuple[str, str, str], dict[str, tuple[object, object, object, str, str]]] = defaultdict(dict)
        for _, r in raw.iterrows():
            value = r["text"] if pd.notna(r["text"]) else r["value"]
            fields[(r["kind"], r["option"], r["item"])][r["field"]] = (
                value,
                r["low"],
                r["high"],
                self._response_source(r),
                "" if pd.isna(r["note"]) else str(r["note"]),
            )

        def cite(entry: dict, names: list[str]) -> str:
            return "; ".join(
                f"{k} {entry[k][0] if isinstance(entry[k][0], str) else n(entry[k][0])}: "
                f"{entry[k][4]} (src {entry[k][3]})"
                for k in names
                if k in entry
            )

        def num(x: object) -> str:
            return "" if x is None or (isinstance(x, float) and np.isnan(x)) else fmt(float(x))

        # stockpiles: every holder x every material
        sid = src.estimate(
            "est-response-stockpile",
            "Stockpile option = holder rule x material price and world output",
            "https://origin.iea.org/policies/16639-international-resource-strategy-national-stockpiling-system",
            "Method: purchase price (USD/t) = latest international price (China-domestic where none) x 1000; "
            "max purchase (t/yr) = holder's share of world output per year (asm-stockpile-purchase-pace) x world output "
            "of the material's last stage in 2024 (world_totals.csv).",
        )
        rows = []
        for (kind, holder, _), e in sorted(fields.items()):
            if kind != "holder":
                continue
            for m in MATERIAL_STAGES:
                price, py, ps, pm = self._latest_price(m)
                world, _, _ = self.world[(m, LAST[m], YEAR)]
                share = float(e["purchase_share_of_world_per_year"][0])
                lead = e["release_lead_months"]
                rows.append(
                    {
                        "holder": holder,
                        "material": m,
                        "holder_country": e["holder_country"][0],
                        "serves": e["serves"][0],
                        "purchase_price_usd_per_t": num(price * 1000),
                        "max_purchase_t_per_year": num(share * world),
                        "purchase_share_of_world_per_year": num(share),
                        "holding_cost_share_per_year": num(e["holding_cost_share_per_year"][0]),
                        "holding_cost_low": num(e["holding_cost_share_per_year"][1]),
                        "holding_cost_high": num(e["holding_cost_share_per_year"][2]),
                        "release_lead_months": num(lead[0]),
                        "release_lead_low": num(lead[1]),
                        "release_lead_high": num(lead[2]),
                        "source_id": sid,
                        "note": (
                            f"price {n(price)} USD/kg ({m} {ps}, {pm}, {py}, price.csv) x 1000 = {n(price * 1000)} USD/t; "
                            f"max purchase {n(share)} x world {m} {LAST[m]} output {n(world)} t (2024) = {n(share * world)} t/yr; "
                            + cite(
                                e,
                                [
                                    "release_lead_months",
                                    "holding_cost_share_per_year",
                                    "purchase_share_of_world_per_year",
                                ],
                            )
                        ),
                    }
                )
        stock = pd.DataFrame(rows)

        rows = []
        for (kind, pid, m), e in sorted(fields.items()):
            if kind != "project":
                continue
            price, py, ps, pm = self._latest_price(m)
            opex = float(e["opex_share_of_price"][0]) * price * 1000
            rows.append(
                {
                    "project_id": pid,
                    "project_ref": e["project_ref"][0],
                    "country": e["country"][0],
                    "material": m,
                    "stage": e["stage"][0],
                    "capacity_t_per_year": num(e["capacity_t_per_year"][0]),
                    "capex_usd": num(e["capex_usd"][0]),
                    "opex_usd_per_t": num(opex),
                    "lead_time_months": num(e["lead_time_months"][0]),
                    "lead_time_low": num(e["lead_time_months"][1]),
                    "lead_time_high": num(e["lead_time_months"][2]),
                    "p_complete": num(e["p_complete"][0]),
                    "p_complete_low": num(e["p_complete"][1]),
                    "p_complete_high": num(e["p_complete"][2]),
                    "serves": e["serves"][0],
                    "source_id": e["capacity_t_per_year"][3],
                    "note": (
                        f"opex {n(e['opex_share_of_price'][0])} x {n(price)} USD/kg ({py}) x 1000 = {n(opex)} USD/t; "
                        + cite(e, ["capacity_t_per_year", "capex_usd", "lead_time_months", "p_complete", "serves"])
                    ),
                }
            )
        projects = pd.DataFrame(rows)

        params = [
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
        ]
        rows = []
        for (kind, pid, inst), e in sorted(fields.items()):
            if kind != "instrument":
                continue
            main = e.get("amount_usd") or e.get("floor_usd_per_kg") or e.get("offtake_price_usd_per_kg")
            rows.append(
                {
                    "project_id": pid,
                    "instrument": inst,
                    **{k: num(e[k][0]) if k in e else "" for k in params},
                    "source_id": main[3],
                    "note": cite(e, params),
                }
            )
        instruments = pd.DataFrame(rows, columns=["project_id", "instrument", *params, "source_id", "note"])

        rows = []
        for (kind, prog, m), e in sorted(fields.items()):
            if kind != "research":
                continue
            rows.append(
                {
                    "programme": prog,
                    "material": m,
                    **{k: num(e[k][0]) for k in ("cost_usd", "p_success", "lag_months", "intensity_cut")},
                    **{
                        f"{k}_{b}": num(e[k][i])
                        for k in ("p_success", "lag_months", "intensity_cut")
                        for b, i in (("low", 1), ("high", 2))
                    },
                    "source_id": e["intensity_cut"][3],
                    "note": cite(e, ["cost_usd", "p_success", "lag_months", "intensity_cut"]),
                }
            )
        research = pd.DataFrame(rows)
        return {
            "response_stockpiles.csv": stock,
            "response_projects.csv": projects,
            "response_instruments.csv": instruments,
            "response_research.csv": research,
        }

    # ---- run -----------------------------------------------------------------------------
    def build(self) -> dict[str, pd.DataFrame]:
        self.factors()
        self.usgs_series()
        self.ree_trend()
        self.ree_chain_production()
        self.other_production()
        self.production_alternatives()
        self.chain()
        self.capacity()
        self.demand()
        self.demand_alternatives()
        self.defence_demand()
        self.trade()
        self.inventory_cover()
        self.stockpile()
        self.prices()
        self.trade_observations()
        self.parameters()
        out = {spec.file: self.t[name].frame() for name, spec in SCHEMA.items()}
        wt = Table(
            "world_totals.csv",
            ["material", "stage", "year", "value", "unit", "source_id", "note"],
            ["material", "stage", "year"],
        )
        for (m, s, y), (v, sid, note) in self.world.items():
            wt.add(material=m, stage=s, year=y, value=v, unit="t/year", source_id=sid, note=note)
        out["world_totals.csv"] = wt.frame()
        out["alternatives.csv"] = self.alt.frame()
        out["price_observations.csv"] = self.obs.frame()
        out["trade_observations.csv"] = self.tobs.frame()
        out["projects.csv"] = self.projects().sort_values("project_id").reset_index(drop=True)
        out["export_controls.csv"] = self.export_controls()
        out.update(self.response_options())
        src = pd.DataFrame(
            list(self.src.records.values()), columns=["source_id", "title", "publisher", "year", "url", "grade", "note"]
        )
        out["sources.csv"] = src.sort_values("source_id").reset_index(drop=True)
        return out


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------

NUMERIC = {"value", "low", "high"}
INTEGER = {"year"}


def write_csv(df: pd.DataFrame, path: Path) -> None:
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


def grade_shares(out: dict[str, pd.DataFrame]) -> pd.DataFrame:
    grades = out["sources.csv"].set_index("source_id")["grade"]
    rows = []
    for spec in SCHEMA.values():
        g = out[spec.file]["source_id"].map(grades).value_counts()
        rows.append({"file": spec.file, **{k: int(g.get(k, 0)) for k in "VTSE"}})
    df = pd.DataFrame(rows)
    tot = df[list("VTSE")].sum()
    df.loc[len(df)] = {"file": "all numeric", **{k: int(tot[k]) for k in "VTSE"}}
    for k in "VTSE":
        df[k + "%"] = (100 * df[k] / df[list("VTSE")].sum(axis=1)).round(1)
    return df


def coverage(out: dict[str, pd.DataFrame]) -> pd.DataFrame:
    p = out["production.csv"]
    p = p[p["year"] == YEAR]
    rows = []
    for m, st in MATERIAL_STAGES.items():
        for s in st:
            g = p[(p["material"] == m) & (p["stage"] == s)]
            rows.append(
                {
                    "material": m,
                    "stage": s,
                    "countries": int((g["country"] != "ROW").sum()),
                    "ROW": "yes" if (g["country"] == "ROW").any() else "no",
                    "world_t": fmt(g["value"].sum()),
                }
            )
    return pd.DataFrame(rows)


def markdown(df: pd.DataFrame) -> str:
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines)


README = """# critmin default dataset {{VERSION}}

The packaged, sourced default data of critmin: annual supply, trade, demand, stocks and prices of
critical minerals by stage, with every number tied to a record in `sources.csv`. All files are
generated by `tools/build_dataset.py` from the tables in `data-raw/`; do not edit them by hand.
`datapackage.json` describes every file (Frictionless Data Package).

## Files

| file | one row is | key |
|---|---|---|
| production.csv | output of a stage in a country and year (t/year, stage basis) | material, stage, country, year |
| capacity.csv | capacity of a stage in a country (t/year) | material, stage, country, year |
| trade.csv | shipments of a stage's product from exporter to importer, 2024 (t/year) | material, stage, exporter, importer, year |
| demand.csv | final use of a material (last stage's basis) by a sector in a region, 2024 (t/year): use outside the chain (see below) | material, region, sector, year |
| inventory_cover.csv | users' working inventory in days of their own use | material, region, sector |
| stockpile.csv | public stockpile held at year end (t), with `holder_country` | holder, material, year |
| price.csv | annual price of a stage's product in a market (USD/kg, stage basis) | material, stage, market, year |
| chain.csv | tonnes of input per tonne of output (t/t) | material, stage, input_material, input_stage |
| parameter.csv | behavioural and policy parameters with low/high and a unit per row | parameter, material |
| world_totals.csv | the world total adopted for each material, stage and year | material, stage, year |
| price_observations.csv | dated price points (USD/kg) for the calibration episodes | material, stage, market, product, date |
| trade_observations.csv | monthly flows (t) for the calibration episodes; `ROW` = all partners; `basis` = the product coverage in one word | material, item, exporter, importer, period |
| projects.csv | non-Chinese projects, deals and their financing | project_id |
| export_controls.csv | export-control events (ISO3, vocabulary materials) | event_id |
| response_stockpiles.csv | a stockpile option of the response optimiser: holder x material, price, purchase pace, holding cost, release lead | holder, material |
| response_projects.csv | a project the allies may back: capacity, capex, lead time, P(complete), who it serves | project_id |
| response_instruments.csv | an instrument offered for a project and its terms (loan, equity, grant, offtake, price floor) | project_id, instrument |
| response_research.csv | a joint research programme: cost, P(success), lag, cut in material intensity | programme |
| alternatives.csv | conflicting values not chosen, and why | variable, key, source_id |
| sources.csv | one record per source, estimate method or assumption; grade V/T/S/E | source_id |

Grades: V primary document; T transcription of a primary table; S secondary (news, vendor,
aggregator); E estimate (the arithmetic, with numbers, is in each row's `note`; the method and its
inputs are in the source record). Records `est-*` are estimate methods, `asm-*` are assumptions
(no source at all; the range is in the note), `raw-est-*` are values already derived in `data-raw/`.

## Bases

Tonnes are on the basis of the stage (`critmin.vocabulary.MATERIAL_STAGES`): REO for
`rare_earths` mining; oxide (NdPr oxide, Nd2O3, Pr6O11, Dy2O3, Tb4O7) for separation; metal for
`metal`; NdFeB alloy and finished magnet; contained element for Sb, W, Co, Li, Ni, Ga and Ge;
concentrate for natural graphite; anode material for `graphite_anode`. `neodymium` and
`praseodymium` are the two components of `ndpr`: never add them to `ndpr`. Prices are USD per kg
of the stage's product (lithium per kg of Li, tungsten per kg of W). `ROW` is every country not
listed in the same table and key; `EU27` appears only as an importer, demand region or stockpile
holder, never beside one of its members.

## What `demand` holds

`demand` is *final* use: what sectors use of the material's last stage **outside the supply chain
that `chain.csv` describes**. Where the output of a material feeds another material's stage through
`chain.csv` (REO concentrate -> separation of NdPr, Nd, Pr, Dy, Tb; NdPr, Dy and Tb metal -> NdFeB
alloy; natural graphite -> anode material), that feed is *not* in `demand`: it is `chain x` the
downstream stage's production and is carried as input need by the chain. `demand` then holds only
the other uses (natural graphite in refractories, foundries, brake linings, lubricants and other
uses; Dy and Tb metal not taken by alloy makers), or an explicit `0` where the chain takes all of
the output (REO concentrate, NdPr metal). So, per material and 2024,
`world demand + world chain feed = world output at the last stage` (to the rounding of the chain
factors), and for a stage that only feeds the next stage `chain feed = output`; both are tested
within 15%. `neodymium` and `praseodymium` are not linked in `chain.csv` (their alloy feed is carried
by `ndpr`): their rows give the element split of NdFeB makers' use and are not extra demand on top of
`ndpr` or `ndfeb`.

## Conflict rule

Where sources disagree, one value is chosen and the others go to `alternatives.csv`:

1. the value on the stage and basis the model needs, consistent with the chain mass balance
   (e.g. China's 300,000 t NdFeB (all forms, recycled feed) is set aside because primary REO
   cannot supply it);
2. the newest primary edition (USGS MCS 2026 revisions over MCS 2025 first estimates);
3. grade V over T over S over E;
4. the source closest in year to the row.

## Estimation methods (formulas; numbers in each row's note)

- **Rest of world**: `ROW = world total - sum of listed countries` (`est-row-residual`).
- **Separated oxides** (`est-separation-from-shares`): `world oxide = world REO x element share of TREO`
  (NdPr 0.20 `asm-ndpr-share-of-treo`; Dy = 3,126 t Dy 2021 / 280,000 t REO 2021 `est-dy-share-of-treo`;
  Tb 0.002 `asm-tb-share-of-treo`); `country = share x world` (China 0.92 IEA; Dy/Tb China 1.0 EU App. 7)
  or a sourced tonnage (MP 1,300 t, Lynas 6,142 t); if the listed countries exceed the world total the
  share-based countries are scaled down. `Nd2O3 = NdPr x (1 - 0.25)`, `Pr6O11 = NdPr x 0.25`.
- **RE metals** (`est-metal-from-oxide`): `metal = oxide x 0.9 reduced x metal fraction x (1 - 0.20)`,
  made where the oxide is separated.
- **NdFeB** (`est-ndfeb-production`): world magnets = implied world NdFeB demand 2024
  (43,018 t / 0.35); China = 0.90 x world; Japan = alloy 12,400 t x yield 0.75; Vietnam = 2,200 t/yr x 0.65;
  `alloy = magnet / 0.75`.
- **Gallium high-purity** (`est-gallium-hp`): world = 725 t (700-750 t demand); China 0.80; the rest by
  shares of US gallium metal imports.
- **Germanium** (`est-germanium-refining`): world = 159.7 t (2017 consumption) x EU App. 7 shares.
- **Refining of Sb, W, Li** (`est-refining-from-shares`): `world refined = world mine x 1.0`;
  countries by EU App. 7 processing shares. Cobalt (`est-cobalt-refining-capacity-shares`): shares of
  2023 refinery capacity. Nickel (`est-nickel-refining`): Indonesia = 1.5 Mt x 1.11 x 1.04 NPI - China
  NPI 0.35 Mt + matte 71,400 t; China 0.80 Mt; others by plant assumptions; ROW = remainder.
- **Oxide shipments** (`est-lynas-oxide-to-japan`): Lynas NdPr not shipped to China (3,261 t) goes to
  Japanese metal makers; RE metal is made from each country's oxide supply (output - shipped + received).
- **Graphite anode** (`est-graphite-anode`): world = China shipments 2.12 Mt / 0.90.
  Use by region (`est-anode-demand-cell-shares`): USA = its sourced anode imports (28,100 t Jan-Aug
  2024 x 12/8 = 42,150 t; no US anode output); the rest = (world - USA) x region's share of world
  Li-ion cell production 2023 / (1 - US share): China 0.71 (SMM: 910 GWh), EU27 = Europe 110 GWh /
  1,281.69 GWh, USA 70 GWh / 1,281.69 (IEA GEVO 2024), Korea 0.045, Japan 0.035, India 0.005
  (`asm-battery-cell-shares`), ROW = remainder. Imports then follow the trade rule below.
- **Chain** (`est-chain-factors`): `REO per t oxide = 1 / element share` (co-products);
  `oxide per t metal = 1 / (metal fraction x 0.8)`; NdPr metal per t alloy = 0.3075 - Dy - Tb;
  Dy per t alloy = 0.8 x 0.009 + 0.2 x 0.04 (grade mix `asm-ndfeb-grade-mix`); Tb 0.002;
  alloy per magnet = 1/0.75; primary per high-purity Ga = 1/0.95;
  flake per t anode from China's 2024 balance (`est-anode-flake-intensity`): China exports 2024 =
  109,000 t Jan-Sep x 12/9 = 145,333 t (`est-china-graphite-exports-2024`, USGS MCS 2026);
  k = (1,270,000 - 145,333 - 0.349398 x (1,550,000 - 65,200)) / (2,120,000 - 0.349398 x 2,355,560)
  = 0.46715 (China's use outside the chain = its regional key x world use outside the chain), i.e.
  natural share 0.156 / implied spheroidisation yield 0.334 (plausible 0.3-0.5; the assumed 0.30,
  k = 0.52, is in `alternatives.csv`); refining = 1/1.0.
- **Capacity**: sourced where available (Ga 2025, Co refineries 2023, Lynas, Shin-Etsu), else
  `capacity = production / utilisation` (`asm-capacity-utilisation`).
- **Demand** (`est-demand-split`): world final use = world output at the last stage (lithium: sourced
  world consumption) minus the world feed to other materials' stages (`chain x` their output);
  sourced regional values first (USA), the rest split by shares of world manufacturing; sectors by
  sourced end-use shares. Natural graphite outside the anode chain: world 1,550,000 - anode feed
  1,100,400 t, sectors by US 2002 end uses (USGS MCS 2003): metallurgy 0.30 (refractories 0.22,
  foundries 0.08), automotive 0.21 (brake linings), chemicals 0.05 (lubricants), all 0.44 (other).
  Dy and Tb metal outside alloy = world metal - alloy feed, by region of alloy output, sector `all`.
- **Trade** (`est-trade-net-imports`, `est-trade-sourced-shares`): `net imports = max(0, use - output)`;
  `exporter surplus = max(0, output - own use)`; `flow = net imports x surplus / eligible surplus`,
  capped so no exporter ships more than its surplus; net importers are served first, and the 5% gross-import
  floor of self-sufficient users (`asm-gross-import-floor`) only takes the surplus they leave, so each net
  importer's imports = its use - its output. Where USGS gives import tonnage and source shares,
  `flow = imports x share`. China magnet exports 2024 are split by 2020 destination shares.
- **Stockpiles** (`est-stockpile-from-target`): `holding = target days x annual use / 365`.
- **Prices** (`est-price-conversion`): USD/lb x 2.20462; USD/t / 1000; USD/t LCE / 1000 x 5.323;
  USD/mtu WO3 / 7.93; CNY at the source's own rate (6.91 CNY/USD). A year in which an export control
  took effect holds the last pre-control quote (`est-price-precontrol-baseline`), so a simulation that
  starts in that year begins from the pre-control level: gallium international 2023 = 257.5 USD/kg
  (Rotterdam 99.99%, 30 Jun 2023, midpoint of 250-265); the 2023 annual average US import unit value
  (365 USD/kg, which contains the Jul-Dec rise) is in `alternatives.csv`. 2022 (432 USD/kg, a US import
  unit value after the 2021-22 spike) is not a pre-control baseline for 2023.
- **Trade observations**: `basis` says what a series covers: China's graphite series of 17,000 /
  45,000 / 3,973 t (DirectorsTalk) is `flake+spherical` (every natural graphite line under the Dec 2023
  controls); Fastmarkets' split series are `flake` and `spherical`; other rows `item` (as named). The
  model's `graphite_natural` is flake concentrate; spherical graphite sits inside `graphite_anode`.
- **Parameters**: front-loading, first-month drop and leakage from the episode flows
  (`est-episode-parameters`); value of lost production = price x 1000 x sector multiple
  (`est-value-lost-production`); elasticities, price response to cover and minimum operating levels are
  assumptions (`asm-*`).

## Coverage, 2024 (countries listed besides ROW)

{{COVERAGE}}

## Rows by grade of their source

{{GRADES}}

## Known weaknesses

- No country tonnages exist for REE separation, metal, alloy or magnets outside a few companies;
  those stages rest on shares and the assumptions above.
- Nickel refining by country rests on an NPI total (INSG via a trade magazine) and plant-level
  assumptions (`asm-nickel-refining-tonnages`); cobalt refining on 2023 capacity shares.
- Users that make all they use get a 5% gross-import floor (`asm-gross-import-floor`) so their
  sourcing is recorded, but only from surplus that net importers leave; where none is left (REE
  concentrate to the USA, anode material to China) no floor flow is written.
- Anode use by region rests on 2023 cell-production shares (China SMM, Europe and USA from copies of
  the IEA text; Korea, Japan, India assumed); world anode output (2.36 Mt) exceeds what 2023 cell
  output needs, so every region's tonnage is high in proportion. US anode imports come from USGS with
  2025 source shares (Indonesia, Korea) although the dataset has no anode output there.
- Natural graphite end-use shares are US shares of 2002, applied to every region.
- Dy and Tb metal use outside NdFeB alloy is the residual of the chain factors, not a measured use.
- China-domestic annual prices are means of one or a few dated quotes, not annual averages, and use
  the source's 6.91 CNY/USD rate for every year.
- World element shares of TREO (NdPr, Tb) are assumptions; Dy rests on a second-hand JRC figure.
- Demand outside the USA is split by shares of world manufacturing, not by measured use.
- No annual graphite anode or RE metal prices; antimony's last annual price is 2023; the China-domestic
  gallium 2023 value is a quote from 5 Jul 2023, after the announcement (+20%).
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory (default: critmin/data/packaged)")
    args = ap.parse_args(argv)
    out = Builder().build()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, df in out.items():
        write_csv(df, args.out / name)
    (args.out / "datapackage.json").write_text(
        json.dumps(datapackage(out, out["sources.csv"]), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    text = README.replace("{{COVERAGE}}", markdown(coverage(out))).replace("{{GRADES}}", markdown(grade_shares(out)))
    (args.out / "README.md").write_text(text.replace("{{VERSION}}", VERSION), encoding="utf-8")
    print(coverage(out).to_string(index=False))
    print(grade_shares(out).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
