"""The state the build steps share: raw inputs, sources, output tables and the lookups later steps read."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd

from critmin.model.schema import SCHEMA

from .common import YEAR, Table, numeric_table, region_of
from .raw import Raw, load_raw
from .sources import Sources, read_source_meta


def alternatives_table() -> Table:
    """Empty alternatives.csv: values not chosen, and why."""
    return Table(
        "alternatives.csv",
        ["variable", "key", "value", "unit", "source_id", "why_not_chosen"],
        ["variable", "key", "source_id"],
    )


def price_observations_table() -> Table:
    """Empty price_observations.csv: dated price points in USD/kg."""
    return Table(
        "price_observations.csv",
        ["material", "stage", "market", "product", "date", "value", "unit", "source_id", "note"],
        ["material", "stage", "market", "product", "date"],
    )


def trade_observations_table() -> Table:
    """Empty trade_observations.csv: monthly flows in t with their product coverage."""
    return Table(
        "trade_observations.csv",
        ["material", "item", "exporter", "importer", "period", "value", "unit", "basis", "source_id", "note"],
        ["material", "item", "exporter", "importer", "period"],
    )


@dataclass
class Context:
    """Everything a build step reads or writes; each step is a function ``build_x(ctx)``.

    ``factors`` holds named conversion factors and assumptions as (value, source id, what);
    ``world`` the adopted world total per (material, stage, year) as (value, source id, note);
    ``links`` the chain links as written to chain.csv (``counts`` False for co-product links);
    ``oxide_ship`` NdPr oxide shipped between countries, (exporter, importer) -> (t, source id, note);
    ``obs`` and ``tobs`` the dated price and monthly trade observation tables.
    """

    raw: Raw
    src: Sources
    tables: dict[str, Table] = field(default_factory=lambda: {name: numeric_table(name) for name in SCHEMA})
    world: dict[tuple[str, str, int], tuple[float, str, str]] = field(default_factory=dict)
    alt: Table = field(default_factory=alternatives_table)
    factors: dict[str, tuple[float, str, str]] = field(default_factory=dict)
    links: list[dict] = field(default_factory=list)
    oxide_ship: dict[tuple[str, str], tuple[float, str, str]] = field(default_factory=dict)
    sector_src: dict[str, str] = field(default_factory=dict)
    obs: Table = field(default_factory=price_observations_table)
    tobs: Table = field(default_factory=trade_observations_table)

    @classmethod
    def load(cls) -> Context:
        """Read ``data-raw/`` and the source lists; every table empty."""
        return cls(raw=load_raw(), src=Sources(read_source_meta()))

    def prod(self, m: str, s: str, c: str, y: int, v: float, sid: str, note: str) -> None:
        self.tables["production"].add(
            material=m, stage=s, country=c, year=y, value=float(v), unit="t/year", source_id=sid, note=note
        )

    def pv(self, m: str, s: str, y: int = YEAR) -> dict[str, float]:
        """Production of (m, s, y) by country."""
        return {
            k[2]: r["value"] for k, r in self.tables["production"].rows.items() if k[0] == m and k[1] == s and k[3] == y
        }

    def alternative(self, variable: str, key: str, value: float, unit: str, sid: str, why: str) -> None:
        self.alt.add(variable=variable, key=key, value=float(value), unit=unit, source_id=sid, why_not_chosen=why)

    def mi(self, item_prefix: str) -> pd.Series:
        rows = self.raw.mi[self.raw.mi["item"].str.startswith(item_prefix)]
        assert len(rows) == 1, item_prefix
        return rows.iloc[0]

    def world_total(self, m: str, s: str, y: int, v: float, sid: str, note: str) -> None:
        self.world[(m, s, y)] = (float(v), sid, note)

    def link(self, m: str, s: str, im: str, is_: str, v: float, sid: str, note: str, counts: bool = True) -> None:
        self.tables["chain"].add(
            material=m,
            stage=s,
            input_material=im,
            input_stage=is_,
            value=float(v),
            unit="t/t",
            source_id=sid,
            note=note,
        )
        self.links.append({"m": m, "s": s, "im": im, "is": is_, "f": float(v), "counts": counts})

    def chain_use(self, m: str, s: str) -> dict[str, float]:
        """Input needed at (m, s) by each country: its downstream production x input per output."""
        use: dict[str, float] = defaultdict(float)
        for lk in self.links:
            if lk["im"] == m and lk["is"] == s and lk["counts"]:
                for c, v in self.pv(lk["m"], lk["s"]).items():
                    use[c] += v * lk["f"]
        return dict(use)

    def chain_feed_by_region(self, m: str, s: str) -> dict[str, float]:
        """Feed of (m, s) to *another* material's stage (chain.csv x that stage's output), by demand region."""
        out: dict[str, float] = defaultdict(float)
        for lk in self.links:
            if lk["im"] == m and lk["is"] == s and lk["counts"] and lk["m"] != m:
                for c, v in self.pv(lk["m"], lk["s"]).items():
                    out[region_of(c)] += v * lk["f"]
        return dict(out)
