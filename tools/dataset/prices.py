"""price.csv and price_observations.csv: prices converted to USD/kg on the stage's basis, annual and dated."""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from .common import YEAR, n, one
from .context import Context

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


EXTRA_PRICE_STAGE = {
    "ndpr": "separation",
    "dysprosium": "separation",
    "terbium": "separation",
    "gallium": "metal",
    "cobalt": "refining",
    "antimony": "refining",
}


LB_PER_KG = 2.20462
NDPR_USD_PER_T_FEB_2026 = 123000.0
"""The NdPr source's own USD figure beside its 850,000 CNY/t quote (123 USD/kg): it fixes the CNY rate."""
WEEKLY_CHANGE_SHARE = 0.0091
"""Percent change the China-domestic weekly-change quote is published with (0.91%)."""
CHINA_REE_EXPORT_VALUE_2024_USD = 488.8e6
"""Value of China's rare-earth exports 2024 as the volume row's source states it."""


def cny_rate(ctx: Context) -> tuple[float, str, str]:
    """CNY per USD as the NdPr price source converts (rate, source id, how)."""
    r = one(ctx.raw.prices, material="NdPr oxide", date="2026-02")
    rate = float(r["value"]) / NDPR_USD_PER_T_FEB_2026
    return (
        rate,
        ctx.src.raw(r),
        f"CNY/USD {n(rate)} = 850,000 CNY/t / 123 USD/kg x 1000 (the source's own conversion, Feb 2026)",
    )


def to_usd_kg(ctx: Context, r: pd.Series, m: str) -> tuple[float, str] | None:
    """A price row in USD/kg on the stage's basis with the conversion text, or None for units not converted."""
    u, v = str(r["unit"]).strip(), float(r["value"])
    rate, rsid, rtxt = cny_rate(ctx)
    if u == "USD/kg":
        return v, f"{n(v)} USD/kg as published"
    if u == "USD/t":
        if m == "lithium":
            lce = ctx.factors["lce"][0]
            return (
                v / 1000 * lce,
                f"{n(v)} USD/t LCE / 1000 x {n(lce)} t LCE per t Li (src {ctx.factors['lce'][1]}) = {n(v / 1000 * lce)} USD/kg Li",
            )
        return v / 1000, f"{n(v)} USD/t / 1000 = {n(v / 1000)} USD/kg"
    if u == "USD/lb":
        return v * LB_PER_KG, f"{n(v)} USD/lb x 2.20462 lb/kg = {n(v * LB_PER_KG)} USD/kg"
    if u == "USD/mtu WO3":
        k = ctx.factors["mtu"][0]
        return v / k, f"{n(v)} USD/mtu WO3 / {n(k)} kg W per mtu (src {ctx.factors['mtu'][1]}) = {n(v / k)} USD/kg W"
    if u in ("CNY/t", "CNY/kg"):
        per_kg = v / 1000 if u == "CNY/t" else v
        if m == "lithium":
            lce = ctx.factors["lce"][0]
            return (
                per_kg / rate * lce,
                f"{n(v)} {u} -> {n(per_kg)} CNY/kg LCE / {n(rate)} CNY/USD ({rtxt}, src {rsid}) x {n(lce)} = {n(per_kg / rate * lce)} USD/kg Li",
            )
        return (
            per_kg / rate,
            f"{n(v)} {u} -> {n(per_kg)} CNY/kg / {n(rate)} CNY/USD ({rtxt}, src {rsid}) = {n(per_kg / rate)} USD/kg",
        )
    return None


def market_of(ctx: Context, market: str) -> str:
    """Market of a price row: china_domestic or international."""
    return "china_domestic" if "China domestic" in market else "international"


def build_prices(ctx: Context) -> None:
    """price.csv and price_observations.csv from data-raw/prices.csv, China-domestic quotes and export unit values."""
    src, pr = ctx.src, ctx.raw.prices
    conv = src.estimate(
        "est-price-conversion",
        "Prices converted to USD/kg on the stage's basis",
        "https://pubs.usgs.gov/periodicals/mcs2026/",
        "Method: USD/lb x 2.20462; USD/t / 1000; USD/t LCE / 1000 x 5.323 (per kg Li); USD/mtu WO3 / 7.93 (per kg W); CNY at the source's own rate.",
    )
    ranges: dict[tuple, list] = defaultdict(list)
    for _, r in pr.iterrows():
        key = (r["material"], r["form"])
        if key not in PRICE_MAP or "fractional change" in str(r["unit"]):
            continue
        m, s = PRICE_MAP[key]
        date = str(r["date"])
        if (
            "range" in str(r["basis"])
            or str(r["basis"]).startswith("assessment range")
            or "quotation range" in str(r["basis"])
        ):
            ranges[(m, s, market_of(ctx, r["market"]), f"{r['form']} ({r['market']})", date)].append(r)
            continue
        cv = to_usd_kg(ctx, r, m)
        if cv is None:
            continue
        v, how = cv
        mk = market_of(ctx, r["market"])
        if len(date) == 4 and "annual" in str(r["basis"]):
            if m == "cobalt" and "LME" not in r["market"]:
                ctx.alternative(
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
                ctx.alternative(
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
            ctx.tables["price"].add(
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
            ctx.obs.add(
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
        conv_rows = [to_usd_kg(ctx, r, m) for r in rows]
        vals = [c[0] for c in conv_rows if c]
        if not vals:
            continue
        mid = sum(vals) / len(vals)
        r0 = rows[0]
        sid = src.raw(r0) if str(r0["unit"]).strip() == "USD/kg" and len(vals) == 1 else conv
        ctx.obs.add(
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
    extra_price_points(ctx)
    domestic_annual(ctx)
    gallium_precontrol(ctx)
    # annual values derived from flows
    t = ctx.raw.trade
    val = one(t, material="NdFeB magnets", unit="USD", period="2024")
    vol = one(t, material="NdFeB magnets", exporter="China", importer="World", period="2024", unit="t")
    v = float(val["value"]) / float(vol["value"]) / 1000
    sid = src.estimate(
        "est-price-unit-values",
        "Annual export unit values = export value / export volume",
        str(val["source_url"]),
        "unit value = value / tonnes / 1000.",
    )
    ctx.tables["price"].add(
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
    v = CHINA_REE_EXPORT_VALUE_2024_USD / float(ree["value"]) / 1000
    ctx.tables["price"].add(
        material="rare_earths",
        stage="mining",
        market="international",
        year=YEAR,
        value=v,
        unit="USD/kg",
        source_id=sid,
        note=f"China REE exports 2024 value 488.8 m USD / {n(ree['value'])} t / 1000 = {n(v)} USD/kg gross weight of compounds and metals (src {src.raw(ree)}); not a concentrate price",
    )


def gallium_precontrol(ctx: Context) -> None:
    """Gallium international 2023 = the last pre-control quote (Rotterdam 99.99%, 30 Jun 2023), not the annual average."""
    r = ctx.obs.rows[("gallium", "metal", "international", "metal 99.99% (Rotterdam)", "2023-06-30")]
    lo = one(ctx.raw.prices, material="gallium", market="Rotterdam", date="2023-06-30", basis="assessment range low")
    sid = ctx.src.estimate(
        "est-price-precontrol-baseline",
        "Annual price of a year with a mid-year export control = last pre-control quote",
        str(lo["source_url"]),
        "Method: where an export control took effect during the year, the annual row holds the last dated "
        "quote before the announcement (range midpoint), so a run starting in that year begins from the pre-control level; the "
        "annual average is kept in alternatives.csv. Used for gallium 2023 (announced 3 Jul, effective 1 Aug 2023).",
    )
    ctx.tables["price"].add(
        material="gallium",
        stage="metal",
        market="international",
        year=2023,
        value=r["value"],
        unit="USD/kg",
        source_id=sid,
        note=f"pre-control level, not an annual average: Rotterdam 99.99% on 30 Jun 2023, range 250 to 265 USD/kg, midpoint {n(r['value'])} "
        f"(src {ctx.src.raw(lo)}); the 2023 US import unit value 365 USD/kg (annual average incl. the post-control rise) is in alternatives.csv; "
        f"other years are US import unit values",
    )


def extra_price_points(ctx: Context) -> None:
    """China-domestic quotes appended in additional_sources.csv -> price observations (USD/kg)."""
    rate, rsid, rtxt = cny_rate(ctx)
    for _, r in ctx.raw.extra[ctx.raw.extra["item"].str.startswith("price china_domestic")].iterrows():
        m, v, u = str(r["material"]), float(r["value"]), str(r["unit"])
        if u.startswith("CNY/kg (weekly change)"):
            level = -v / WEEKLY_CHANGE_SHARE + v
            sid = ctx.src.estimate(
                "est-price-level-from-change",
                "Price level from a published change and its percentage",
                str(r["source_url"]),
                "Method: level after = |change| / |percent change| - |change|.",
            )
            usd, how = (
                level / rate,
                f"level = 60 / 0.0091 - 60 = {n(level)} CNY/kg / {n(rate)} CNY/USD = {n(level / rate)} USD/kg (src {ctx.src.raw(r)})",
            )
        else:
            per_kg = v / 1000 if u == "CNY/t" else v
            sid, usd = "est-price-conversion", per_kg / rate
            how = f"{n(v)} {u} -> {n(per_kg)} CNY/kg / {n(rate)} CNY/USD ({rtxt}, src {rsid}) = {n(usd)} USD/kg (src {ctx.src.raw(r)})"
        ctx.obs.add(
            material=m,
            stage=EXTRA_PRICE_STAGE[m],
            market="china_domestic",
            product=f"{r['item'][21:]} ({r['source'][:40]})",
            date=str(r["year"]),
            value=usd,
            unit="USD/kg",
            source_id=sid,
            note=how,
        )


def domestic_annual(ctx: Context) -> None:
    """Annual china_domestic price = mean of that year's dated China-domestic observations (single quotes stand for the year)."""
    sid = ctx.src.estimate(
        "est-price-domestic-annual",
        "China-domestic annual price from the year's dated quotes",
        "https://pubs.usgs.gov/periodicals/mcs2026/",
        "Method: annual china_domestic price = mean of the dated China-domestic "
        "observations of that year in price_observations.csv (often one quote; not a true annual average).",
    )
    by: dict[tuple, list] = defaultdict(list)
    for (m, st, mk, _product, date), r in sorted(ctx.obs.rows.items()):
        if mk == "china_domestic" and len(date) >= 4:
            by[(m, st, int(date[:4]))].append((date, r["value"]))
    for (m, st, y), pts in sorted(by.items()):
        if ctx.tables["price"].has(m, st, "china_domestic", y):
            continue
        v = sum(x for _, x in pts) / len(pts)
        ctx.tables["price"].add(
            material=m,
            stage=st,
            market="china_domestic",
            year=y,
            value=v,
            unit="USD/kg",
            source_id=sid,
            note=f"mean of {len(pts)} China-domestic quote(s) {', '.join(f'{d}: {n(x)}' for d, x in pts)} USD/kg = {n(v)} (price_observations.csv)",
        )
