"""Allies' imports by origin and year, in USD, from the BACI bilateral files (2020-2024).

Value needs no conversion, so every year of the extract is measured as it is: the share of an
ally's imports of a stage's code that comes from each origin is a customs figure for each year,
including the years whose files hold no quantities (tonnes exist for 2024 only, in ``trade``).

* Importers are the allies; EU members are summed as ``EU27`` with intra-EU flows left out.
* Per (code, importer, year), exporters under ``baci.MIN_SHARE`` of the importer's imports that
  year are summed into ``ROW``, with their names in the note; China is always named, however
  small, because every dependence question asks about it.
* 2020, 2021 and 2023 keep only top partners (``baci.COMPLETE_YEARS`` are complete): their
  totals are lower bounds and their shares are shares of the kept partners; the note says so.
* Basket codes (811292: Ga, Ge, Hf, In, Nb, Re, V together) are left out: their value cannot be
  given to one material.
"""

from __future__ import annotations

import pandas as pd

from critmin.vocabulary import ALLIES, COUNTRIES

from . import baci
from .context import Context
from .trade_measured import BACI_SID, FOLDER, _register

YEARS = (2020, 2021, 2022, 2023, 2024)


def _coverage_words(spec: pd.Series) -> str:
    return "the whole stage" if spec["coverage"] == "full" else "one form of the stage (partial coverage)"


def import_value_rows(flows: pd.DataFrame, hs_map: pd.DataFrame) -> pd.DataFrame:
    """One row per (material, stage, exporter, importer, year): value in USD with its note.

    Examples
    --------
    >>> f = pd.DataFrame({"hs_code": 850511, "year": 2022, "exporter": ["CHN", "PHL", "MLT"],
    ...                   "importer": "JPN", "value_usd": [600.0, 395.0, 5.0], "members": 1})
    >>> m = pd.DataFrame({"hs_code": [850511], "form": "bilateral", "material": "ndfeb", "stage": "magnet",
    ...                   "coverage": "full"})
    >>> import_value_rows(f, m)[["exporter", "value"]].to_dict("records")
    [{'exporter': 'CHN', 'value': 600.0}, {'exporter': 'PHL', 'value': 395.0}, {'exporter': 'ROW', 'value': 5.0}]
    """
    bilateral = hs_map[(hs_map["form"] == "bilateral") & (hs_map["coverage"] != "basket")]
    flows = flows[flows["importer"].isin(ALLIES) & (flows["exporter"] != flows["importer"])]
    rows = []
    for _, spec in bilateral.iterrows():
        code = flows[flows["hs_code"] == spec["hs_code"]]
        for (importer, year), group in code.groupby(["importer", "year"], sort=True):
            total = float(group["value_usd"].sum())
            complete = int(year) in baci.COMPLETE_YEARS
            scope = "complete file" if complete else "top partners only: total is a lower bound"
            small = (group["value_usd"] < baci.MIN_SHARE * total) & (group["exporter"] != "CHN")
            small |= ~group["exporter"].isin(COUNTRIES)
            where = " (EU members summed, intra-EU excluded)" if importer == "EU27" else ""
            base = dict(material=spec["material"], stage=spec["stage"], importer=importer, year=int(year))
            for flow in group[~small].itertuples():
                rows.append(
                    {
                        **base,
                        "exporter": flow.exporter,
                        "value": float(flow.value_usd),
                        "note": f"BACI {year} HS {spec['hs_code']} {flow.exporter}->{importer}{where}; the code "
                        f"covers {_coverage_words(spec)}; {scope}",
                    }
                )
            if small.any():
                folded = group[small].sort_values("exporter")
                names = ", ".join(
                    f"{e} {baci._fmt(v / 1e6)}" for e, v in zip(folded.exporter, folded.value_usd, strict=True)
                )
                rows.append(
                    {
                        **base,
                        "exporter": "ROW",
                        "value": float(folded["value_usd"].sum()),
                        "note": f"BACI {year} HS {spec['hs_code']}: {len(folded)} exporters under "
                        f"{baci._fmt(baci.MIN_SHARE * 100)}% of {importer}'s imports or outside critmin's "
                        f"country list, summed (USD m): {names}; {scope}",
                    }
                )
    return pd.DataFrame(rows)


def build_import_value(ctx: Context) -> None:
    """The ``import_value`` table: allies' imports by origin, 2020-2024, USD (grade T)."""
    _register(ctx)
    flows = baci.to_regions(baci.read_bilateral(FOLDER, YEARS))
    for r in import_value_rows(flows, baci.read_map(FOLDER)).itertuples():
        ctx.tables["import_value"].add(
            material=r.material,
            stage=r.stage,
            exporter=r.exporter,
            importer=r.importer,
            year=r.year,
            value=r.value,
            unit="USD/year",
            source_id=BACI_SID,
            note=r.note,
        )
