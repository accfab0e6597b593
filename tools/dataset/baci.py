"""Measured bilateral trade from CEPII BACI, converted to critmin's stage basis.

The extract in ``data-raw/trade_baci/`` holds BACI flows (HS 2017, value in USD and quantity in
gross tonnes) for the HS6 codes that match critmin's stages, plus 2024 exporter totals for codes
with no bilateral file. ``hs_stage_map.csv`` beside it is the mapping as data: one row per
(HS code, material, stage) with the factor to the stage's basis, its range, the coverage of the
stage (``full``, ``partial`` or ``basket``) and its source.

Rules applied here, each stated in the note of every row it produces:

* EU members importing are summed into ``EU27``; flows between members are left out (they are
  not imports of the EU).
* A flow without a quantity gets one from its value at the exporter's median unit value for that
  code and year (else the code's world median): the row is then an estimate (grade E).
* Exporters under ``MIN_SHARE`` of an importer's imports that are not producers of the stage
  are summed into ``ROW`` so the network keeps its size; their names stay in the note.
* A basket code (``811292``) is never converted to tonnes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from critmin.vocabulary import EU27_MEMBERS

MIN_SHARE = 0.01
"""Exporters below this share of an importer's imports (and not producers) are summed into ROW."""

MIN_WEIGHT_SHARE = 0.02
"""Exporters below this share of a stage's measured exports to the world are summed into ROW."""

BILATERAL_FILE = "baci_hs17_{year}.csv"
TOTALS_FILE = "baci_hs17_2024_exporter_totals.csv"
MAP_FILE = "hs_stage_map.csv"
COMPLETE_YEARS = (2022, 2024)
"""Years whose bilateral file is complete; the others keep top partners only (lower bounds)."""

_FLOW_COLUMNS = ["hs_code", "year", "exporter", "importer", "value_usd", "quantity_t"]


def _fmt(x: float) -> str:
    return np.format_float_positional(float(x), precision=6, unique=False, fractional=False, trim="-")


def read_bilateral(folder: Path, years: Iterable[int]) -> pd.DataFrame:
    """The bilateral files of `years` as one tidy frame (importer and exporter ISO3).

    Examples
    --------
    >>> flows = read_bilateral(Path("data-raw/trade_baci"), [2024])
    >>> sorted(int(c) for c in flows["hs_code"].unique())[:2], int(flows["year"].unique()[0])
    ([250490, 282200], 2024)
    """
    frames = []
    for year in years:
        raw = pd.read_csv(folder / BILATERAL_FILE.format(year=year), dtype={"exporter_iso3": str, "importer_iso3": str})
        frames.append(raw.rename(columns={"exporter_iso3": "exporter", "importer_iso3": "importer"})[_FLOW_COLUMNS])
    return pd.concat(frames, ignore_index=True)


def read_totals(folder: Path) -> pd.DataFrame:
    """Exporter totals to the world (2024), one row per (code, exporter)."""
    raw = pd.read_csv(folder / TOTALS_FILE, dtype={"exporter_iso3": str})
    return raw.rename(columns={"exporter_iso3": "exporter"})[["hs_code", "year", "exporter", "value_usd", "quantity_t"]]


def read_map(folder: Path) -> pd.DataFrame:
    """The HS code -> (material, stage, factor, coverage) table."""
    table = pd.read_csv(folder / MAP_FILE, dtype={"exporters": str}, keep_default_na=False, na_values={"factor": [""]})
    return table


def to_regions(flows: pd.DataFrame) -> pd.DataFrame:
    """Importers that are EU members become ``EU27``; flows between two members are dropped.

    Examples
    --------
    >>> f = pd.DataFrame({"hs_code": [1, 1, 1], "year": 2024, "exporter": ["CHN", "DEU", "CHN"],
    ...                   "importer": ["DEU", "FRA", "FRA"], "value_usd": [1.0, 2.0, 3.0], "quantity_t": [1.0, 1, 1]})
    >>> to_regions(f)[["exporter", "importer", "value_usd", "members"]].to_dict("records")
    [{'exporter': 'CHN', 'importer': 'EU27', 'value_usd': 4.0, 'members': 2}]
    """
    flows = flows.copy()
    member = flows["importer"].isin(EU27_MEMBERS)
    flows = flows[~(member & flows["exporter"].isin(EU27_MEMBERS))].copy()
    flows["members"] = 1
    flows.loc[flows["importer"].isin(EU27_MEMBERS), "importer"] = "EU27"
    keys = ["hs_code", "year", "exporter", "importer"]
    return flows.groupby(keys, as_index=False).agg(
        value_usd=("value_usd", "sum"),
        quantity_t=("quantity_t", lambda q: q.sum(min_count=len(q))),
        members=("members", "sum"),
    )


def fill_quantities(flows: pd.DataFrame) -> pd.DataFrame:
    """Quantities for flows that have none, from value / unit value; column ``unit_value_note``.

    The unit value is the exporter's median (USD/t) for that code and year over its flows with a
    quantity, else the code's world median that year.

    Examples
    --------
    >>> f = pd.DataFrame({"hs_code": 1, "year": 2024, "exporter": ["CHN", "CHN", "CHN"],
    ...                   "importer": ["JPN", "USA", "KOR"], "value_usd": [100.0, 300.0, 50.0],
    ...                   "quantity_t": [1.0, 3.0, np.nan]})
    >>> fill_quantities(f)["quantity_t"].tolist()
    [1.0, 3.0, 0.5]
    """
    flows = flows.copy()
    known = flows[flows["quantity_t"] > 0]
    unit = known.assign(uv=known["value_usd"] / known["quantity_t"])
    by_exporter = unit.groupby(["hs_code", "year", "exporter"])["uv"].median()
    by_code = unit.groupby(["hs_code", "year"])["uv"].median()
    flows["unit_value_note"] = ""
    for i in flows.index[~(flows["quantity_t"] > 0)]:
        row = flows.loc[i]
        key = (row["hs_code"], row["year"], row["exporter"])
        if key in by_exporter.index:
            uv, basis = by_exporter[key], f"{row['exporter']}'s median unit value"
        elif (row["hs_code"], row["year"]) in by_code.index:
            uv, basis = by_code[(row["hs_code"], row["year"])], "the code's world median unit value"
        else:
            continue
        flows.loc[i, "quantity_t"] = row["value_usd"] / uv
        flows.loc[i, "unit_value_note"] = (
            f"no BACI quantity: USD {_fmt(row['value_usd'])} / {basis} {_fmt(uv)} USD/t = "
            f"{_fmt(row['value_usd'] / uv)} t gross"
        )
    return flows


def stage_flows(flows: pd.DataFrame, hs_map: pd.DataFrame, importers: Iterable[str]) -> pd.DataFrame:
    """Regional flows of bilateral codes -> rows on critmin's (material, stage) basis.

    Returns one row per (material, stage, exporter, importer, year) with ``tonnes`` (stage
    basis), ``gross_t``, ``value_usd``, ``hs_code``, ``estimated`` (quantity from a unit value)
    and ``note`` (the arithmetic).
    """
    bilateral = hs_map[(hs_map["form"] == "bilateral") & (hs_map["coverage"] != "basket")]
    flows = flows[flows["importer"].isin(list(importers)) & (flows["exporter"] != flows["importer"])]
    rows = []
    for spec in bilateral.itertuples():
        code_flows = flows[flows["hs_code"] == spec.hs_code]
        for flow in code_flows.itertuples():
            if not flow.quantity_t > 0:
                continue
            tonnes = flow.quantity_t * spec.factor
            where = (
                f"sum over {flow.members} EU member importers (intra-EU flows excluded)"
                if flow.importer == "EU27"
                else ""
            )
            estimated = bool(flow.unit_value_note)
            gross = flow.unit_value_note if estimated else f"{_fmt(flow.quantity_t)} t gross"
            note = (
                f"BACI {flow.year} HS {spec.hs_code} {flow.exporter}->{flow.importer}"
                f"{' (' + where + ')' if where else ''}: {gross} x {_fmt(spec.factor)} = {_fmt(tonnes)} t; "
                f"USD {_fmt(flow.value_usd / 1e6)} m ({_fmt(flow.value_usd / flow.quantity_t / 1000)} USD/kg)"
            )
            rows.append(
                {
                    "material": spec.material,
                    "stage": spec.stage,
                    "exporter": flow.exporter,
                    "importer": flow.importer,
                    "year": int(flow.year),
                    "tonnes": tonnes,
                    "gross_t": flow.quantity_t,
                    "value_usd": flow.value_usd,
                    "hs_code": int(spec.hs_code),
                    "estimated": estimated,
                    "note": note,
                }
            )
    return pd.DataFrame(rows)


def fold_small(rows: pd.DataFrame, producers: Mapping[tuple[str, str], set[str]]) -> pd.DataFrame:
    """Exporters under MIN_SHARE of an importer's imports, not producers of the stage -> ``ROW``.

    Examples
    --------
    >>> r = pd.DataFrame({"material": "m", "stage": "s", "exporter": ["CHN", "SGP", "MLT"], "importer": "JPN",
    ...                   "year": 2024, "tonnes": [990.0, 5.0, 5.0], "gross_t": [990.0, 5, 5],
    ...                   "value_usd": [1.0, 1, 1], "hs_code": 1, "estimated": False, "note": ["a", "b", "c"]})
    >>> fold_small(r, {})[["exporter", "tonnes"]].to_dict("records")
    [{'exporter': 'CHN', 'tonnes': 990.0}, {'exporter': 'ROW', 'tonnes': 10.0}]
    """
    keys = ["material", "stage", "importer", "year"]
    share = rows["tonnes"] / rows.groupby(keys)["tonnes"].transform("sum")
    is_producer = np.array(
        [row.exporter in producers.get((row.material, row.stage), set()) for row in rows.itertuples()], dtype=bool
    )
    small = (share < MIN_SHARE).to_numpy() & ~is_producer & (rows["exporter"] != "ROW").to_numpy()
    kept, folded = rows[~small], rows[small]
    out = [kept]
    for key, group in folded.groupby(keys, sort=True):
        material, stage, importer, year = key
        names = ", ".join(f"{e} {_fmt(t)}" for e, t in zip(group["exporter"], group["tonnes"], strict=True))
        total = float(group["tonnes"].sum())
        out.append(
            pd.DataFrame(
                [
                    {
                        "material": material,
                        "stage": stage,
                        "exporter": "ROW",
                        "importer": importer,
                        "year": year,
                        "tonnes": total,
                        "gross_t": float(group["gross_t"].sum()),
                        "value_usd": float(group["value_usd"].sum()),
                        "hs_code": int(group["hs_code"].iloc[0]),
                        "estimated": bool(group["estimated"].any()),
                        "note": (
                            f"BACI {year} HS {int(group['hs_code'].iloc[0])}: {len(group)} exporters each under "
                            f"{_fmt(MIN_SHARE * 100)}% of {importer}'s imports and not producers of the stage, "
                            f"summed as ROW: {names} = {_fmt(total)} t"
                            + (
                                "; no BACI quantity for some: tonnes from unit values"
                                if group["estimated"].any()
                                else ""
                            )
                        ),
                    }
                ]
            )
        )
    merged = pd.concat(out, ignore_index=True)
    # A listed ROW flow and folded exporters add up to one ROW row.
    dupes = merged.duplicated(["material", "stage", "exporter", "importer", "year"], keep=False)
    if dupes.any():
        fixed = (
            merged[dupes]
            .groupby(["material", "stage", "exporter", "importer", "year"], as_index=False)
            .agg(
                tonnes=("tonnes", "sum"),
                gross_t=("gross_t", "sum"),
                value_usd=("value_usd", "sum"),
                hs_code=("hs_code", "first"),
                estimated=("estimated", "any"),
                note=("note", lambda s: "; ".join(s)),
            )
        )
        merged = pd.concat([merged[~dupes], fixed], ignore_index=True)
    return merged.sort_values(["material", "stage", "importer", "year", "exporter"]).reset_index(drop=True)


def exporter_weights(totals: pd.DataFrame, hs_map: pd.DataFrame) -> pd.DataFrame:
    """Exporter totals on the stage basis: (material, stage, exporter, tonnes, note).

    A map row listing ``exporters`` claims those exporters' totals of its code; a row with none
    takes the code's other exporters.

    Examples
    --------
    >>> t = pd.DataFrame({"hs_code": 810520, "year": 2024, "exporter": ["COD", "FIN"],
    ...                   "value_usd": [3.0e9, 1.0e8], "quantity_t": [600000.0, 1000.0]})
    >>> m = pd.DataFrame({"hs_code": [810520, 810520], "form": "exporter_totals", "material": "cobalt",
    ...                   "stage": ["mining", "refining"], "factor": [0.33, 1.0], "exporters": ["COD", ""]})
    >>> exporter_weights(t, m)[["stage", "exporter", "tonnes"]].to_dict("records")
    [{'stage': 'mining', 'exporter': 'COD', 'tonnes': 198000.0}, {'stage': 'refining', 'exporter': 'FIN', 'tonnes': 1000.0}]
    """
    specs = hs_map[hs_map["form"] == "exporter_totals"]
    rows = []
    for code, group in specs.groupby("hs_code", sort=False):
        claimed = {e for listed in group["exporters"] for e in str(listed).split(";") if e}
        code_totals = totals[(totals["hs_code"] == code) & (totals["quantity_t"] > 0)]
        for spec in group.itertuples():
            listed = {e for e in str(spec.exporters).split(";") if e}
            mine = code_totals["exporter"].isin(listed) if listed else ~code_totals["exporter"].isin(claimed)
            for flow in code_totals[mine].itertuples():
                tonnes = flow.quantity_t * spec.factor
                rows.append(
                    {
                        "material": spec.material,
                        "stage": spec.stage,
                        "exporter": flow.exporter,
                        "tonnes": tonnes,
                        "hs_code": int(code),
                        "note": (
                            f"{flow.exporter} exports to the world, BACI {flow.year} HS {code}: "
                            f"{_fmt(flow.quantity_t)} t gross x {_fmt(spec.factor)} = {_fmt(tonnes)} t"
                        ),
                    }
                )
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    share = table["tonnes"] / table.groupby(["material", "stage"])["tonnes"].transform("sum")
    small = (share < MIN_WEIGHT_SHARE) | (table["exporter"] == "ROW")
    folded = (
        table[small]
        .groupby(["material", "stage"], as_index=False)
        .agg(tonnes=("tonnes", "sum"), hs_code=("hs_code", "first"), n=("exporter", "size"))
        .assign(exporter="ROW")
    )
    folded["note"] = [
        f"{r.n} exporters each under {_fmt(MIN_WEIGHT_SHARE * 100)}% of the stage's measured exports, summed: "
        f"{_fmt(r.tonnes)} t"
        for r in folded.itertuples()
    ]
    return pd.concat([table[~small], folded.drop(columns="n")], ignore_index=True)
