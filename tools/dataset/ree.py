"""The rare-earth chain 2024: separated oxides, NdPr oxide shipments, RE metals, NdFeB alloy and magnets."""

from __future__ import annotations

from .capacity import UTILISATION
from .common import YEAR, iso, n, one, pick
from .context import Context
from .production import split


def build_separation(ctx: Context) -> None:
    """Separated NdPr, Nd, Pr, Dy and Tb oxide 2024: world REO x element share; countries by sourced shares or tonnages."""
    f, p, src = ctx.factors, ctx.raw.prod, ctx.src
    reo_w, reo_sid, _ = ctx.world[("rare_earths", "mining", YEAR)]
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
    split(
        ctx,
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
    nd = ctx.pv("ndpr", "separation")
    prs = f["pr_share"][0]
    for comp, frac in (("neodymium", 1 - prs), ("praseodymium", prs)):
        for c, v in nd.items():
            ctx.prod(
                comp,
                "separation",
                c,
                YEAR,
                v * frac,
                sid,
                f"{comp} oxide = NdPr oxide {n(v)} x {'(1 - Pr share)' if comp == 'neodymium' else 'Pr share'} {n(frac)} (src {f['pr_share'][1]}) = {n(v * frac)}",
            )
        ctx.world_total(comp, "separation", YEAR, w_ndpr * frac, sid, f"world NdPr oxide {n(w_ndpr)} x {n(frac)}")
    dytb = one(p, material="Dy/Tb", stage="separation", country="China")
    for m, key in (("dysprosium", "s_dy"), ("terbium", "s_tb")):
        w = reo_w * f[key][0]
        split(
            ctx,
            m,
            "separation",
            w,
            sid,
            f"world REO {n(reo_w)} x share {n(f[key][0])} (src {f[key][1]})",
            {},
            {"CHN": (float(dytb["value"]), src.raw(dytb), "EU CRM 2023 App. 7 Dy/Tb processing share")},
            sid,
        )


def build_oxide_shipments(ctx: Context) -> None:
    """NdPr oxide shipped between separators and metal makers (t NdPr oxide, 2024)."""
    t, src, p = ctx.raw.trade, ctx.src, ctx.raw.prod
    for _, r in pick(t, material="NdPr oxide", importer="China", period="2024").iterrows():
        ctx.oxide_ship[(iso(r["exporter"]), "CHN")] = (
            float(r["value"]),
            src.raw(r),
            f"{r['exporter']} NdPr shipped to China 2024 per China import data {n(r['value'])} t",
        )
    ly = one(p, material="REE (NdPr oxide)", country="Malaysia", year="2023")
    jare = one(ctx.raw.projects, project="JARE-Lynas 2023 heavy rare earth investment")
    v = float(ly["value"]) - ctx.oxide_ship[("MYS", "CHN")][0]
    sid = ctx.src.estimate(
        "est-lynas-oxide-to-japan",
        "Lynas NdPr oxide not shipped to China goes to Japanese metal makers",
        str(jare["source_url"]),
        "Method: MYS->JPN NdPr oxide = Lynas Malaysia NdPr output - Lynas NdPr shipped to China (China import data); "
        "Japan holds a priority right to Lynas NdPr (JARE 2023) and Lynas sells no metal, so the rest is reduced to metal in Japan.",
    )
    ctx.oxide_ship[("MYS", "JPN")] = (
        v,
        sid,
        f"MYS->JPN = Lynas NdPr {n(ly['value'])} t (src {src.raw(ly)}) - shipped to China {n(ctx.oxide_ship[('MYS', 'CHN')][0])} t = {n(v)} "
        f"(JARE priority right, src {src.raw(jare)})",
    )


def oxide_supply(ctx: Context, m: str) -> dict[str, float]:
    """Separated oxide available to each country's metal makers: output - shipped + received."""
    sup = dict(ctx.pv(m, "separation"))
    frac = {"ndpr": 1.0, "neodymium": 1 - ctx.factors["pr_share"][0], "praseodymium": ctx.factors["pr_share"][0]}.get(m)
    if frac is None:
        return sup
    for (e, i), (v, _, _) in ctx.oxide_ship.items():
        sup[e] = sup.get(e, 0.0) - v * frac
        sup[i] = sup.get(i, 0.0) + v * frac
    return {c: v for c, v in sup.items() if v > 1e-9}


def build_metals(ctx: Context) -> None:
    """RE metal 2024 = oxide supply (output - shipped + received) x share reduced x metal fraction x (1 - loss)."""
    f, src = ctx.factors, ctx.src
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
        ox = oxide_supply(ctx, m)
        for c, v in ox.items():
            ctx.prod(
                m,
                "metal",
                c,
                YEAR,
                v * fac,
                sid,
                f"{m} metal = oxide supply (output - shipped + received) {n(v)} x reduced share {n(to_m)} x metal fraction {n(f[key][0])} (src {f[key][1]}) "
                f"x (1 - loss {n(loss)}, src {lsid}) = {n(v * fac)}",
            )
        w = ctx.world[(m, "separation", YEAR)][0]
        ctx.world_total(m, "metal", YEAR, w * fac, sid, f"world oxide {n(w)} x {n(fac)}")


def build_ndfeb(ctx: Context) -> None:
    """NdFeB magnets and alloy 2024 from world magnet demand, China's share, Japan's alloy and Shin-Etsu Vietnam."""
    f, src, p, d = ctx.factors, ctx.src, ctx.raw.prod, ctx.raw.demand
    wrow = one(d, material="NdFeB magnets", sector="all", year="2024")
    w = float(wrow["value"])
    wsid = src.raw(wrow)
    cn = one(p, material="NdFeB magnets", country="China", year="2025", unit="share")
    jp = one(p, material="NdFeB magnets", stage="alloy", country="Japan")
    sv = one(ctx.raw.projects, project="Shin-Etsu overseas magnet plants")
    y = f["yield"][0]
    sid = src.estimate(
        "est-ndfeb-production",
        "NdFeB magnet and alloy output from world magnet demand, China share and Japan alloy output",
        str(wrow["source_url"]),
        "Method: world magnets 2024 = implied world NdFeB demand (stock change 0); China = share x world; "
        "Japan = Japan alloy x machining yield; Vietnam = Shin-Etsu capacity x utilisation; ROW = remainder; alloy = magnet / yield.",
    )
    jp_mag = float(jp["value"]) * y
    vn = float(sv["capacity"]) * UTILISATION["magnet"].value
    split(
        ctx,
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
    mags = ctx.pv("ndfeb", "magnet")
    walloy = w / y
    ctx.world_total("ndfeb", "alloy", YEAR, walloy, sid, f"world magnets {n(w)} / yield {n(y)}")
    cn_alloy = mags["CHN"] / y
    ctx.prod(
        "ndfeb",
        "alloy",
        "CHN",
        YEAR,
        cn_alloy,
        sid,
        f"China alloy = China magnets {n(mags['CHN'])} / yield {n(y)} = {n(cn_alloy)}",
    )
    ctx.prod(
        "ndfeb",
        "alloy",
        "JPN",
        YEAR,
        float(jp["value"]),
        sid,
        f"Japan NdFeB alloy output 2020 {n(jp['value'])} t (src {src.raw(jp)}) used for 2024 (latest sourced year)",
    )
    rest = walloy - cn_alloy - float(jp["value"])
    ctx.prod(
        "ndfeb",
        "alloy",
        "ROW",
        YEAR,
        rest,
        sid,
        f"ROW = world alloy {n(walloy)} - China {n(cn_alloy)} - Japan {n(jp['value'])} = {n(rest)}",
    )
    argus = one(p, material="NdFeB magnets", country="China", year="2024")
    ctx.alternative(
        "production",
        "material=ndfeb;stage=magnet;country=CHN;year=2024",
        argus["value"],
        "t/year",
        src.raw(argus),
        f"Different basis (all NdFeB incl. blanks and recycled feed): 300,000 t of magnets would need about {n(300000 / y * f['ndpr_alloy'][0] / (f['stoich_ndpr'][0] * (1 - f['loss'][0])))} t NdPr oxide, "
        f"more than world mine output supplies at the adopted NdPr share (chain mass balance); China = 0.9 x implied world demand chosen instead.",
    )
