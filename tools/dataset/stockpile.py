"""stockpile.csv: public stockpiles from holders' target days and the regions' annual use."""

from __future__ import annotations

from collections import defaultdict

from .common import YEAR, n, one
from .context import Context


def build_stockpile(ctx: Context) -> None:
    """stockpile.csv: Japan and Korea holdings from target days x use; the US and EU holdings the sources report."""
    src, st = ctx.src, ctx.raw.stock
    dem = defaultdict(float)
    for k, r in ctx.tables["demand"].rows.items():
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
        ctx.tables["stockpile"].add(
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
        ctx.tables["stockpile"].add(
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
    ctx.tables["stockpile"].add(
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
        ctx.tables["stockpile"].add(
            holder="EU27-RESOURCEEU",
            material=m,
            year=YEAR,
            holder_country="EU27",
            value=0.0,
            unit="t",
            source_id=src.raw(eu),
            note="RESourceEU stockpiling pilot announced 3 Dec 2025: no EU stock existed at end-2024",
        )
