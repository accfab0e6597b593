"""capacity.csv: sourced capacities where they exist, else production / utilisation."""

from __future__ import annotations

from .common import YEAR, Assumed, iso, n, one, pick
from .context import Context

UTILISATION = {
    "mining": Assumed(0.85, 0.7, 0.95, "asm-capacity-utilisation"),
    "separation": Assumed(0.8, 0.6, 0.9, "asm-capacity-utilisation"),
    "refining": Assumed(0.8, 0.6, 0.9, "asm-capacity-utilisation"),
    "metal": Assumed(0.7, 0.5, 0.9, "asm-capacity-utilisation"),
    "alloy": Assumed(0.65, 0.5, 0.8, "asm-capacity-utilisation"),
    "magnet": Assumed(0.65, 0.5, 0.8, "asm-capacity-utilisation"),
}
"""Capacity utilisation by stage: capacity = production / utilisation where no capacity is sourced."""


def build_capacity(ctx: Context) -> None:
    """capacity.csv: sourced capacities (gallium 2025, cobalt refineries 2023, Lynas, Shin-Etsu), else 2024 production / utilisation."""
    src, p, cap = ctx.src, ctx.raw.prod, ctx.tables["capacity"]
    asm = "asm-capacity-utilisation"
    sourced: dict[tuple[str, str, str], tuple[float, str, str]] = {}
    ly = one(ctx.raw.projects, project="Lynas Malaysia (Kuantan) separation")
    sourced[("ndpr", "separation", "MYS")] = (
        float(ly["capacity"]),
        src.raw(ly),
        "Lynas Malaysia NdPr oxide capacity after upgrade",
    )
    sv = one(ctx.raw.projects, project="Shin-Etsu overseas magnet plants")
    sourced[("ndfeb", "magnet", "VNM")] = (
        float(sv["capacity"]),
        src.raw(sv),
        "Shin-Etsu Vietnam magnet plant capacity (end-2022)",
    )
    ga = pick(p, material="gallium", stage="refining capacity")
    for _, r in ga.iterrows():
        c = iso(r["country"])
        if c != "WORLD":
            cap.add(
                material="gallium",
                stage="refining",
                country=c,
                year=2025,
                value=float(r["value"]),
                unit="t/year",
                source_id=src.raw(r),
                note="USGS MCS 2026 primary gallium capacity",
            )
            sourced[("gallium", "refining", c)] = (
                float(r["value"]),
                None,
                f"USGS 2025 capacity {n(r['value'])} t/yr (src {src.raw(r)}) used for 2024 (no capacity change reported)",
            )
    for _, r in pick(ctx.raw.extra, item="cobalt refinery capacity").iterrows():
        cap.add(
            material="cobalt",
            stage="refining",
            country=iso(r["country"] if "country" in r else r["region"]),
            year=2023,
            value=float(r["value"]),
            unit="t/year",
            source_id=src.raw(r),
            note="cobalt refinery capacity 2023 (top-10 table)",
        )
    carry = src.estimate(
        "est-capacity-carried",
        "Capacity of a later year used for 2024",
        "https://pubs.usgs.gov/periodicals/mcs2026/mcs2026-gallium.pdf",
        "Sourced capacity for 2025 (USGS) used as the 2024 value.",
    )
    for (m, s, c, y), r in sorted(ctx.tables["production"].rows.items()):
        if y != YEAR or r["value"] <= 0:
            continue
        if (m, s, c) in sourced:
            v, sid, note = sourced[(m, s, c)]
            if v >= r["value"]:
                cap.add(
                    material=m,
                    stage=s,
                    country=c,
                    year=YEAR,
                    value=v,
                    unit="t/year",
                    source_id=sid or carry,
                    note=note,
                )
                continue
        u = UTILISATION[s].value
        v = r["value"] / u
        cap.add(
            material=m,
            stage=s,
            country=c,
            year=YEAR,
            value=v,
            unit="t/year",
            source_id=asm,
            note=f"capacity = production {n(r['value'])} / utilisation {n(u)} ({s}, range in asm-capacity-utilisation) = {n(v)}",
        )
