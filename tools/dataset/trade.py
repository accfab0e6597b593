"""Bilateral trade flows of 2024: sourced flows where they exist, the exporters' surplus rule elsewhere.

The rule itself (:func:`surplus_rule`) is a pure function of one stage's inputs (:class:`StageTrade`):
production by country, use by region, chain use, sourced import totals and individual fixed flows per
importer. Measured bilateral flows enter it as fixed flows; :func:`build_trade` gathers the inputs from
the build context and writes the rows to trade.csv.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from critmin.vocabulary import EU27_MEMBERS, MATERIAL_STAGES

from .common import IMPORTERS, LAST, REGIONS, YEAR, Assumed, iso, n, one, pick, region_of
from .context import Context
from .trade_measured import load_measured

Flow = tuple[float, str, str]
"""One bilateral flow: tonnes, source id, note with its arithmetic."""

RULE_SID = "est-trade-net-imports"
SHARES_SID = "est-trade-sourced-shares"
FLOOR = Assumed(0.05, 0.02, 0.15, "asm-gross-import-floor")
"""Gross imports of a user that makes at least what it uses, as a share of its use."""
JAPAN_MAGNET_FALL_2025 = 0.039
"""Fall of China's magnet exports to Japan from 2024 to 2025 that the source reports (3.9%)."""
EXTRA_IMPORTERS = {("rare_earths", "mining"): ("MYS",)}
"""Importers outside IMPORTERS whose fixed flows are written (no rule is run for them)."""


@dataclass(frozen=True)
class SourcedImports:
    """An importer's sourced import tonnage and source-country shares at one stage; they replace the rule."""

    total: float
    shares: dict[str, tuple[float, str]]  # exporter -> (share of the importer's imports, source id)
    txt: str  # how the total was read, for the notes


@dataclass(frozen=True)
class ImportShare:
    """One exporter's sourced share of the part of an importer's net imports that fixed flows leave uncovered."""

    exporter: str
    share: float
    what: str  # e.g. "China share of Japan's REE imports"
    cite: str  # e.g. "H1 2024, src <id>"


@dataclass(frozen=True)
class StageTrade:
    """Inputs of the surplus rule for one (material, stage); all tonnes per year.

    ``production`` by country; ``use_by_region`` by importer region (demand at the last stage, else feed to
    the next stage); ``chain_use`` by country (own use of producers that are not a demand region);
    ``sourced`` and ``fixed`` by importer; ``gross_imports`` replaces an importer's net imports by a sourced
    total (tonnes, note); ``uncovered_shares`` assigns part of the uncovered need to one exporter.
    """

    material: str
    stage: str
    production: dict[str, float]
    use_by_region: dict[str, float]
    chain_use: dict[str, float]
    sourced: dict[str, SourcedImports] = field(default_factory=dict)
    fixed: dict[str, dict[str, Flow]] = field(default_factory=dict)
    gross_imports: dict[str, tuple[float, str]] = field(default_factory=dict)
    uncovered_shares: dict[str, ImportShare] = field(default_factory=dict)
    extra_importers: tuple[str, ...] = ()
    export_weights: dict[str, float] = field(default_factory=dict)
    banned: frozenset[str] = frozenset()
    rule_only_to: dict[str, str] = field(default_factory=dict)


def surplus_rule(st: StageTrade, importers: Iterable[str] = IMPORTERS) -> list[dict[str, object]]:
    """Rows of trade.csv for one stage: sourced shares, fixed flows, rule parts and gross-import floors.

    Net imports = max(0, use - output); exporter surplus = max(0, output - own use); the need that
    fixed flows leave is split over eligible exporters by surplus, capped at each exporter's surplus.
    A user with no net imports and no flows gets a floor of FLOOR x its use.

    >>> rows = surplus_rule(StageTrade("m", "s", {"CHN": 100.0, "USA": 10.0}, {"USA": 30.0, "CHN": 50.0}, {}))
    >>> [(r["exporter"], r["importer"], r["value"]) for r in rows]
    [('CHN', 'USA', 20.0), ('USA', 'CHN', 2.5)]
    """
    prod, use_r = st.production, st.use_by_region
    own = {c: (use_r.get(c, 0.0) if c in REGIONS else st.chain_use.get(c, 0.0)) for c in prod}
    surplus = {c: max(0.0, prod[c] - own[c]) for c in prod}
    weight_name = "surplus"
    if st.export_weights:
        # measured exports of the stage's other products replace the modelled surplus as weights and caps
        surplus, weight_name = dict(st.export_weights), "measured exports"
    surplus = {c: v for c, v in surplus.items() if c not in st.banned}
    fixed_all: dict[tuple[str, str], Flow] = {}
    ruled: dict[tuple[str, str], tuple[float, str]] = {}
    for imp in importers:
        dom = sum(v for c, v in prod.items() if region_of(c) == imp) if imp == "EU27" else prod.get(imp, 0.0)
        need = max(0.0, use_r.get(imp, 0.0) - dom)
        elig = {
            c: v
            for c, v in surplus.items()
            if v > 0 and c != imp and st.rule_only_to.get(c, imp) == imp and not (imp == "EU27" and c in EU27_MEMBERS)
        }
        flows: dict[str, Flow] = {}
        if imp in st.sourced:
            d = st.sourced[imp]
            for c, (sh, ssid) in d.shares.items():
                if imp == "EU27" and c in EU27_MEMBERS:
                    continue
                flows[c] = (
                    d.total * sh,
                    SHARES_SID,
                    f"{c}->{imp} = {d.txt} x share {n(sh)} (src {ssid}) = {n(d.total * sh)}",
                )
        else:
            flows.update(st.fixed.get(imp, {}))
            base_need, note_need = need, f"net imports = use {n(use_r.get(imp, 0.0))} - output {n(dom)} = {n(need)}"
            if imp in st.gross_imports:
                base_need, note_need = st.gross_imports[imp]
            uncovered = need - sum(v for v, _, _ in flows.values())
            if imp in st.uncovered_shares and uncovered > 0:
                us = st.uncovered_shares[imp]
                v = uncovered * us.share
                flows[us.exporter] = (
                    v,
                    RULE_SID,
                    f"{us.exporter}->{imp} = {note_need} x {us.what} {n(us.share)} ({us.cite}) = {n(v)}",
                )
            rem = base_need - sum(v for v, _, _ in flows.values())
            tot_s = sum(elig.values())
            if rem > 0 and tot_s > 0:
                for c, v in elig.items():
                    val = rem * v / tot_s
                    txt = f"{c}->{imp} rule part = remaining need {n(rem)} ({note_need}) x {c} {weight_name} {n(v)} / eligible {weight_name} {n(tot_s)} = {n(val)}"
                    ruled[(c, imp)] = (val, txt)
        if not flows and not any(k[1] == imp for k in ruled) and use_r.get(imp, 0.0) > 0:
            others = {
                c: v
                for c, v in prod.items()
                if c != imp and c != "ROW" and c not in st.banned and not (imp == "EU27" and c in EU27_MEMBERS)
            }
            flows.update(floor_flows(imp, use_r[imp], elig or others, "surplus" if elig else "output"))
        fixed_all.update({(c, imp): f for c, f in flows.items()})
    for imp in st.extra_importers:
        fixed_all.update({(c, imp): f for c, f in st.fixed.get(imp, {}).items()})
    return capped_rows(st.material, st.stage, fixed_all, ruled, surplus)


def floor_flows(imp: str, use: float, weights: dict[str, float], basis: str) -> dict[str, Flow]:
    """Gross imports of a self-sufficient user: a floor share of its use, split by others' surplus (else output).

    >>> floor_flows("JPN", 100.0, {"CHN": 3.0, "AUS": 1.0}, "surplus")["CHN"][0]
    3.75
    """
    tot = sum(weights.values())
    out = {}
    for c, v in weights.items():
        val = FLOOR.value * use * v / tot
        if val > 0:
            out[c] = (
                val,
                FLOOR.source_id,
                f"{c}->{imp} = floor {n(FLOOR.value)} x {imp} use {n(use)} ({imp} output covers its use) "
                f"x {c} {basis} {n(v)} / total {n(tot)} = {n(val)}",
            )
    return out


def capped_rows(
    m: str,
    s: str,
    fixed: dict[tuple[str, str], Flow],
    ruled: dict[tuple[str, str], tuple[float, str]],
    surplus: dict[str, float],
) -> list[dict[str, object]]:
    """Rule parts are scaled so no exporter ships more than its surplus; sourced flows are kept.

    Gross-import floors of self-sufficient users come last: where an exporter also serves net importers
    by the rule, its floor shipments are capped at the surplus those leave (net importers first).
    """
    floor_sid, rule = FLOOR.source_id, RULE_SID
    sent: dict[str, float] = defaultdict(float)
    for (c, _), (v, _) in ruled.items():
        sent[c] += v
    firm = {k: f for k, f in fixed.items() if f[1] != floor_sid}
    room = {c: max(0.0, surplus.get(c, 0.0) - sum(fv for (fc, _), (fv, _, _) in firm.items() if fc == c)) for c in sent}
    kcap = {c: (min(1.0, room[c] / sent[c]) if sent[c] > 0 else 0.0) for c in sent}
    floors: dict[str, float] = defaultdict(float)
    for (c, _), (v, sid, _) in fixed.items():
        if sid == floor_sid:
            floors[c] += v
    fcap = {c: min(1.0, max(0.0, room[c] - sent[c] * kcap[c]) / f) for c, f in floors.items() if c in sent and f > 0}
    rows: list[dict[str, object]] = []
    for c, imp in sorted(set(fixed) | set(ruled)):
        v, sid, note = fixed.get((c, imp), (0.0, rule, ""))
        if sid == floor_sid and fcap.get(c, 1.0) < 1.0:
            v *= fcap[c]
            note += f"; x cap {n(fcap[c])} (the exporter's surplus left after its net importers' rule parts) = {n(v)}"
        if (c, imp) in ruled:
            rv, txt = ruled[(c, imp)]
            k = kcap[c]
            rv *= k
            txt += f" x cap {n(k)} (exporter's surplus {n(room[c])} shared over its importers)" if k < 1 else ""
            if rv > 0:
                v, sid, note = (
                    v + rv,
                    rule,  # a row that is partly an estimate is graded as one
                    (note + "; + " if note else "") + txt + (f" -> total {n(v + rv)}" if note else ""),
                )
        if v > 0:
            rows.append(
                {
                    "material": m,
                    "stage": s,
                    "exporter": c,
                    "importer": imp,
                    "year": YEAR,
                    "value": v,
                    "unit": "t/year",
                    "source_id": sid,
                    "note": note,
                }
            )
    return rows


# --------------------------------------------------------------------------------------------
# Inputs of the rule, read from the sources and the build so far
# --------------------------------------------------------------------------------------------


def region_use(ctx: Context, m: str, s: str) -> dict[str, float]:
    """Use at (m, s) by importer region (demand at the last stage, else downstream feed)."""
    if s == LAST[m]:
        use: dict[str, float] = defaultdict(float, ctx.chain_feed_by_region(m, s))
        for k, r in ctx.tables["demand"].rows.items():
            if k[0] == m:
                use[k[1]] += r["value"]
        return dict(use)
    use = defaultdict(float)
    for c, v in ctx.chain_use(m, s).items():
        use[region_of(c)] += v
    return dict(use)


def sourced_imports(ctx: Context) -> dict[tuple[str, str, str], SourcedImports]:
    """Import volumes and exporter shares read from the sources, by (material, stage, importer)."""
    t, src = ctx.raw.trade, ctx.src
    out: dict[tuple[str, str, str], SourcedImports] = {}

    def us(m: str, s: str, items: list[str], share_item: str, raw_mat: str, div: float = 1.0) -> None:
        vols = [
            one(t, material=raw_mat, item=i, importer="United States", period="2024", exporter="World") for i in items
        ]
        total = sum(float(v["value"]) for v in vols) / div
        sh = pick(t, material=raw_mat, item=share_item, importer="United States", period="2024", unit="share")
        out[(m, s, "USA")] = SourcedImports(
            total=total,
            shares={iso(r["exporter"]): (float(r["value"]), src.raw(r)) for _, r in sh.iterrows()},
            txt=f"US imports 2024 {' + '.join(n(float(v['value']) / div) for v in vols)} = {n(total)} t (src {src.raw(vols[0])})",
        )

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
    out[("graphite_anode", "refining", "USA")] = SourcedImports(
        total=float(an["value"]) * 12 / 8,
        shares={iso(r["exporter"]): (float(r["value"]), src.raw(r)) for _, r in ash.iterrows()},
        txt=f"US anode imports Jan-Aug 2024 {n(an['value'])} t x 12/8 = {n(float(an['value']) * 1.5)} t (src {src.raw(an)}); 2025 source shares",
    )
    return out


def fixed_flows(ctx: Context) -> dict[tuple[str, str, str], dict[str, Flow]]:
    """Individual sourced bilateral flows (2024), by (material, stage, importer) -> exporter."""
    t, src = ctx.raw.trade, ctx.src
    out: dict[tuple[str, str, str], dict[str, Flow]] = defaultdict(dict)
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
    prs = ctx.factors["pr_share"][0]
    for comp, frac in (("ndpr", 1.0), ("neodymium", 1 - prs), ("praseodymium", prs)):
        for (e, i), (v, vsid, vnote) in ctx.oxide_ship.items():
            txt = (
                vnote
                if comp == "ndpr"
                else f"{vnote}; x {'(1 - Pr share)' if comp == 'neodymium' else 'Pr share'} {n(frac)} = {n(v * frac)}"
            )
            out[(comp, "separation", i)][e] = (v * frac, vsid, txt)
    jm = one(ctx.raw.extra, item="NdFeB magnet exports to Japan")
    v = float(jm["value"]) / (1 - JAPAN_MAGNET_FALL_2025)
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
    concentrate_flows(ctx, out)
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


def concentrate_flows(ctx: Context, out: dict[tuple[str, str, str], dict[str, Flow]]) -> None:
    """Whole mine output to one importer where a trade rule (trade_rules.csv, ``only_to``) says so."""
    from .trade_measured import read_rules

    sid = ctx.src.estimate(
        "est-trade-ree-concentrate",
        "REE concentrate flows from mine output where the destination is known",
        "https://pubs.usgs.gov/periodicals/mcs2026/mcs2026-rare-earths.pdf",
        "Method: flow = the exporter's mine output, where a sourced trade rule (data-raw/trade_rules.csv) sends it all "
        "to one importer: USGS estimates the mine output of Myanmar, Madagascar, Malaysia, Thailand and Vietnam from "
        "China's reported imports; Australia's output (Lynas Mt Weld) is cracked and separated in Malaysia (Kuantan).",
    )
    rules = read_rules()
    for rule in rules[rules["rule"] == "only_to"].itertuples():
        mine = ctx.pv(rule.material, rule.stage)
        if mine.get(rule.exporter, 0.0) <= 0:
            continue
        out[(rule.material, rule.stage, rule.importer)][rule.exporter] = (
            mine[rule.exporter],
            sid,
            f"{rule.exporter}->{rule.importer} = {rule.exporter} output {n(mine[rule.exporter])} t, all to "
            f"{rule.importer} (trade rule {rule.rule_id}, src {ctx.src.raw(pd.Series(rule._asdict()))})",
        )


def build_trade(ctx: Context) -> None:
    """trade.csv: the surplus rule on every (material, stage), with the sourced and fixed flows as inputs."""
    src = ctx.src
    src.estimate(
        RULE_SID,
        "Bilateral flows: importer's net imports split by exporters' exportable surplus",
        "https://pubs.usgs.gov/periodicals/mcs2026/",
        "Method: net imports = max(0, use - domestic output) at the stage (use = demand at the last stage, "
        "else feed to the next stage); exporter surplus = max(0, output - own use); flow = net imports x exporter surplus / total surplus of eligible exporters. "
        "Sourced import totals and source shares (USGS, China customs) replace the rule where available.",
    )
    src.estimate(
        SHARES_SID,
        "Bilateral flows = sourced import volume x sourced source-country share",
        "https://pubs.usgs.gov/periodicals/mcs2026/",
        "Method: flow = importer's sourced import tonnage 2024 x exporter's share of its imports (USGS 2021-24 average or latest).",
    )
    src.assumption(
        FLOOR.source_id,
        "gross imports of self-sufficient users 0.05 of use",
        "A country that uses a product at a stage and makes at least as much of it still imports some (grades, contracts, "
        "cross-border plants): gross imports = 0.05 of its use (range 0.02-0.15), split across other countries' exportable surplus "
        "(or their output where none has a surplus); its own output covers the rest.",
    )
    sourced, fixed = sourced_imports(ctx), fixed_flows(ctx)
    jp = one(ctx.raw.trade, material="rare earths", importer="Japan", period="2024-06")
    jp_share = ImportShare(
        "CHN", float(jp["value"]), "China share of Japan's REE imports", f"H1 2024, src {src.raw(jp)}"
    )
    eu_share = one(ctx.raw.trade, material="NdFeB magnets", importer="European Union")
    measured = load_measured(ctx, (*IMPORTERS, *{i for v in EXTRA_IMPORTERS.values() for i in v}))
    for m, stages in MATERIAL_STAGES.items():
        for s in stages:
            coverage = measured.coverage.get((m, s))
            if coverage == "full":
                for row in measured.rows(m, s):
                    ctx.tables["trade"].add(**row)
                continue
            gross: dict[str, tuple[float, str]] = {}
            if (m, s) == ("ndfeb", "magnet"):
                cn = fixed[(m, s, "EU27")]["CHN"][0]
                tot = cn / float(eu_share["value"])
                gross["EU27"] = (
                    tot,
                    f"EU27 magnet imports = China flow {n(cn)} / China share {n(eu_share['value'])} (src {src.raw(eu_share)}) = {n(tot)}",
                )
            stage_sourced = {k[2]: v for k, v in sourced.items() if k[:2] == (m, s)}
            stage_fixed = {k[2]: v for k, v in fixed.items() if k[:2] == (m, s)}
            if coverage == "partial":
                # A partial code's flows are fixed flows and the rule fills the rest, except for an importer whose
                # customs give source shares over every form of the stage (USGS import sources): those cover the
                # whole stage, where the code covers a part and the rest would be modelled.
                for (mm, ss, importer), flows in measured.flows.items():
                    if (mm, ss) == (m, s) and importer not in stage_sourced:
                        stage_fixed[importer] = dict(flows)
            stage = StageTrade(
                material=m,
                stage=s,
                production=ctx.pv(m, s),
                use_by_region=region_use(ctx, m, s),
                chain_use=ctx.chain_use(m, s),
                sourced=stage_sourced,
                fixed=stage_fixed,
                export_weights=measured.weights.get((m, s), {}),
                banned=measured.banned.get((m, s), frozenset()),
                rule_only_to=measured.rule_only_to.get((m, s), {}),
                gross_imports=gross,
                uncovered_shares={"JPN": jp_share} if m in ("ndpr", "neodymium", "praseodymium") else {},
                extra_importers=EXTRA_IMPORTERS.get((m, s), ()),
            )
            for row in surplus_rule(stage):
                ctx.tables["trade"].add(**row)
