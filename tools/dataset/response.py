"""The response optimiser's default option tables (stockpiles, projects, instruments, research) from data-raw/response_options.csv."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from critmin.vocabulary import MATERIAL_STAGES

from .common import LAST, YEAR, fmt, n
from .context import Context


def response_source(ctx: Context, r: pd.Series) -> str:
    """Source id of one row of data-raw/response_options.csv (``asm-*`` rows name their record)."""
    source = str(r["source"])
    if source.startswith("asm-"):
        return source
    return ctx.src.raw(r)


def latest_price(ctx: Context, m: str) -> tuple[float, int, str, str]:
    """Latest price of `m` in USD/kg: international first, else China-domestic; (value, year, stage, market)."""
    best: dict[str, tuple[tuple, tuple[float, int, str, str]]] = {}
    for (mm, s, mk, y), r in ctx.tables["price"].rows.items():
        if mm != m:
            continue
        rank = (s == LAST[m], y)
        if mk not in best or rank > best[mk][0]:
            best[mk] = (rank, (float(r["value"]), int(y), s, mk))
    for mk in ("international", "china_domestic"):
        if mk in best:
            return best[mk][1]
    raise ValueError(f"no price for {m}")


def build_response_options(ctx: Context) -> dict[str, pd.DataFrame]:
    """Default option tables of the response optimiser, from data-raw/response_options.csv."""
    src, raw = ctx.src, ctx.raw.response.copy()
    for _, r in raw[raw["kind"] == "assumption"].iterrows():
        src.assumption(str(r["option"]), str(r["text"]), str(r["note"]))
    raw = raw[raw["kind"] != "assumption"]
    fields: dict[tuple[str, str, str], dict[str, tuple[object, object, object, str, str]]] = defaultdict(dict)
    for _, r in raw.iterrows():
        value = r["text"] if pd.notna(r["text"]) else r["value"]
        fields[(r["kind"], r["option"], r["item"])][r["field"]] = (
            value,
            r["low"],
            r["high"],
            response_source(ctx, r),
            "" if pd.isna(r["note"]) else str(r["note"]),
        )

    def cite(entry: dict, names: list[str]) -> str:
        return "; ".join(
            f"{k} {entry[k][0] if isinstance(entry[k][0], str) else n(entry[k][0])}: {entry[k][4]} (src {entry[k][3]})"
            for k in names
            if k in entry
        )

    def num(x: object) -> str:
        return "" if x is None or (isinstance(x, float) and np.isnan(x)) else fmt(float(x))

    # stockpiles: every holder x every material
    sid = src.estimate(
        "est-response-stockpile",
        "Stockpile option = holder rule x material price and world output",
        "https://origin.iea.org/policies/16639-international-resource-strategy-national-stockpiling-system",
        "Method: purchase price (USD/t) = latest international price (China-domestic where none) x 1000; "
        "max purchase (t/yr) = holder's share of world output per year (asm-stockpile-purchase-pace) x world output "
        "of the material's last stage in 2024 (world_totals.csv).",
    )
    rows = []
    for (kind, holder, _), e in sorted(fields.items()):
        if kind != "holder":
            continue
        for m in MATERIAL_STAGES:
            price, py, ps, pm = latest_price(ctx, m)
            world, _, _ = ctx.world[(m, LAST[m], YEAR)]
            share = float(e["purchase_share_of_world_per_year"][0])
            lead = e["release_lead_months"]
            rows.append(
                {
                    "holder": holder,
                    "material": m,
                    "holder_country": e["holder_country"][0],
                    "serves": e["serves"][0],
                    "purchase_price_usd_per_t": num(price * 1000),
                    "max_purchase_t_per_year": num(share * world),
                    "purchase_share_of_world_per_year": num(share),
                    "holding_cost_share_per_year": num(e["holding_cost_share_per_year"][0]),
                    "holding_cost_low": num(e["holding_cost_share_per_year"][1]),
                    "holding_cost_high": num(e["holding_cost_share_per_year"][2]),
                    "release_lead_months": num(lead[0]),
                    "release_lead_low": num(lead[1]),
                    "release_lead_high": num(lead[2]),
                    "source_id": sid,
                    "note": (
                        f"price {n(price)} USD/kg ({m} {ps}, {pm}, {py}, price.csv) x 1000 = {n(price * 1000)} USD/t; "
                        f"max purchase {n(share)} x world {m} {LAST[m]} output {n(world)} t (2024) = {n(share * world)} t/yr; "
                        + cite(
                            e,
                            [
                                "release_lead_months",
                                "holding_cost_share_per_year",
                                "purchase_share_of_world_per_year",
                            ],
                        )
                    ),
                }
            )
    stock = pd.DataFrame(rows)

    rows = []
    for (kind, pid, m), e in sorted(fields.items()):
        if kind != "project":
            continue
        price, py, ps, pm = latest_price(ctx, m)
        opex = float(e["opex_share_of_price"][0]) * price * 1000
        rows.append(
            {
                "project_id": pid,
                "project_ref": e["project_ref"][0],
                "country": e["country"][0],
                "material": m,
                "stage": e["stage"][0],
                "capacity_t_per_year": num(e["capacity_t_per_year"][0]),
                "capex_usd": num(e["capex_usd"][0]),
                "opex_usd_per_t": num(opex),
                "lead_time_months": num(e["lead_time_months"][0]),
                "lead_time_low": num(e["lead_time_months"][1]),
                "lead_time_high": num(e["lead_time_months"][2]),
                "p_complete": num(e["p_complete"][0]),
                "p_complete_low": num(e["p_complete"][1]),
                "p_complete_high": num(e["p_complete"][2]),
                "serves": e["serves"][0],
                "source_id": e["capacity_t_per_year"][3],
                "note": (
                    f"opex {n(e['opex_share_of_price'][0])} x {n(price)} USD/kg ({py}) x 1000 = {n(opex)} USD/t; "
                    + cite(e, ["capacity_t_per_year", "capex_usd", "lead_time_months", "p_complete", "serves"])
                ),
            }
        )
    projects = pd.DataFrame(rows)

    params = [
        "amount_usd",
        "loan_rate",
        "market_rate",
        "default_prob",
        "loss_given_default",
        "tenor_years",
        "equity_expected_loss",
        "offtake_price_usd_per_kg",
        "resale_discount",
        "floor_usd_per_kg",
        "upside_share",
    ]
    rows = []
    for (kind, pid, inst), e in sorted(fields.items()):
        if kind != "instrument":
            continue
        main = e.get("amount_usd") or e.get("floor_usd_per_kg") or e.get("offtake_price_usd_per_kg")
        rows.append(
            {
                "project_id": pid,
                "instrument": inst,
                **{k: num(e[k][0]) if k in e else "" for k in params},
                "source_id": main[3],
                "note": cite(e, params),
            }
        )
    instruments = pd.DataFrame(rows, columns=["project_id", "instrument", *params, "source_id", "note"])

    rows = []
    for (kind, prog, m), e in sorted(fields.items()):
        if kind != "research":
            continue
        rows.append(
            {
                "programme": prog,
                "material": m,
                **{k: num(e[k][0]) for k in ("cost_usd", "p_success", "lag_months", "intensity_cut")},
                **{
                    f"{k}_{b}": num(e[k][i])
                    for k in ("p_success", "lag_months", "intensity_cut")
                    for b, i in (("low", 1), ("high", 2))
                },
                "source_id": e["intensity_cut"][3],
                "note": cite(e, ["cost_usd", "p_success", "lag_months", "intensity_cut"]),
            }
        )
    research = pd.DataFrame(rows)
    return {
        "response_stockpiles.csv": stock,
        "response_projects.csv": projects,
        "response_instruments.csv": instruments,
        "response_research.csv": research,
    }
