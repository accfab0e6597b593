"""parameter.csv: sourced behavioural and policy parameters, parameters derived from the episodes, assumptions."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable

import pandas as pd

from critmin.vocabulary import MATERIAL_STAGES

from .common import LAST, Assumed, clip, n, one, pick
from .context import Context

# Assumed behavioural parameters: central value, range, and the record whose note states them.
PRICE_ELASTICITY = Assumed(-0.1, -0.3, -0.05, "asm-price-elasticity")
PRICE_RESPONSE_TO_COVER = Assumed(-1.0, -2.0, -0.5, "asm-price-cover-response")
MIN_OPERATING_LEVEL = {
    sec: Assumed(v, lo, hi, "asm-min-operating-level")
    for sec, (v, lo, hi) in {
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
    }.items()
}
"""Share of normal input below which a sector stops."""
VALUE_ADDED_MULTIPLE = {
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
"""Value of lost production per value of the missing material (asm-value-added-multiple; range x1/5 to x5)."""
REE_EXPORT_QUOTA_2010_T = 30258.0
"""China's full-year 2010 rare-earth export quota (t), read from the note of the second CN-2010-REE-QUOTA record."""

AddParameter = Callable[[str, str, float, float | None, float | None, str, str, str], None]
"""Adds one row to parameter.csv: parameter, material, value, low, high, unit, source id, note."""

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


def build_parameters(ctx: Context) -> None:
    """parameter.csv: sourced parameters of data-raw/market_parameters.csv, EU CRM indices, derived and assumed parameters."""
    src, mp, pt = ctx.src, ctx.raw.params, ctx.tables["parameters"]

    def add(par: str, mat: str, v: float, lo: float | None, hi: float | None, unit: str, sid: str, note: str) -> None:
        pt.add(parameter=par, material=mat, value=float(v), low=lo, high=hi, unit=unit, source_id=sid, note=note)

    for _, r in mp.iterrows():
        if str(r["unit"]) in ("flag", "nan") or r["unit"] not in PUNIT:
            continue
        name = re.sub(r"[^a-z0-9]+", "_", str(r["parameter"]).lower()).strip("_")
        if r["unit"] == "working days":
            name += "_working_days"
        v, lo, hi = r["value"], r["low"], r["high"]
        note = clip(r["note"], 200)
        if pd.isna(v):
            v = (float(lo) + float(hi)) / 2
            note = f"value = midpoint of {n(lo)}-{n(hi)} = {n(v)}; " + note
        for raw_m in str(r["material"]).split(";"):
            raw_m = raw_m.strip()
            mat = PMAT[raw_m]
            par = name + ("_cerium" if raw_m == "Ce" else "")
            if pt.has(par, mat):
                continue
            add(
                par,
                mat,
                float(v),
                None if pd.isna(lo) else float(lo),
                None if pd.isna(hi) else float(hi),
                PUNIT[r["unit"]],
                src.raw(r),
                note,
            )
    for _, r in pick(ctx.raw.extra, unit="index").iterrows():
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
    derived_parameters(ctx, add)
    assumed_parameters(ctx, add)


def derived_parameters(ctx: Context, add: AddParameter) -> None:
    """Front-loading, first-month drop and leakage computed from the monthly export observations."""
    src, t = ctx.src, ctx.raw.trade
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
    quota = REE_EXPORT_QUOTA_2010_T
    ctl = pick(ctx.raw.controls, event_id="CN-2010-REE-QUOTA").iloc[1]
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


def assumed_parameters(ctx: Context, add: AddParameter) -> None:
    """Elasticities, price response to cover, minimum operating levels and the value of lost production."""
    src = ctx.src
    el = src.assumption(
        PRICE_ELASTICITY.source_id,
        "short-run price elasticity of demand -0.1 per material",
        "No elasticity values in the sources (gap noted in data-raw/SOURCES_market.md: USGS OFR 2025-1047 tables not retrieved; "
        "Evans & Lewis 2002 warn against a common metals elasticity). Short-run demand elasticity -0.1, range -0.3 to -0.05, for every material.",
    )
    for m in MATERIAL_STAGES:
        add(
            "price_elasticity_demand",
            m,
            PRICE_ELASTICITY.value,
            PRICE_ELASTICITY.low,
            PRICE_ELASTICITY.high,
            "1",
            el,
            "short-run own-price elasticity (assumption, range -0.3 to -0.05)",
        )
    pc = src.assumption(
        PRICE_RESPONSE_TO_COVER.source_id,
        "price response to users' cover -1.0",
        "Relative price change per relative fall in users' days of cover below normal = -1.0 (range -2.0 to -0.5); calibrate on 2023 Ga (+114%) and 2010-11 Dy episodes.",
    )
    add(
        "price_response_to_cover",
        "all",
        PRICE_RESPONSE_TO_COVER.value,
        PRICE_RESPONSE_TO_COVER.low,
        PRICE_RESPONSE_TO_COVER.high,
        "1",
        pc,
        "d(price)/price per d(cover)/cover = -1.0 (assumption, range -2.0 to -0.5)",
    )
    mo = src.assumption(
        MIN_OPERATING_LEVEL["all"].source_id,
        "minimum operating level by sector",
        "Share of normal input below which a sector stops: automotive 0.9 (0.8-0.95), semiconductors 0.8 (0.7-0.9), batteries 0.8 (0.7-0.9), "
        "electronics 0.7 (0.5-0.85), industrial 0.6 (0.4-0.8), wind 0.5 (0.3-0.7), defence 0.5 (0.3-0.8), optics 0.6 (0.4-0.8), metallurgy 0.5 (0.3-0.7), chemicals 0.5 (0.3-0.7), all 0.6 (0.4-0.8).",
    )
    for sec, lv in MIN_OPERATING_LEVEL.items():
        add(
            f"min_operating_level_{sec}",
            "all",
            lv.value,
            lv.low,
            lv.high,
            "1",
            mo,
            f"{sec}: stops below {n(lv.value)} of normal input (assumption)",
        )
    mult = VALUE_ADDED_MULTIPLE
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
    for (m, s, mk, y), r in sorted(ctx.tables["price"].rows.items()):
        if mk != "international":
            continue
        rank = (s == LAST[m], y)
        if m not in latest or rank >= (latest[m][2] == LAST[m], latest[m][1]):
            latest[m] = (r["value"], y, s)
    secs = defaultdict(set)
    for k in ctx.tables["demand"].rows:
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
