"""Measured trade as inputs of the trade step: BACI flows, exporter totals and trade rules.

* A stage served in full by a bilateral HS code (``coverage = full`` in ``hs_stage_map.csv``) is
  written from BACI alone: no rule, no floor.
* A stage a code serves in part keeps every measured flow as a fixed flow; the importer's remaining
  net imports go to exporters by their measured exports of the stage's other products (exporter
  totals) where BACI has them, else by the modelled surplus.
* ``trade_rules.csv`` records what is known of a trade as data: ``no_exports`` (a sourced ban) takes
  an exporter out of the rule; ``only_to`` sends an exporter's whole output to one importer;
  ``rule_only_to`` lets the rule give an exporter's unmeasured exports to one importer only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd

from . import baci
from .common import RAW, YEAR
from .context import Context

FOLDER = RAW / "trade_baci"
RULES_FILE = RAW / "trade_rules.csv"
BACI_SID = "cepii-baci-hs17-v202601"
UNIT_VALUE_SID = "est-trade-baci-unit-value"
Flow = tuple[float, str, str]


@dataclass
class MeasuredTrade:
    """Everything measured about trade in the base year, keyed by (material, stage)."""

    coverage: dict[tuple[str, str], str] = field(default_factory=dict)
    flows: dict[tuple[str, str, str], dict[str, Flow]] = field(default_factory=dict)
    weights: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)
    banned: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    rule_only_to: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)

    def rows(self, material: str, stage: str) -> list[dict[str, object]]:
        """trade.csv rows of a stage a code serves in full: the measured flows as they are."""
        out: list[dict[str, object]] = []
        for (m, s, importer), flows in sorted(self.flows.items()):
            if (m, s) != (material, stage):
                continue
            for exporter, (value, sid, note) in sorted(flows.items()):
                out.append(
                    {
                        "material": m,
                        "stage": s,
                        "exporter": exporter,
                        "importer": importer,
                        "year": YEAR,
                        "value": value,
                        "unit": "t/year",
                        "source_id": sid,
                        "note": note,
                    }
                )
        return out


def read_rules(year: int = YEAR) -> pd.DataFrame:
    """Trade rules in force in `year`."""
    rules = pd.read_csv(RULES_FILE, dtype={"to_year": "Int64"})
    live = (rules["from_year"] <= year) & (rules["to_year"].isna() | (rules["to_year"] >= year))
    return rules[live.to_numpy(dtype=bool)]


def _register(ctx: Context) -> None:
    spec = baci.read_map(FOLDER).iloc[0]
    ctx.src.records[BACI_SID] = {
        "source_id": BACI_SID,
        "title": "CEPII BACI bilateral trade, HS 2017, release V202601 (extract in data-raw/trade_baci/)",
        "publisher": "CEPII",
        "year": "2026",
        "url": str(spec["source_url"]),
        "grade": "T",
        "note": "Reconciled UN Comtrade flows (FOB value, tonnes); quantities converted to each stage's basis by "
        "data-raw/trade_baci/hs_stage_map.csv. Extract taken from the Critical Materials Atlas data files "
        "(Varcolacus/critical-materials-atlas@17b328d).",
    }
    ctx.src.estimate(
        UNIT_VALUE_SID,
        "BACI flow without a quantity: tonnes from its value at the exporter's median unit value",
        str(spec["source_url"]),
        "Method: tonnes = BACI value / median unit value (USD/t) of the same exporter, code and year over its flows "
        "with a quantity (else the code's world median), then x the stage factor.",
    )


def load_measured(ctx: Context, importers: tuple[str, ...]) -> MeasuredTrade:
    """Read the BACI extract, the map and the rules; flows on the stage basis for `importers`."""
    _register(ctx)
    hs_map = baci.read_map(FOLDER)
    flows = baci.fill_quantities(baci.to_regions(baci.read_bilateral(FOLDER, [YEAR])))
    rows = baci.stage_flows(flows, hs_map, importers)
    producers = {
        (m, s): {c for c, v in ctx.pv(m, s).items() if v > 0}
        for m, s in set(zip(rows.material, rows.stage, strict=True))
    }
    rows = baci.fold_small(rows, producers)
    out = MeasuredTrade()
    for spec in hs_map[hs_map["form"] == "bilateral"].itertuples():
        if spec.coverage != "basket":
            out.coverage[(spec.material, spec.stage)] = spec.coverage
    nested: dict[tuple[str, str, str], dict[str, Flow]] = defaultdict(dict)
    for r in rows.itertuples():
        nested[(r.material, r.stage, r.importer)][r.exporter] = (
            float(r.tonnes),
            UNIT_VALUE_SID if r.estimated else BACI_SID,
            r.note,
        )
    out.flows = dict(nested)
    weights = baci.exporter_weights(baci.read_totals(FOLDER), hs_map)
    for (m, s), group in weights.groupby(["material", "stage"]):
        out.weights[(m, s)] = dict(zip(group["exporter"], group["tonnes"].astype(float), strict=True))
    rules = read_rules()
    for (m, s), group in rules[rules["rule"] == "no_exports"].groupby(["material", "stage"]):
        out.banned[(m, s)] = frozenset(group["exporter"])
    for r in rules[rules["rule"] == "rule_only_to"].itertuples():
        out.rule_only_to.setdefault((r.material, r.stage), {})[r.exporter] = r.importer
        ctx.src.raw(pd.Series(r._asdict()))
    return out
