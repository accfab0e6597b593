"""demand.csv: final use outside the chain by region and sector, the regional key, sector shares, defence use, alternatives."""

from __future__ import annotations

from collections import defaultdict

from critmin.vocabulary import MATERIAL_STAGES, SECTORS

from .common import LAST, REGIONS, YEAR, Assumed, n, one, pick, region_of
from .context import Context

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


CELL_SHARES = {
    "KOR": Assumed(0.045, 0.03, 0.07, "asm-battery-cell-shares"),
    "JPN": Assumed(0.035, 0.02, 0.05, "asm-battery-cell-shares"),
    "IND": Assumed(0.005, 0.0, 0.01, "asm-battery-cell-shares"),
}
"""Shares of world Li-ion cell production without a sourced 2023-24 figure."""
MANUFACTURING_SHARES = {
    "CAN": Assumed(0.015, 0.01, 0.02, "asm-manufacturing-share-can-aus"),
    "AUS": Assumed(0.005, 0.003, 0.01, "asm-manufacturing-share-can-aus"),
}
"""Shares of world manufacturing of regions that data-raw does not cover."""
ALLY_NDFEB_MIX = {
    "JPN": {"automotive": 0.45, "electronics": 0.35, "industrial": 0.17, "wind": 0.03},
    "KOR": {"automotive": 0.45, "electronics": 0.40, "industrial": 0.13, "wind": 0.02},
    "EU27": {"automotive": 0.45, "wind": 0.20, "industrial": 0.25, "electronics": 0.10},
}
"""NdFeB end-use mix where industry differs from the world mix (asm-ally-sector-mix, each share +-0.1)."""
NDFEB_SECTOR_TOTAL_T = 122900
"""World NdFeB demand (t) that the source's sector tonnages (wind, air conditioners) are shares of."""
FIXED_SECTOR_SHARES = {
    "gallium": {
        "world": {"semiconductors": 0.5, "optics": 0.5},
        "USA": {"semiconductors": 0.73 / 0.99, "optics": 0.26 / 0.99},
    },
    "antimony": {
        "world": {"chemicals": 1 / 3 + 2 / 3 * 0.6, "metallurgy": 2 / 3 * 0.4},
        "USA": {"chemicals": 0.49 + 0.11, "metallurgy": 0.40},
    },
    "tungsten": {"world": {"metallurgy": 1.0}},
    "cobalt": {"world": {"all": 1.0}, "USA": {"metallurgy": 0.51 + 0.15 + 0.09, "chemicals": 0.25}},
    "lithium": {"world": {"batteries": 0.88, "chemicals": 0.04 + 0.02 + 0.01 + 0.01 + 0.03, "metallurgy": 0.01}},
    "nickel": {"world": {"all": 1.0}, "USA": {"metallurgy": 0.85, "chemicals": 0.15}},
    "graphite_anode": {"world": {"batteries": 1.0}},
    "rare_earths": {"world": {"all": 1.0}},
}
"""End-use shares the sources give as numbers (cited per material in SECTOR_NOTE)."""


def manufacturing_key(ctx: Context) -> dict[str, tuple[float, str]]:
    """Regional shares of world manufacturing (the split key for unsourced regional demand)."""
    ex, src = ctx.raw.extra, ctx.src
    get = {r["region"]: r for _, r in pick(ex, material="all").iterrows()}
    usa = float(get["United States"]["value"])
    eu = float(get["United States and European Union"]["value"]) - usa
    src.assumption(
        MANUFACTURING_SHARES["CAN"].source_id,
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
        **{r: (a.value, a.source_id) for r, a in MANUFACTURING_SHARES.items()},
    }
    key["ROW"] = (1 - sum(v for v, _ in key.values()), "est-demand-split")
    return key


def sector_shares(ctx: Context) -> dict[str, dict[str, dict[str, float]]]:
    """Sector shares per material: {'world': {...}, region: {...}} (fractions summing to 1)."""
    d = ctx.raw.demand
    v = lambda **k: float(one(d, **k)["value"])  # noqa: E731
    wind = v(material="NdFeB magnets", sector="wind turbines", unit="t NdFeB") / NDFEB_SECTOR_TOTAL_T
    ac = v(material="NdFeB magnets", sector="inverter air conditioners") / NDFEB_SECTOR_TOTAL_T
    ce = v(material="NdFeB magnets", sector="consumer electronics")
    auto = v(material="NdFeB magnets", sector="new energy vehicles", unit="share of demand")
    ndfeb = {"automotive": auto, "wind": wind, "electronics": ac + ce, "industrial": 1 - auto - wind - ac - ce}
    ge_opt = v(material="germanium", sector="fibre optics", unit="share of consumption") + v(
        material="germanium", sector="infrared optics"
    )
    ctx.src.assumption(
        "asm-ally-sector-mix",
        "NdFeB end-use mix of Japan, Korea and the EU",
        "Regional NdFeB sector mix where industry structure differs from the world mix (no sourced regional split): "
        "JPN automotive 0.45, electronics 0.35, industrial 0.17, wind 0.03 (car and electronics makers); "
        "KOR automotive 0.45, electronics 0.40, industrial 0.13, wind 0.02; "
        "EU27 automotive 0.45, wind 0.20, industrial 0.25, electronics 0.10 (car makers, wind OEMs); each share range +-0.1.",
    )
    out = {
        m: {"world": ndfeb, **ALLY_NDFEB_MIX}
        for m in ("ndfeb", "ndpr", "neodymium", "praseodymium", "dysprosium", "terbium")
    }
    out.update(FIXED_SECTOR_SHARES)
    out["germanium"] = {"world": {"optics": ge_opt, "semiconductors": 1 - ge_opt}}
    for m in ("ndpr", "dysprosium", "terbium"):
        out[m] = {"world": {"all": 1.0}}
    grows = {
        k: one(ctx.raw.extra, item=f"natural graphite end-use share: {k}")
        for k in ("refractories", "brake linings", "foundry", "lubricants", "other")
    }
    gr = {k: float(r["value"]) for k, r in grows.items()}
    ctx.sector_src = {"graphite_natural": ctx.src.raw(grows["refractories"])}
    out["graphite_natural"] = {
        "world": {
            "metallurgy": gr["refractories"] + gr["foundry"],
            "automotive": gr["brake linings"],
            "chemicals": gr["lubricants"],
            "all": gr["other"],
        }
    }
    return out


def build_demand(ctx: Context) -> None:
    """demand.csv: final use 2024 by region and sector for every material (last stage, outside the chain)."""
    src, d = ctx.src, ctx.raw.demand
    key = manufacturing_key(ctx)
    shares = sector_shares(ctx)
    sid = src.estimate(
        "est-demand-split",
        "Regional and sector split of world demand",
        "https://pubs.usgs.gov/periodicals/mcs2026/",
        "Method: world use = world output at the last stage (stock change 0) unless a world consumption is sourced; "
        "feed to another material's stage through chain.csv (REO to separation, NdPr/Dy/Tb metal to NdFeB alloy, flake to anode) is not demand: demand = use outside that chain = world output - world chain feed; sourced regional values first, the rest split by regional shares of "
        "world manufacturing (Voronoi, UNSD, asm-manufacturing-share-can-aus); sectors by sourced end-use shares.",
    )
    ctx.src.records["est-demand-split"]["note"] += (
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
        wprod = ctx.world[(m, s, YEAR)][0]
        total: dict[str, float] = defaultdict(float)
        notes: dict[str, str] = {}
        feed = ctx.chain_feed_by_region(m, s)
        if m in ("neodymium", "praseodymium"):
            # components of ndpr, which carries the chain link to NdFeB alloy; these rows give the element split of that use
            alloy = ctx.pv("ndfeb", "alloy")
            wa = sum(alloy.values())
            for c, v in alloy.items():
                total[region_of(c)] += wprod * v / wa
                notes[region_of(c)] = f"world {m} metal {n(wprod)} x region's share of NdFeB alloy output {n(v / wa)}"
            write_demand(ctx, m, total, notes, shares[m], sid)
            continue
        if m == "graphite_anode":
            anode_demand(ctx, shares[m])
            continue
        if feed and m != "graphite_natural":
            # output that feeds another material's stage (chain.csv): demand = use outside that chain only
            wfeed = sum(feed.values())
            outside = max(0.0, wprod - wfeed)
            if m == "rare_earths":
                key_r, ktxt = feed, "region's share of the feed to separation"
            else:
                alloy = ctx.pv("ndfeb", "alloy")
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
            write_demand(ctx, m, total, notes, shares[m], sid, keep_zero=True)
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
        write_demand(ctx, m, total, notes, shares[m], sid)


def anode_demand(ctx: Context, shares: dict) -> None:
    """Anode use by region = the region's share of world Li-ion cell production x world anode output; USA = its sourced imports."""
    ex, src = ctx.raw.extra, ctx.src
    w, wsid, _ = ctx.world[("graphite_anode", "refining", YEAR)]
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
    for r, a in CELL_SHARES.items():
        cell[r] = (a.value, f"{r} cell share {n(a.value)} ({a.source_id})")
    row = 1 - sum(v for v, _ in cell.values())
    cell["ROW"] = (row, f"ROW cell share = 1 - listed regions = {n(row)}")
    an = one(ctx.raw.trade, material="graphite (natural and synthetic)", importer="United States", period="2024-08")
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
    ctx.alternative(
        "demand",
        f"material=graphite_anode;region=USA;year={YEAR}",
        alt,
        "t/year",
        sid,
        f"US cell share {n(cell['USA'][0])} x world anode output {n(w)}: three times the sourced US anode imports "
        f"({n(us_use)} t) with no US anode output; the imports (grade T) are used.",
    )
    write_demand(ctx, "graphite_anode", total, notes, shares, sid)


def write_demand(
    ctx: Context, m: str, total: dict, notes: dict, shares: dict, sid: str, keep_zero: bool = False
) -> None:
    """Rows of one material: regional totals x sector shares (the region's own shares, else the world's)."""
    sec_note = SECTOR_NOTE.get(m, SECTOR_NOTE["ndfeb"])
    if m in ctx.sector_src:
        sec_note += f", src {ctx.sector_src[m]}"
    for r in sorted(total):
        if total[r] <= 0 and not (keep_zero and total[r] == 0):
            continue
        sh = shares.get(r, shares["world"])
        for sec, fr in sh.items():
            assert sec in SECTORS
            ctx.tables["demand"].add(
                material=m,
                region=r,
                sector=sec,
                year=YEAR,
                value=total[r] * fr,
                unit="t/year",
                source_id=sid,
                note=f"{m} {r} = {notes[r]} = {n(total[r])}; x sector share {n(fr)} ({sec_note})",
            )


def build_defence_demand(ctx: Context) -> None:
    """US defence use of NdFeB magnets: GAO upper bound (DoD < 0.1% of world rare-earth demand), carved out of US industrial use."""
    r = one(ctx.raw.extra, item="DoD rare-earth demand share of world")
    w = ctx.world[("ndfeb", "magnet", YEAR)][0]
    v = float(r["value"]) * w
    sid = ctx.src.estimate(
        "est-defence-ndfeb",
        "US defence NdFeB use = DoD share of world rare-earth demand x world magnets",
        str(r["source_url"]),
        "Method: US defence NdFeB = 0.001 (GAO 2024: DoD under 0.1% of world rare-earth demand, an upper bound) x world magnets 2024; "
        "taken out of US industrial use so the US total is unchanged.",
    )
    ind = ctx.tables["demand"].rows[("ndfeb", "USA", "industrial", YEAR)]
    ind["value"] -= v
    ind["note"] += f"; - defence {n(v)} (est-defence-ndfeb) = {n(ind['value'])}"
    ctx.tables["demand"].add(
        material="ndfeb",
        region="USA",
        sector="defence",
        year=YEAR,
        value=v,
        unit="t/year",
        source_id=sid,
        note=f"US defence = share {n(r['value'])} (upper bound, src {ctx.src.raw(r)}) x world magnets {n(w)} = {n(v)}; F-35 holds 8-20 kg NdFeB alloy",
    )


def build_demand_alternatives(ctx: Context) -> None:
    """US and Japan consumption figures on other bases, kept in alternatives.csv."""
    d, src = ctx.raw.demand, ctx.src
    r = one(d, material="cobalt", year="2024", sector="all (apparent consumption, incl. secondary)")
    ctx.alternative(
        "demand",
        "material=cobalt;region=USA;year=2024",
        r["value"],
        "t/year",
        src.raw(r),
        "Apparent consumption includes stock changes; estimated (reported) consumption 7,830 t chosen as users' use.",
    )
    r = one(d, material="nickel", year="2024", sector="all (apparent consumption, total incl. scrap)")
    ctx.alternative(
        "demand",
        "material=nickel;region=USA;year=2024",
        r["value"],
        "t/year",
        src.raw(r),
        "Includes scrap-based supply; the nickel refining stage is primary, so primary apparent consumption 90,300 t chosen.",
    )
    r = one(d, material="rare earths (compounds and metals)", year="2024")
    ctx.alternative(
        "demand",
        "material=rare_earths;region=USA;year=2024",
        r["value"],
        "t/year",
        src.raw(r),
        "US use of separated compounds and metals; critmin's rare_earths demand is REO concentrate fed to separation.",
    )
    r = one(d, material="rare earths", region="Japan", year="2020")
    ctx.alternative(
        "demand",
        "material=rare_earths;region=JPN;year=2020",
        r["value"],
        "t/year",
        src.raw(r),
        "Japan's use of rare-earth products (2020); not concentrate feed to separation.",
    )
