"""Production of refined and high-purity products, 2024: gallium, germanium, Sb/W/Li/Co/Ni refining, graphite anode."""

from __future__ import annotations

from .common import YEAR, Assumed, iso, n, one, pick
from .context import Context
from .production import split

NI_REFINED = {"RUS": 190000, "CAN": 130000, "JPN": 100000, "NOR": 92000, "AUS": 75000, "FIN": 55000}
"""Primary nickel 2024 (t) of the main refiners outside Indonesia and China (asm-nickel-refining-tonnages, +-30%)."""
CHINA_NPI_T = Assumed(350000.0, 245000.0, 455000.0, "asm-nickel-refining-tonnages")
CHINA_NI_FROM_INTERMEDIATES_T = Assumed(450000.0, 315000.0, 585000.0, "asm-nickel-refining-tonnages")
"""China's NPI output and its refined nickel and sulphate from imported MHP and matte, 2024 (t)."""
NPI_GROWTH = (1.11, 1.04)
"""Factors that carry the 2022 China+Indonesia NPI total to 2024 (est-nickel-refining)."""


def build_gallium_hp(ctx: Context) -> None:
    """High-purity gallium 2024: world demand as a proxy, China's share, the rest by US import sourcing."""
    src, p = ctx.src, ctx.raw.prod
    ga_w = one(ctx.raw.demand, material="gallium", year="2025", sector="all")
    cn80 = one(p, material="gallium", country="China", year="2022")
    us = pick(ctx.raw.trade, material="gallium", item="metal", importer="United States")
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
    split(
        ctx,
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
    ctx.alternative(
        "world_total",
        "material=gallium;stage=metal;year=2024",
        old["value"],
        "t/year",
        src.raw(old),
        "Older year (2022) and narrower scope than the 700-750 t world demand; would leave most primary output unused in the chain.",
    )


def build_germanium(ctx: Context) -> None:
    """Refined germanium 2024: the latest world consumption x EU App. 7 processing shares."""
    src, p = ctx.src, ctx.raw.prod
    ge = one(ctx.raw.demand, material="germanium", sector="all", year="2017")
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
    split(
        ctx,
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
    ctx.alternative(
        "production",
        "material=germanium;stage=refining;country=CHN;year=2024",
        crma["value"] * float(ge["value"]),
        "t/year",
        src.raw(crma),
        f"CRMA share 0.60 (secondary) x world {n(ge['value'])}; EU App. 7 (transcribed primary table, grade T) preferred over grade S.",
    )


def build_refining(ctx: Context) -> None:
    """Refined Sb, W and Li (App. 7 shares), cobalt (refinery capacity shares) and nickel (NPI totals), 2024."""
    src, p = ctx.src, ctx.raw.prod
    rec, rsid = ctx.factors["refine_rec"][0], ctx.factors["refine_rec"][1]
    sid = src.estimate(
        "est-refining-from-shares",
        "Refined output = world mine output x recovery x country refining share",
        "https://github.com/erikemilsson/EU-Critical-Raw-Materials-CRM-Reports-Datasets",
        "Method: world refined 2024 = world mine output 2024 (USGS MCS 2026) x recovery 1.0 (asm-refining-recovery); country = EU CRM 2023 App. 7 "
        "processing share x world; ROW = remainder. Nickel: Indonesia refines its own ore (ore export ban since 2020), other refining placed in the mining countries.",
    )
    for m in ("antimony", "tungsten", "lithium"):
        wm, wsid, _ = ctx.world[(m, "mining", YEAR)]
        sh = {
            iso(r["country"]): (float(r["value"]), src.raw(r), "EU CRM 2023 App. 7 share (2016-20 average)")
            for _, r in pick(p, material=m, stage="refining", year="2020").iterrows()
        }
        split(
            ctx,
            m,
            "refining",
            wm * rec,
            sid,
            f"world mine output {n(wm)} (src {wsid}) x recovery {n(rec)} ({rsid})",
            {},
            sh,
            sid,
        )
    cobalt_refining(ctx, rec, rsid)
    nickel_refining(ctx, rec)


def build_graphite_anode(ctx: Context) -> None:
    """Anode material 2024: China's shipments and its share of world output; ROW = remainder."""
    src, p = ctx.src, ctx.raw.prod
    cn = one(ctx.raw.extra, item="battery anode shipments")
    shr = one(p, material="natural graphite", stage="anode material (battery-grade)")
    sid = src.estimate(
        "est-graphite-anode",
        "Anode output: China shipments and China's share of world anode output",
        str(cn["source_url"]),
        f"Method: world anode 2024 = China shipments 2.12 Mt (src {src.raw(cn)}) / China share 0.90 (IEA 'over 90%', src {src.raw(shr)}); ROW = remainder.",
    )
    w = float(cn["value"]) / float(shr["value"])
    split(
        ctx,
        "graphite_anode",
        "refining",
        w,
        sid,
        f"China {n(cn['value'])} / share {n(shr['value'])}",
        {"CHN": (float(cn["value"]), src.raw(cn), "EV Tank China anode shipments 2024")},
        {},
        sid,
    )


def cobalt_refining(ctx: Context, rec: float, rsid: str) -> None:
    """Refined cobalt 2024: world mine output x shares of 2023 refinery capacity (top-10 table)."""
    wm, wsid, _ = ctx.world[("cobalt", "mining", YEAR)]
    rows = pick(ctx.raw.extra, item="cobalt refinery capacity")
    cap = {iso(r["region"]): (float(r["value"]), ctx.src.raw(r)) for _, r in rows.iterrows()}
    tot = sum(v for v, _ in cap.values())
    sid = ctx.src.estimate(
        "est-cobalt-refining-capacity-shares",
        "Refined cobalt by country = world output x share of 2023 refinery capacity",
        str(rows.iloc[0]["source_url"]),
        f"Method: country = world mine output 2024 x recovery 1.0 x its 2023 refinery capacity / "
        f"sum of the top-10 capacities {n(tot)} t (equal utilisation assumed; capacity outside the top 10 ignored).",
    )
    shares = {c: (v / tot, s_, f"capacity {n(v)} / {n(tot)}") for c, (v, s_) in cap.items()}
    split(
        ctx,
        "cobalt",
        "refining",
        wm * rec,
        sid,
        f"world mine output {n(wm)} (src {wsid}) x recovery {n(rec)} ({rsid})",
        {},
        shares,
        sid,
    )
    for _, r in pick(ctx.raw.prod, material="cobalt", stage="refining", year="2020").iterrows():
        ctx.alternative(
            "production_share",
            f"material=cobalt;stage=refining;country={iso(r['country'])};year=2020",
            r["value"],
            "1",
            ctx.src.raw(r),
            "EU App. 7 share (2016-20 window); 2023 refinery-capacity shares used for 2024 (newer).",
        )


def nickel_refining(ctx: Context, rec: float) -> None:
    """Primary nickel 2024 by country: Indonesia and China from NPI figures, others from plant-level assumptions."""
    ex, src = ctx.raw.extra, ctx.src
    wm, wsid, _ = ctx.world[("nickel", "mining", YEAR)]
    npi = one(ex, item="China and Indonesia NPI production")
    matte = one(ex, item="Indonesia nickel in matte")
    fe = one(ex, item="Indonesia nickel in ferronickel and NPI")
    both = float(npi["value"]) * NPI_GROWTH[0] * NPI_GROWTH[1]
    cn_npi, cn_int = CHINA_NPI_T.value, CHINA_NI_FROM_INTERMEDIATES_T.value
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
    for c, v in NI_REFINED.items():
        fixed[c] = (float(v), sid, f"{c} = {n(v)} t (asm-nickel-refining-tonnages, range +-30%)")
    split(
        ctx,
        "nickel",
        "refining",
        wm * rec,
        sid,
        f"world mine output {n(wm)} (src {wsid}) x recovery {n(rec)}",
        fixed,
        {},
        sid,
    )
    ctx.alternative(
        "production",
        f"material=nickel;stage=refining;country=IDN;year={YEAR}",
        float(fe["value"]) + float(matte["value"]),
        "t/year",
        src.raw(fe),
        f"Ministry scope 2023: ferronickel {n(fe['value'])} + matte {n(matte['value'])}; lower than the INSG-based NPI total, kept as a lower bound.",
    )
