"""inventory_cover.csv: users' working inventory in days of their own use."""

from __future__ import annotations

from .common import Assumed, n
from .context import Context

DEFAULT_COVER_DAYS = Assumed(30.0, 14.0, 60.0, "asm-user-cover-default")
"""Users' working inventory (days of own use) where no source gives one."""


def build_inventory_cover(ctx: Context) -> None:
    """Days of cover per (material, region, sector) of demand: US sourced, carmakers' magnets and
    components sourced, else the default."""
    src, mp = ctx.src, ctx.raw.params
    asm = src.assumption(
        DEFAULT_COVER_DAYS.source_id,
        "users' working inventory 30 days",
        "Default users' working inventory where no source gives one: 30 days of own use, range 14-60 days.",
    )
    sourced = {}
    for m, prefix in (
        ("gallium", "user inventory cover (US gallium"),
        ("cobalt", "user inventory cover (US cobalt"),
        ("nickel", "user inventory cover (US nickel"),
    ):
        r = mp[mp["parameter"].str.startswith(prefix)].iloc[0]
        sourced[(m, "USA")] = (
            float(r["value"]) * 7,
            src.raw(r),
            f"{n(r['value'])} weeks x 7 = {n(float(r['value']) * 7)} days (USGS year-end stocks / use)",
        )
    auto = mp[mp["parameter"].str.startswith("user inventory cover (auto")].iloc[0]
    magnets = mp[mp["parameter"].str.startswith("user inventory cover (automakers, NdFeB")].iloc[0]
    keys = sorted({(k[0], k[1], k[2]) for k in ctx.tables["demand"].rows})
    for m, r, sec in keys:
        if (m, r) in sourced:
            v, sid, note = sourced[(m, r)]
        elif (m, sec) == ("ndfeb", "automotive"):
            v, sid, note = (
                float(magnets["value"]) * 7,
                src.raw(magnets),
                f"automakers' magnet stock in 2025 statements: {n(magnets['value'])} weeks x 7 = "
                f"{n(float(magnets['value']) * 7)} days (range {n(magnets['low'])}-{n(magnets['high'])} weeks)",
            )
        elif sec == "automotive":
            v, sid, note = (
                float(auto["value"]) * 7,
                src.raw(auto),
                f"carmakers hold 2-4 weeks: {n(auto['value'])} weeks x 7 = {n(float(auto['value']) * 7)} days (assumption to calibrate)",
            )
        else:
            v, sid, note = DEFAULT_COVER_DAYS.value, asm, "default 30 days of own use (range 14-60)"
        ctx.tables["inventory_cover"].add(
            material=m, region=r, sector=sec, value=v, unit="day", source_id=sid, note=note
        )
