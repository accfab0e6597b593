"""projects.csv and export_controls.csv: the raw project and control records in the dataset vocabulary."""

from __future__ import annotations

import re

import pandas as pd

from critmin.vocabulary import MATERIAL_STAGES, STAGES

from .common import clip, fmt, iso
from .context import Context

PROJ_MAT = {
    "REE (NdPr oxide)": "ndpr",
    "REE": "rare_earths",
    "NdFeB magnets": "ndfeb",
    "REE (Dy, Tb)": "dysprosium;terbium",
    "NdFeB magnets; NdPr metal": "ndfeb;ndpr",
    "NdFeB magnets (recycled feed)": "ndfeb",
    "REE (NdPr, Dy oxide)": "ndpr;dysprosium",
    "REE (Dy, Tb oxide)": "dysprosium;terbium",
    "REE (heavy)": "dysprosium;terbium",
    "REE (NdPr; Dy, Tb)": "ndpr;dysprosium;terbium",
    "REE (NdPr, Dy, Tb oxides)": "ndpr;dysprosium;terbium",
    "gallium": "gallium",
    "REE; graphite; magnesium; other": "rare_earths;graphite_natural",
    "REE (light)": "rare_earths",
    "antimony": "antimony",
}


CTRL_MAT = {
    "rare earths (all)": "rare_earths",
    "gallium": "gallium",
    "germanium": "germanium",
    "natural graphite": "graphite_natural",
    "synthetic graphite": "graphite_anode",
    "rare earths": "rare_earths",
    "NdFeB and SmCo magnets": "ndfeb",
    "antimony": "antimony",
    "tungsten": "tungsten",
    "Tb": "terbium",
    "Dy": "dysprosium",
    "magnets containing them": "ndfeb",
    "graphite": "graphite_natural;graphite_anode",
    "cobalt": "cobalt",
    "nickel": "nickel",
    "NdFeB magnet scrap": "ndfeb",
    "magnets": "ndfeb",
    "rare earths (controlled elements)": "rare_earths",
    "lithium-ion batteries": "lithium",
    "cathode materials": "lithium;cobalt;nickel",
}


def build_projects(ctx: Context) -> pd.DataFrame:
    """projects.csv: every raw project with an id, ISO3 country, vocabulary materials and stages."""
    src, rows = ctx.src, []
    for i, r in ctx.raw.projects.iterrows():
        pid = (
            "P"
            + str(i + 1).zfill(3)
            + "-"
            + re.sub(r"[^a-z0-9]+", "-", str(r["project"]).lower()).strip("-")[:40].strip("-")
        )
        parts = [x.strip() for x in str(r["stage"]).split(";")]
        stages = ";".join(x for x in parts if x in STAGES)
        other = [x for x in parts if x not in STAGES]
        rows.append(
            {
                "project_id": pid,
                "name": r["project"],
                "owner": r["owner"],
                "country": iso(r["country"]),
                "material": PROJ_MAT[r["material"]],
                "stage": stages,
                "capacity": fmt(r["capacity"]) if pd.notna(r["capacity"]) else "",
                "capacity_unit": "" if pd.isna(r["capacity_unit"]) else r["capacity_unit"],
                "status": r["status"],
                "expected_start": "" if pd.isna(r["expected_start"]) else str(r["expected_start"]),
                "capex_usd": fmt(r["capex_usd"]) if pd.notna(r["capex_usd"]) else "",
                "financing": "" if pd.isna(r["financing"]) else r["financing"],
                "financing_usd": fmt(r["financing_usd"]) if pd.notna(r["financing_usd"]) else "",
                "offtake": "" if pd.isna(r["offtake"]) else r["offtake"],
                "source_id": src.raw(r),
                "note": ("activity outside the stage list: " + ", ".join(other) + ". " if other else "")
                + ("" if pd.isna(r["note"]) else r["note"]),
            }
        )
    return pd.DataFrame(rows)


def build_export_controls(ctx: Context) -> pd.DataFrame:
    """export_controls.csv: one row per event, materials and destinations in the vocabulary."""
    src, rows = ctx.src, []
    for eid, g in ctx.raw.controls.groupby("event_id", sort=True):
        r = g.iloc[0]
        mats: list[str] = []
        others: list[str] = []
        for x in str(r["materials"]).split(";"):
            x = x.strip()
            if x in CTRL_MAT:
                mats += CTRL_MAT[x].split(";")
            else:
                others.append(x)
        mats = sorted(set(mats))
        dest = str(r["destinations"])
        dcode = "all" if dest.startswith("all") else iso(dest.split(" (")[0])
        ld = g["licence_days"].dropna()
        lsrc = src.raw(g.loc[ld.index[0]]) if len(ld) else ""
        stages = sorted({s for m in mats for s in MATERIAL_STAGES[m]}) if mats else []
        notes = [f"{clip(x['note'], 140)} (src {src.raw(x)})" for _, x in g.iterrows()]
        if others:
            notes.insert(0, "items outside the vocabulary: " + "; ".join(others))
        if len(ld):
            notes.insert(0, f"licence_days in working days (src {lsrc})")
        rows.append(
            {
                "event_id": eid,
                "controlling_country": iso(r["controlling_country"]),
                "announced": "" if pd.isna(r["announced"]) else str(r["announced"]),
                "effective": "" if pd.isna(r["effective"]) else str(r["effective"]),
                "suspended": "" if g["suspended"].dropna().empty else str(g["suspended"].dropna().iloc[0]),
                "materials": ";".join(mats),
                "stages": ";".join(stages),
                "destinations": dcode,
                "measure": r["measure"],
                "licence_days": fmt(ld.iloc[0]) if len(ld) else "",
                "source_id": src.raw(r),
                "note": " | ".join(notes),
            }
        )
    return pd.DataFrame(rows)
