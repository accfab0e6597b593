"""The briefing's outlook section: concentration to 2035 with bands, milestones, CRMA ratios, the plan.

:func:`outlook_section` turns one :class:`critmin.outlook.output.OutlookRun` (the STEPS outlook
and the cheapest plan for the 65% target) into the figures and tables the template renders.
The outlook's own sources (scenario growth rates, announced projects) are not in the dataset's
source list, so they are registered with the briefing's citations first.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from critmin.outlook.output import OutlookRun
from critmin.outlook.tables import ANSWER_ALLIES, TARGET_SHARE
from critmin.report import figures
from critmin.report.content import country_label, percent, step_label
from critmin.report.sources import Citations

CHARTED = ("ndfeb/magnet", "gallium/refining")
"""Steps charted with bands; every key step is in the table below the charts."""
TABLED = (
    "rare_earths/mining",
    "ndpr/separation",
    "dysprosium/separation",
    "terbium/separation",
    "ndfeb/magnet",
    "gallium/refining",
    "graphite_natural/mining",
    "graphite_anode/refining",
)
"""Steps of the concentration and CRMA tables (those the outlook has)."""
TABLE_YEARS = (2030, 2035)
NEVER = "–"
"""A milestone table cell for "not by the last year" (the caption says so; answer.csv spells it out)."""


def _label(step: str) -> str:
    material, stage = step.split("/")
    return step_label((material, stage))


def register_sources(cites: Citations, sources: pd.DataFrame) -> None:
    """Add the outlook's own sources (id, title, publisher, year, url) to the briefing's list."""
    for row in sources.fillna("").itertuples():
        cites.register(str(row.source_id), str(row.title), str(row.publisher), str(row.year), str(row.url))


def band_chart(result: xr.Dataset, step: str) -> str:
    """China's share (median and 5-95% band) and the top-3 share (median) of world output at `step`."""
    s = result.sel(step=step)
    years = [str(y) for y in result["year"].values]
    china = s["china_share"]
    title = (
        f"{_label(step)}: China's and the top three's share of world output, {years[0]}-{years[-1]}, "
        f"{result.attrs['scenario']}"
    )
    return figures.bands(
        years,
        {
            "China (median)": china.sel(quantile=0.5).values.tolist(),
            "top three (median)": s["top3_share"].sel(quantile=0.5).values.tolist(),
        },
        title,
        "share of world output, %",
        outer=(china.sel(quantile=0.05).values.tolist(), china.sel(quantile=0.95).values.tolist()),
        percent=True,
    )


def _band_cell(series: xr.DataArray, year: int) -> str:
    at = series.sel(year=year)
    low, mid, high = (float(at.sel(quantile=q)) for q in (0.05, 0.5, 0.95))
    if not np.isfinite(mid):
        return "n/a"
    return percent(mid) if percent(low) == percent(high) else f"{percent(mid)} ({percent(low)}-{percent(high)})"


def concentration_rows(result: xr.Dataset) -> list[list[str]]:
    """Per step: China's share now and (median, 5-95%) in 2030 and 2035; top-3 share in 2035."""
    base = int(result["year"].values[0])
    years = [y for y in TABLE_YEARS if y in result["year"].values]
    rows = []
    for step in [s for s in TABLED if s in result["step"].values]:
        s = result.sel(step=step)
        cells = [_label(step), percent(float(s["china_share"].sel(quantile=0.5, year=base)))]
        cells += [_band_cell(s["china_share"], y) for y in years]
        cells.append(_band_cell(s["top3_share"], years[-1]) if years else "n/a")
        rows.append(cells)
    return rows


def milestone_rows(answer: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Header and rows: per product, each ally's year (direct / ultimate), pipeline alone and with the plan."""
    allies = [a for a in ANSWER_ALLIES if a in set(answer["ally"])]

    def short(year: str) -> str:
        return NEVER if year.startswith("not by") else year

    rows = []
    for product, group in answer.groupby("product", sort=False):
        cells = [str(product)]
        by_ally = group.set_index("ally")
        for ally in allies:
            r = by_ally.loc[ally]
            text = f"{short(r.direct_pipeline)} / {short(r.ultimate_pipeline)}"
            if (r.direct_plan, r.ultimate_plan) != (r.direct_pipeline, r.ultimate_pipeline):
                text += f"; plan {short(r.direct_plan)} / {short(r.ultimate_plan)}"
            cells.append(text)
        rows.append(cells)
    return ["product", *(country_label(a) for a in allies)], rows


def crma_rows(crma: pd.DataFrame, last: int, ally: str = "EU27") -> list[list[str]]:
    """Per step of `ally`: each benchmark now, in 2030 (median) and the year met."""
    rows = []
    table = crma.loc[(crma["importer"] == ally) & crma["step"].isin(TABLED)]
    for r in table.itertuples():
        met = "not by " + str(last) if pd.isna(r.year_met) else str(int(r.year_met))
        rows.append([_label(str(r.step)), str(r.benchmark), percent(r.base), percent(r.p50_2030), met])
    return rows


KIND_LABELS = {"recycling": "recycling", "substitution": "substitution (demand avoided)", "new_build": "new plant"}


def bought_lines(bought: pd.DataFrame) -> list[str]:
    """One line per option bought: its name and kind, first year, each ally's t/yr and the cost.

    >>> b = pd.DataFrame({"option_id": ["r", "r"], "kind": ["recycling"] * 2, "name": ["Magnet recycling"] * 2,
    ...                   "ally": ["USA", "JPN"], "material": ["ndfeb"] * 2, "stage": ["magnet"] * 2,
    ...                   "size_t": [120.0, 80.5], "first_year": [2029] * 2, "cost_usd": [2e7, 1.3e7]})
    >>> bought_lines(b)
    ['magnet recycling (recycling, NdFeB magnet), from 2029: United States 120 t/yr, Japan 80 t/yr: USD 33 m']
    """
    lines = []
    for _, group in bought.groupby("option_id", sort=False):
        first = group.iloc[0]
        sizes = ", ".join(f"{country_label(r.ally)} {r.size_t:,.0f} t/yr" for r in group.itertuples())
        lines.append(
            f"{_in_sentence(first['name'])} ({KIND_LABELS.get(first['kind'], first['kind'])}, "
            f"{_label(f'{first.material}/{first.stage}')}), from {first['first_year']}: {sizes}: "
            f"{figures.usd(float(group['cost_usd'].sum()))}"
        )
    return lines


def _in_sentence(name: str) -> str:
    """An option's name after "Buy": a generic name loses its capital, an acronym keeps it.

    >>> _in_sentence("Anode graphite from cell scrap"), _in_sentence("NdFeB thrifting")
    ('anode graphite from cell scrap', 'NdFeB thrifting')
    """
    first = name.split(" ", 1)[0]
    return name[:1].lower() + name[1:] if first[1:].islower() else name


def _unmeetable(targets: pd.DataFrame) -> list[str]:
    """One line per step and cause: the allies no plan can bring to the target, and why.

    The plan gives one of two causes (``reason``): nothing listed serves the target (no project,
    and no option, since options are capped on the ally's own supply at the step), or what serves
    it falls short (lead times, sizes, success), with the earliest year it could be met.
    """
    lines = []
    blocked = targets.loc[targets["status"] == "no plan can meet"]
    for step, group in blocked.groupby("step", sort=False):
        unserved = group["reason"].astype(str).str.startswith("no listed project or option serves it")
        if unserved.any():
            allies = ", ".join(country_label(a) for a in group.loc[unserved, "importer"])
            lines.append(
                f"{_label(str(step))}: {allies}; no listed project or option serves them "
                "(options are sized on an ally's own supply at the step, and the data records none)"
            )
        short = group.loc[~unserved]
        if len(short):
            allies = ", ".join(country_label(a) for a in short["importer"])
            earliest = short["earliest_year"].dropna()
            when = f"from {int(earliest.min())} at the earliest" if len(earliest) else "not by the end of the outlook"
            lines.append(
                f"{_label(str(step))}: {allies}; with every candidate backed and every option at its cap, "
                f"too late or too small: {when}"
            )
    return lines


def resilience_rows(table: pd.DataFrame) -> list[list[str]]:
    """Per shock: allied loss without and with the plan, avoided (share, 5-95% of draws), tonnes avoided.

    >>> from critmin.outlook.resilience import COLUMNS
    >>> t = pd.DataFrame([["s", "loss_usd_allies", "all", "USD", 4e9, 1e9, 3e9, 0.75, 2e9, 4e9, 20],
    ...                   ["s", "shortfall_t_allies", "ndfeb", "t", 900.0, 300.0, 600.0, 2 / 3, 100.0, 800.0, 20]],
    ...                  columns=COLUMNS)
    >>> resilience_rows(t)
    [['s', 'USD 4.00 bn', 'USD 1.00 bn', 'USD 3.00 bn (75%)', 'USD 2.00 bn to USD 4.00 bn', 'NdFeB magnet 600 t']]
    """
    rows = []
    for name, group in table.groupby("scenario", sort=False):
        loss = group.loc[group["measure"] == "loss_usd_allies"]
        if len(loss):
            r = loss.iloc[0]
            share = "" if pd.isna(r.avoided_share) else f" ({percent(r.avoided_share)})"
            cells = [figures.usd(r.without_plan), figures.usd(r.with_plan), figures.usd(r.avoided) + share]
            cells.append(f"{figures.usd(r.avoided_p05)} to {figures.usd(r.avoided_p95)}")
        else:
            cells = ["unknown"] * 4
        short = group.loc[(group["measure"] == "shortfall_t_allies") & (group["avoided"].abs() >= 0.5)]
        tonnes = "; ".join(f"{_material(str(r.material))} {r.avoided:,.0f} t" for r in short.itertuples())
        rows.append([str(name), *cells, tonnes or "none"])
    return rows


def _material(material: str) -> str:
    from critmin.vocabulary import stages_of

    return _label(f"{material}/{stages_of(material)[-1]}")


def outlook_section(run: OutlookRun, cites: Citations, ids: list[str]) -> dict[str, Any]:
    """The template's ``outlook`` part: charts, tables and plan of one outlook run.

    `ids` are the dataset sources of the base year (production and trade), cited with the
    outlook's own (projects, growth rates).
    """
    register_sources(cites, run.sources)
    result = run.result
    years = result["year"].values
    last = int(years[-1])
    own = [*ids, *run.sources["source_id"].tolist()]
    draws = int(result.attrs["draws"])
    shown = [step for step in CHARTED if step in result["step"].values]
    charts = [(f"outlook-{step.replace('/', '-')}", band_chart(result, step), _label(step)) for step in shown]
    part: dict[str, Any] = {
        "scenario": result.attrs["scenario_title"],
        "draws": draws,
        "base": int(years[0]),
        "last": last,
        "rule": result.attrs["rule"],
        "charts": charts,
        "concentration": concentration_rows(result),
        "concentration_years": [y for y in TABLE_YEARS if y in years],
        "crma": crma_rows(run.crma, last),
        "marks": cites.marks(own),
        "hover": cites.hover(own),
        "share": f"{TARGET_SHARE:.0%}",
        "never": NEVER,
        "plan": None,
    }
    if run.found is not None and run.answer is not None:
        header, rows = milestone_rows(run.answer)
        found = run.found
        status = found.targets["status"].value_counts()
        part["plan"] = {
            "header": header,
            "rows": rows,
            "cost": figures.usd(found.cost),
            "alpha": percent(run.alpha),
            "year": run.plan_year,
            "draws": run.plan_draws,
            "chosen": [
                f"{r.name} ({country_label(r.country)}, {_label(f'{r.material}/{r.stage}')}): "
                f"{figures.usd(r.capex_usd)}"
                for r in found.chosen.itertuples()
            ],
            "bought": bought_lines(found.bought),
            "counts": {k: int(status.get(k, 0)) for k in ("met without plan", "met by plan", "no plan can meet")},
            "unmeetable": _unmeetable(found.targets),
            "resilience": None,
        }
        if run.resilience is not None and run.plan_events is not None:
            draws = run.resilience["draws"]
            rows = run.plan_events.rows
            part["plan"]["resilience"] = {
                "rows": resilience_rows(run.resilience),
                "draws": int(draws.iloc[0]) if len(draws) else 0,
                "left_out": [
                    f"{r.item} ({r.ally}, {r.material}/{r.stage}): {r.note}" for r in rows.itertuples() if not r.event
                ],
            }
    return part
