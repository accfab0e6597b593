"""Mine production by country: USGS series, REE trend 2015-2023, the share-and-remainder split of world totals, alternatives not chosen."""

from __future__ import annotations

import pandas as pd

from .common import YEAR, clip, iso, n, pick
from .context import Context

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


def build_usgs_series(ctx: Context) -> None:
    """Mine production (and primary gallium) from USGS MCS 2026, 2024 revised and 2025 estimates."""
    p = ctx.raw.prod
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
            c, sid = iso(r["country"]), ctx.src.raw(r)
            if c == "WORLD":
                ctx.world_total(m, s, int(y), r["value"], sid, "USGS world total (rounded)")
                continue
            note = "USGS MCS 2026 (2024 revised; 2025 estimate)" + ("; USGS 'Other countries'" if c == "ROW" else "")
            ctx.prod(m, s, c, int(y), r["value"], sid, note)
            named += float(r["value"])
        w = ctx.world[(m, s, int(y))]
        if "ROW" not in g["country"].map(iso).values and w[0] - named > 0.005 * w[0]:
            resid = w[0] - named
            sid = ctx.src.estimate(
                "est-row-residual",
                "Rest of world = world total minus listed countries",
                "https://pubs.usgs.gov/periodicals/mcs2026/",
                "ROW = world total - sum of listed countries (same source and year).",
            )
            ctx.prod(
                m,
                s,
                "ROW",
                int(y),
                resid,
                sid,
                f"ROW = world {n(w[0])} - listed {n(named)} = {n(resid)} (src {w[1]})",
            )


def build_ree_trend(ctx: Context) -> None:
    """REE mine output 2015-2023 (China, USA, world) from earlier editions; ROW = world - China - USA."""
    p = ctx.raw.prod
    rows = p[(p["material"] == "REE (total)") & (p["stage"] == "mining") & (p["unit"] == "t REO") & (p["year"] < YEAR)]
    for y, g in rows.groupby("year"):
        if ctx.tables["production"].has("rare_earths", "mining", "CHN", int(y)):
            for _, r in g.iterrows():
                c = iso(r["country"])
                key = f"material=rare_earths;stage=mining;year={int(y)}"
                ctx.alternative(
                    "world_total" if c == "WORLD" else "production",
                    key if c == "WORLD" else key.replace(";year", f";country={c};year"),
                    r["value"],
                    "t/year",
                    ctx.src.raw(r),
                    "Secondary copy of an earlier USGS edition; the USGS series read from its transcription "
                    "(production_history.csv) chosen.",
                )
            continue
        named, world = 0.0, None
        have = set()
        for _, r in g.sort_values("grade").iterrows():
            c, sid = iso(r["country"]), ctx.src.raw(r)
            if c == "WORLD":
                world = (float(r["value"]), sid)
                ctx.world_total("rare_earths", "mining", int(y), r["value"], sid, "world total as reported")
                continue
            if c in have:
                continue
            have.add(c)
            ctx.prod(
                "rare_earths", "mining", c, int(y), r["value"], sid, f"{clip(r['source'], 60)}; {clip(r['note'], 80)}"
            )
            named += float(r["value"])
        if world and {"CHN", "USA"} <= have:
            sid = ctx.src.estimate(
                "est-row-residual",
                "Rest of world = world total minus listed countries",
                "https://pubs.usgs.gov/periodicals/mcs2026/",
                "ROW = world total - sum of listed countries (same source and year).",
            )
            ctx.prod(
                "rare_earths",
                "mining",
                "ROW",
                int(y),
                world[0] - named,
                sid,
                f"ROW = world {n(world[0])} (src {world[1]}) - China and USA {n(named)} = {n(world[0] - named)}",
            )


def split(
    ctx: Context, m: str, s: str, w: float, wsid: str, wnote: str, fixed: dict, shares: dict, sid_est: str
) -> None:
    """Country tonnages for (m, s, YEAR): `fixed` tonnages, `shares` x world, ROW = remainder.

    If fixed + share-based tonnages exceed the world total, the share-based countries are scaled
    down so the named countries sum to the world total and no ROW row is written.
    """
    ctx.world_total(m, s, YEAR, w, wsid, wnote)
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
        ctx.prod(m, s, c, YEAR, v, sid, note)
    rest = w - sum(v for v, _, _ in vals.values())
    if rest > 1e-6 * w:
        ctx.prod(m, s, "ROW", YEAR, rest, sid_est, f"ROW = world {n(w)} - listed {n(w - rest)} = {n(rest)}")


def build_production_alternatives(ctx: Context) -> None:
    """Production values not chosen (older editions, other bases), kept in alternatives.csv."""
    p, src = ctx.raw.prod, ctx.src
    for _, r in p[
        (p["material"] == "REE (total)")
        & (p["stage"] == "mining")
        & (p["year"] == YEAR)
        & (p["grade"] == "S")
        & (p["unit"] == "t REO")
    ].iterrows():
        c = iso(r["country"])
        var, key = (
            ("world_total", f"material=rare_earths;stage=mining;year={YEAR}")
            if c == "WORLD"
            else ("production", f"material=rare_earths;stage=mining;country={c};year={YEAR}")
        )
        ctx.alternative(
            var,
            key,
            r["value"],
            "t/year",
            src.raw(r),
            "USGS MCS 2025 first estimate (secondary copy); MCS 2026 revised value chosen (newest primary edition).",
        )
    for _, r in p[
        (p["material"] == "REE (total)") & (p["stage"] == "mining") & (p["unit"] == "share") & (p["country"] == "China")
    ].iterrows():
        ctx.alternative(
            "production_share",
            f"material=rare_earths;stage=mining;country=CHN;year={int(r['year'])}",
            r["value"],
            "1",
            src.raw(r),
            "IEA share on a different mine-output basis (secondary); USGS tonnages chosen.",
        )
    for _, r in pick(p, material="Nd/Pr", stage="separation").iterrows():
        ctx.alternative(
            "production_share",
            f"material=ndpr;stage=separation;country={iso(r['country'])};year=2020",
            r["value"],
            "1",
            src.raw(r),
            "Older multi-year window (2016-20); IEA 2024 share and company tonnages used for 2024.",
        )
    for _, r in pick(p, material="gallium", stage="refining", year="2020").iterrows():
        ctx.alternative(
            "production_share",
            f"material=gallium;stage=refining;country={iso(r['country'])};year=2020",
            r["value"],
            "1",
            src.raw(r),
            "Older multi-year window; USGS MCS 2026 tonnages chosen.",
        )
