"""trade_observations.csv: monthly flows (t) of the calibration episodes, with the product coverage of each series."""

from __future__ import annotations

import pandas as pd

from .common import clip, iso, n
from .context import Context

TRADE_OBS_MAT = {
    "rare earths": "rare_earths",
    "gallium": "gallium",
    "germanium": "germanium",
    "natural graphite": "graphite_natural",
    "antimony": "antimony",
    "NdFeB magnets": "ndfeb",
}


GRAPHITE_OBS_BASIS = {
    "natural graphite": (
        "flake+spherical",
        "basis flake+spherical: all natural graphite HS lines under China's Dec 2023 controls, i.e. flake "
        "and spherical graphite together (Fastmarkets' separate flake and spherical series sum to 23502 + 12186 = 35688 t in "
        "Nov and 1427 + 948 = 2375 t in Dec 2023, so this series also counts other controlled natural graphite lines); "
        "compare with the model's graphite_natural plus the spherical part of graphite_anode, not with flake alone",
    ),
    "flake graphite": (
        "flake",
        "basis flake: flake graphite only (no spherical); compare with the model's graphite_natural exports",
    ),
    "spherical graphite": (
        "spherical",
        "basis spherical: spherical graphite only, which the model carries inside graphite_anode",
    ),
}


def build_trade_observations(ctx: Context) -> None:
    """trade_observations.csv: monthly flows (t) of data-raw/trade_flows.csv with their product coverage."""
    src, t = ctx.src, ctx.raw.trade
    for _, r in t.iterrows():
        per = str(r["period"])
        if (
            len(per) != 7
            or r["material"] not in TRADE_OBS_MAT
            or ";" in str(r["importer"])
            or str(r["unit"]).strip() not in ("t", "kg", "t/month")
        ):
            continue
        if "cumulative" in str(r["basis"]):
            continue
        v = float(r["value"]) / (1000.0 if str(r["unit"]).strip() == "kg" else 1.0)
        exp, imp = iso(r["exporter"]), iso(r["importer"])
        exp, imp = ("ROW" if exp == "WORLD" else exp), ("ROW" if imp == "WORLD" else imp)
        raw_note = "" if pd.isna(r["note"]) else f"; {clip(r['note'], 160)}"
        basis, btxt = "item", ""
        if r["material"] == "natural graphite" and str(r["item"]) in GRAPHITE_OBS_BASIS:
            basis, btxt = GRAPHITE_OBS_BASIS[str(r["item"])]
            btxt = "; " + btxt
        note = (
            f"{r['basis']}{raw_note}"
            + (f"; {n(r['value'])} kg / 1000" if str(r["unit"]).strip() == "kg" else "")
            + ("; ROW = all partners" if "World" in (r["exporter"], r["importer"]) else "")
            + btxt
        )
        ctx.tobs.add(
            material=TRADE_OBS_MAT[r["material"]],
            item=str(r["item"]),
            exporter=exp,
            importer=imp,
            period=per,
            value=v,
            unit="t",
            basis=basis,
            source_id=src.raw(r),
            note=note,
        )
