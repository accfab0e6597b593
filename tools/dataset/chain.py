"""chain.csv: tonnes of input per tonne of output, from element shares, stoichiometry, losses, compositions and China's graphite balance."""

from __future__ import annotations

from .common import REGIONS, YEAR, n, one
from .context import Context
from .demand import manufacturing_key
from .factors import SPHEROIDISATION_YIELD


def build_chain(ctx: Context) -> None:
    """chain.csv: t of input per t of output for every link of the supply chain."""
    f, src = ctx.factors, ctx.src
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
        ctx.link(
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
        ctx.link(
            m,
            "metal",
            m,
            "separation",
            v,
            sid,
            f"t oxide per t metal = 1 / (metal fraction {n(f[key][0])} (src {f[key][1]}) x (1 - loss {n(f['loss'][0])}, src {f['loss'][1]})) = {n(v)}",
        )
    ctx.link(
        "ndfeb",
        "alloy",
        "ndpr",
        "metal",
        f["ndpr_alloy"][0],
        f["ndpr_alloy"][1],
        f"NdPr metal per t alloy = {n(f['ndpr_alloy'][0])} (0.3075 RE - Dy - Tb)",
    )
    ctx.link(
        "ndfeb",
        "alloy",
        "dysprosium",
        "metal",
        f["dy_alloy"][0],
        f["dy_alloy"][1],
        f"Dy metal per t alloy = 0.8 x 0.009 + 0.2 x 0.04 = {n(f['dy_alloy'][0])} (grade mix parameter)",
    )
    ctx.link(
        "ndfeb",
        "alloy",
        "terbium",
        "metal",
        f["tb_alloy"][0],
        f["tb_alloy"][1],
        f"Tb metal per t alloy = {n(f['tb_alloy'][0])} (assumption, range 0.0005-0.005)",
    )
    ctx.link(
        "ndfeb",
        "magnet",
        "ndfeb",
        "alloy",
        1 / f["yield"][0],
        sid,
        f"t alloy per t magnet = 1 / yield {n(f['yield'][0])} (asm-magnet-machining-yield) = {n(1 / f['yield'][0])}",
    )
    ctx.link(
        "gallium",
        "metal",
        "gallium",
        "refining",
        1 / f["ga_hp"][0],
        sid,
        f"t primary Ga per t high-purity Ga = 1 / recovery {n(f['ga_hp'][0])} = {n(1 / f['ga_hp'][0])}",
    )
    v, fsid, fnote = anode_flake_intensity(ctx)
    ctx.link("graphite_anode", "refining", "graphite_natural", "mining", v, fsid, fnote)
    for m in ("antimony", "tungsten", "cobalt", "lithium", "nickel"):
        ctx.link(
            m,
            "refining",
            m,
            "mining",
            1 / f["refine_rec"][0],
            f["refine_rec"][1],
            f"t contained in ore per t refined (contained basis) = 1 / recovery {n(f['refine_rec'][0])}",
        )


def anode_flake_intensity(ctx: Context) -> tuple[float, str, str]:
    """Flake per t anode from China's natural-graphite balance with exports pinned to USGS (2024).

    China output - exports - China's use outside the anode chain = k x China's anode output, where
    China's outside use is itself (world output - k x world anode output - USA sourced) x China's
    regional key (est-demand-split), so k solves one linear equation.
    """
    f, src, t, d = ctx.factors, ctx.src, ctx.raw.trade, ctx.raw.demand
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
    ctx.factors["cn_graphite_exports"] = (x, xsid, "China natural-graphite exports 2024")
    p_cn = ctx.pv("graphite_natural", "mining")["CHN"]
    w, _, _ = ctx.world[("graphite_natural", "mining", YEAR)]
    anode = ctx.pv("graphite_anode", "refining")
    a_cn, a_w = anode["CHN"], sum(anode.values())
    us = one(d, material="natural graphite", year="2024", sector="all (apparent consumption)")
    u = float(us["value"])
    key = manufacturing_key(ctx)
    free = {r: key[r][0] for r in REGIONS if r != "USA"}
    c = free["CHN"] / sum(free.values())
    k = (p_cn - x - c * (w - u)) / (a_cn - c * a_w)
    cn_out = c * (w - k * a_w - u)
    nat = f["nat_share"][0]
    a_nat = a_cn * nat
    y = nat / k
    lo, hi = SPHEROIDISATION_YIELD.low, SPHEROIDISATION_YIELD.high
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
    ctx.alternative(
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
