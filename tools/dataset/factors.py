"""Conversion factors and assumptions the estimates use (stoichiometry, element shares, NdFeB composition, yields), each with its source id."""

from __future__ import annotations

from .common import Assumed, n, one
from .context import Context

# Assumed factors (no sourced value): central value, range, and the record whose note states them.
NDPR_SHARE_OF_TREO = Assumed(0.20, 0.15, 0.25, "asm-ndpr-share-of-treo")
TB_SHARE_OF_TREO = Assumed(0.002, 0.001, 0.003, "asm-tb-share-of-treo")
OXIDE_TO_METAL_SHARE = Assumed(0.9, 0.8, 0.95, "asm-oxide-to-metal-share")
NDFEB_HIGH_TEMPERATURE_SHARE = Assumed(0.2, 0.1, 0.4, "asm-ndfeb-grade-mix")
NDFEB_TB_CONTENT = Assumed(0.002, 0.0005, 0.005, "asm-ndfeb-tb-content")
MAGNET_YIELD = Assumed(0.75, 0.6, 0.9, "asm-magnet-machining-yield")
GALLIUM_HP_RECOVERY = Assumed(0.95, 0.9, 0.99, "asm-gallium-hp-recovery")
REFINING_RECOVERY = Assumed(1.0, 0.85, 1.0, "asm-refining-recovery")
SPHEROIDISATION_YIELD = Assumed(0.30, 0.3, 0.5, "asm-spheroidisation-yield")


def build_factors(ctx: Context) -> None:
    """Conversion factors and assumptions used by the estimates, each with a source id."""
    for key, item in {
        "nd": "oxide to metal factor, Nd2O3",
        "pr": "oxide to metal factor, Pr6O11",
        "dy": "oxide to metal factor, Dy2O3",
        "tb": "oxide to metal factor, Tb4O7",
    }.items():
        r = ctx.mi(item)
        ctx.factors[f"stoich_{key}"] = (float(r["value"]), ctx.src.raw(r), item)
    r = ctx.mi("oxide-to-metal conversion loss")
    ctx.factors["loss"] = (float(r["value"]), ctx.src.raw(r), "oxide-to-metal loss")
    r = ctx.mi("Pr share of NdPr")
    ctx.factors["pr_share"] = (float(r["value"]), ctx.src.raw(r), "Pr share of NdPr")
    r = ctx.mi("lithium carbonate equivalent")
    ctx.factors["lce"] = (float(r["value"]), ctx.src.raw(r), "t LCE per t Li")
    r = ctx.mi("tungsten per metric ton unit")
    ctx.factors["mtu"] = (float(r["value"]), ctx.src.raw(r), "kg W per mtu WO3")
    re_lo = float(ctx.mi("sintered NdFeB composition: neodymium (incl. Pr substitution) (low)")["value"])
    re_hi_row = ctx.mi("sintered NdFeB composition: neodymium (incl. Pr substitution) (high)")
    re_hi = float(re_hi_row["value"])
    ctx.factors["re_mid"] = ((re_lo + re_hi) / 2, ctx.src.raw(re_hi_row), "RE content of sintered NdFeB, midpoint")
    a = ctx.src.assumption
    ctx.factors["s_ndpr"] = (
        NDPR_SHARE_OF_TREO.value,
        a(
            NDPR_SHARE_OF_TREO.source_id,
            "NdPr oxide share of world TREO 0.20",
            "World-average NdPr oxide share of mined TREO = 0.20, range 0.15-0.25. The share is deposit-specific "
            "(no world figure in the sources); 0.20 is a central value used to turn world REO into NdPr oxide.",
        ),
        "NdPr share of TREO",
    )
    dy_row = one(ctx.raw.extra, item="dysprosium mine production")
    w21 = one(ctx.raw.prod, material="REE (total)", stage="mining", country="World", year="2021")
    s_dy = float(dy_row["value"]) / float(w21["value"])
    ctx.factors["s_dy"] = (
        s_dy,
        ctx.src.estimate(
            "est-dy-share-of-treo",
            "Dy share of world TREO from 2021 Dy output and world REO",
            dy_row["source_url"],
            f"Dy2O3 share of TREO = Dy produced 2021 {n(dy_row['value'])} t (src {ctx.src.raw(dy_row)}) / "
            f"world REO 2021 {n(w21['value'])} t (src {ctx.src.raw(w21)}) = {n(s_dy)}; Dy-metal and Dy2O3 bases treated alike (within the 2% stoichiometric gap).",
        ),
        "Dy share of TREO",
    )
    ctx.factors["s_tb"] = (
        TB_SHARE_OF_TREO.value,
        a(
            TB_SHARE_OF_TREO.source_id,
            "Tb4O7 share of world TREO 0.002",
            "World-average Tb4O7 share of mined TREO = 0.002, range 0.001-0.003; no sourced world figure.",
        ),
        "Tb share of TREO",
    )
    ctx.factors["to_metal"] = (
        OXIDE_TO_METAL_SHARE.value,
        a(
            OXIDE_TO_METAL_SHARE.source_id,
            "share of separated RE oxide reduced to metal 0.9",
            "Share of separated NdPr, Nd, Pr, Dy and Tb oxide that is reduced to metal (the rest goes to catalysts, glass, "
            "polishing, other compounds) = 0.9, range 0.8-0.95.",
        ),
        "share of oxide reduced to metal",
    )
    dy_gen_lo = float(ctx.mi("sintered NdFeB composition: dysprosium (low)")["value"])
    dy_gen_hi_row = ctx.mi("sintered NdFeB composition: dysprosium (high)")
    dy_gen = (dy_gen_lo + float(dy_gen_hi_row["value"])) / 2
    dy_ht_row = ctx.mi("dysprosium content of high-temperature NdFeB")
    ht = NDFEB_HIGH_TEMPERATURE_SHARE.value
    dy_mix = (1 - ht) * dy_gen + ht * float(dy_ht_row["value"])
    ctx.src.assumption(
        NDFEB_HIGH_TEMPERATURE_SHARE.source_id,
        "NdFeB grade mix 80% general / 20% high-temperature",
        "Share of high-temperature (Dy-rich) grades in NdFeB alloy output = 0.2, range 0.1-0.4; general grades "
        "carry the vendor midpoint Dy content, high-temperature grades about 4% Dy.",
    )
    ctx.factors["dy_alloy"] = (
        dy_mix,
        ctx.src.estimate(
            "est-ndfeb-dy-content",
            "Dy metal per t NdFeB alloy from the grade mix",
            dy_ht_row["source_url"],
            f"Dy per t alloy = 0.8 x general {n(dy_gen)} (vendor 0.006-0.012 midpoint, src {ctx.src.raw(dy_gen_hi_row)}) "
            f"+ 0.2 x high-temperature {n(dy_ht_row['value'])} (src {ctx.src.raw(dy_ht_row)}) = {n(dy_mix)}; grade mix asm-ndfeb-grade-mix.",
        ),
        "Dy metal per t alloy",
    )
    ctx.factors["tb_alloy"] = (
        NDFEB_TB_CONTENT.value,
        a(
            NDFEB_TB_CONTENT.source_id,
            "Tb metal per t NdFeB alloy 0.002",
            "Terbium content of NdFeB alloy (grain-boundary diffusion grades) averaged over output = 0.002 t/t, range 0.0005-0.005.",
        ),
        "Tb metal per t alloy",
    )
    ndpr_alloy = ctx.factors["re_mid"][0] - dy_mix - NDFEB_TB_CONTENT.value
    ctx.factors["ndpr_alloy"] = (
        ndpr_alloy,
        ctx.src.estimate(
            "est-ndfeb-ndpr-content",
            "NdPr metal per t NdFeB alloy = RE content minus Dy and Tb",
            re_hi_row["source_url"],
            f"NdPr metal per t alloy = RE midpoint {n(ctx.factors['re_mid'][0])} ((0.29+0.325)/2, src {ctx.factors['re_mid'][1]}) "
            f"- Dy {n(dy_mix)} (est-ndfeb-dy-content) - Tb 0.002 (asm-ndfeb-tb-content) = {n(ndpr_alloy)}.",
        ),
        "NdPr metal per t alloy",
    )
    ctx.factors["yield"] = (
        MAGNET_YIELD.value,
        a(
            MAGNET_YIELD.source_id,
            "finished magnet per t NdFeB alloy 0.75",
            "Sintered-magnet yield from alloy (pressing, sintering, machining and grinding losses) = 0.75 t magnet per t alloy, range 0.6-0.9; "
            "no sourced figure.",
        ),
        "magnet per t alloy",
    )
    ctx.factors["ga_hp"] = (
        GALLIUM_HP_RECOVERY.value,
        a(
            GALLIUM_HP_RECOVERY.source_id,
            "high-purity gallium recovery 0.95",
            "High-purity gallium refining recovers 0.95 t of 4N-7N gallium per t of primary low-purity gallium, range 0.9-0.99; "
            "new scrap recycled inside refiners is not counted.",
        ),
        "HP Ga recovery",
    )
    ctx.factors["refine_rec"] = (
        REFINING_RECOVERY.value,
        a(
            REFINING_RECOVERY.source_id,
            "refining recovery 1.0 on contained-metal basis",
            "Refined output of Sb, W, Co, Li and Ni equals mine output on a contained-metal basis (recovery 1.0, range 0.85-1.0): "
            "losses are offset by scrap and stock changes; no sourced world refinery totals for 2024.",
        ),
        "refining recovery",
    )
    ex = ctx.raw.extra
    syn = one(ex, item="synthetic share of anode shipments")
    ctx.factors["nat_share"] = (1 - float(syn["value"]), ctx.src.raw(syn), "natural share of anode")
    ctx.factors["sph_yield"] = (
        SPHEROIDISATION_YIELD.value,
        a(
            SPHEROIDISATION_YIELD.source_id,
            "spheroidisation yield 0.30",
            "Spherical graphite per t of flake feed = 0.30 (one industry account puts the spheroidising loss at about 70%; "
            "IM 2012 via Stockhouse, https://stockhouse.com/companies/bullboard?postid=20084273&symbol=v.ngc), range 0.3-0.5. Not used for the chain "
            "since 2026.11: flake per t anode comes from China's 2024 balance (est-anode-flake-intensity), whose implied yield must lie in this range; "
            "0.156 / 0.30 = 0.52 is kept in alternatives.csv.",
        ),
        "spherical per t flake",
    )
    ctx.factors["util"] = (
        0.0,
        a(
            "asm-capacity-utilisation",
            "capacity utilisation by stage",
            "Utilisation used to estimate capacity = production / utilisation: mining 0.85 (0.7-0.95), separation 0.8 (0.6-0.9), "
            "refining 0.8 (0.6-0.9), metal 0.7 (0.5-0.9), alloy 0.65 (0.5-0.8), magnet 0.65 (0.5-0.8).",
        ),
        "utilisation",
    )
