"""What the briefing and the app show about exposure, computed once from the dataset (no I/O).

The numbers come from :mod:`critmin.report.tables` and :mod:`critmin.exposure`; this module only
selects, ranks and reshapes them for figures, and keeps beside every number the source ids it
rests on.

Examples
--------
>>> from critmin.data import load
>>> ds = load("tests/data/mini")
>>> [(b.stage, b.shares[0][0]) for b in stage_bars(ds, "rare_earths")]
[('mining', 'CHN')]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from critmin import vocabulary as vocab
from critmin.exposure.dependence import EXPORTER, IMPORTER, chain_path, sourcing_matrix
from critmin.exposure.summary import DEPENDENCE_COLUMNS
from critmin.exposure.years import base_year
from critmin.report.sources import split_ids
from critmin.report.tables import (
    control_with_sources,
    dependence_with_sources,
    stage_share_table,
)
from critmin.vocabulary import material_label

MAGNET_TARGET = ("ndfeb", "magnet")
"""Final step of the rare-earth chain drawn as a Sankey (mine to magnet)."""
UNASSIGNED = "UNASSIGNED"
"""Origin of the Sankey flows that no producer's recorded output covers (stocks, re-exports by
countries that do not make the product, output the data miss)."""


@dataclass(frozen=True)
class StageBar:
    """World shares of one material's stage: (country, share, tonnes) largest first."""

    material: str
    stage: str
    basis: str
    year: int
    total_t: float
    shares: list[tuple[str, float, float]]
    sources: list[str]


@dataclass(frozen=True)
class SankeyFlow:
    """Tonnes (upstream basis) of step `upstream` made in `origin` used by `buyer` at `downstream`."""

    upstream: int
    downstream: int
    origin: str
    buyer: str
    tonnes: float


@dataclass(frozen=True)
class Sankey:
    """Flows between consecutive steps of a chain, upstream first."""

    steps: list[tuple[str, str]]
    flows: list[SankeyFlow]
    year: int
    sources: list[str]


@dataclass
class Exposure:
    """Stage control and dependence tables of one year, with the ranked headline rows."""

    year: int
    control: pd.DataFrame
    dependence: pd.DataFrame
    importers: list[str]
    targets: list[tuple[str, str]]
    notes: list[str] = field(default_factory=list)


def exposure(ds: xr.Dataset, year: int | None = None, importers: list[str] | None = None) -> Exposure:
    """Stage control and every ally's dependence at each material's last stage.

    Parameters
    ----------
    ds : xarray.Dataset
        A critmin dataset.
    year : int, optional
        Year tabulated; default :func:`critmin.exposure.years.base_year`.
    importers : list of str, optional
        Importers reported; default the alliance members present in the trade data.
    """
    chosen = base_year(ds) if year is None else year
    control = control_with_sources(ds, chosen)
    notes: list[str] = []
    allies = importers or [a for a in vocab.ALLIES if "importer" in ds.dims and a in ds.importer.values]
    targets = _last_stages(ds)
    if "chain" not in ds or not allies:
        missing = "chain" if "chain" not in ds else "trade with an alliance member as importer"
        notes.append(f"Dependence is not computed: the dataset has no {missing}.")
        dependence = pd.DataFrame(
            columns=[
                *DEPENDENCE_COLUMNS,
                "assumed",
                "sources",
            ]
        )
    else:
        dependence = dependence_with_sources(ds, chosen, targets, allies)
    return Exposure(chosen, control, dependence, allies, targets, notes)


def _last_stages(ds: xr.Dataset) -> list[tuple[str, str]]:
    """Each material's most downstream stage with production data (labels absent are skipped)."""
    stages = [str(s) for s in ds.stage.values]
    has = ds.production.notnull().any([d for d in ds.production.dims if d not in ("material", "stage")])
    targets = []
    for material in materials_with_data(ds):
        present = [s for s in vocab.stages_of(material) if s in stages and bool(has.sel(material=material, stage=s))]
        if present:
            targets.append((material, present[-1]))
    return targets


def final_rows(dependence: pd.DataFrame) -> pd.DataFrame:
    """Rows of each target's own (last) step: the dependence of what an ally finally buys."""
    final = dependence[(dependence.material + "/" + dependence.stage) == dependence.target]
    return final.reset_index(drop=True)


def top_hidden(exp: Exposure, n: int = 3) -> pd.DataFrame:
    """The `n` largest hidden dependences, one per (importer, target), largest first."""
    final = final_rows(exp.dependence)
    final = final[final.hidden.notna() & (final.hidden > 1e-9)]
    others = [not vocab.is_own_supply(str(i), str(o)) for i, o in zip(final.importer, final.origin, strict=True)]
    final = final.loc[np.asarray(others, dtype=bool)]
    ranked = final.sort_values("hidden", ascending=False, kind="stable")
    return ranked.drop_duplicates(["importer", "target"]).head(n).reset_index(drop=True)


def top_concentrated(exp: Exposure, n: int = 3) -> pd.DataFrame:
    """The `n` stages with the largest single-country share (ties by HHI)."""
    ranked = exp.control.sort_values(["dominant_share", "hhi"], ascending=False, kind="stable")
    return ranked.head(n).reset_index(drop=True)


def ally_dependence(exp: Exposure, target: str) -> pd.DataFrame:
    """Per ally, the origin it depends on most at any stage for `target`, direct vs ultimate."""
    final = final_rows(exp.dependence)
    rows = final[(final.target == target) & final.ultimate.notna()]
    ranked = rows.sort_values("ultimate", ascending=False, kind="stable")
    top = ranked.drop_duplicates("importer")
    order = {a: i for i, a in enumerate(exp.importers)}
    return top.sort_values("importer", key=lambda s: s.map(order)).reset_index(drop=True)


def materials_with_data(ds: xr.Dataset) -> list[str]:
    """Materials of the vocabulary with any production value, in vocabulary order."""
    has = ds.production.notnull().any([d for d in ds.production.dims if d != "material"])
    present = {str(m) for m in ds.material.values[has.values]}
    return [m for m in vocab.MATERIALS if m in present]


def stage_bars(ds: xr.Dataset, material: str, top: int = 5, table: pd.DataFrame | None = None) -> list[StageBar]:
    """Each stage of `material` (latest year with data): the `top` producers, the rest as OTH.

    `table`: :func:`~critmin.report.tables.stage_share_table` of `ds`, when already computed.
    """
    table = stage_share_table(ds) if table is None else table
    table = table[table.material == material]
    bars = []
    for stage in vocab.stages_of(material):
        rows = table[table.stage == stage]
        if rows.empty:
            continue
        shares = [(str(r.country), float(r.share), float(r.production_t)) for r in rows.itertuples()]
        head, rest = shares[:top], shares[top:]
        if rest:
            head.append(("OTH", sum(s for _, s, _ in rest), sum(t for _, _, t in rest)))
        bars.append(
            StageBar(
                material,
                stage,
                str(rows.basis.iloc[0]),
                int(rows.year.iloc[0]),
                float(rows.production_t.sum()),
                head,
                split_ids(rows.source_id),
            )
        )
    return bars


def _cell(ds: xr.Dataset, name: str, step: tuple[str, str], year: int) -> xr.DataArray | None:
    if name not in ds or step[0] not in ds.material.values or step[1] not in ds.stage.values:
        return None
    return ds[name].sel(material=step[0], stage=step[1], year=year).reset_coords(drop=True)


def _ids(ds: xr.Dataset, name: str, step: tuple[str, str], year: int) -> set[str]:
    cell = _cell(ds, f"{name}_source", step, year)
    return set() if cell is None else {str(s) for s in np.unique(cell.values) if s and str(s) != "nan"}


def chain_sankey(ds: xr.Dataset, target: tuple[str, str] = MAGNET_TARGET, year: int | None = None) -> Sankey | str:
    """Flows from mine to `target`: who makes each step's input for whom, in t of the input.

    A buyer's use of the upstream product is its output times the chain coefficient (t input
    per t output), split over origins by its sourcing shares at the upstream step
    (:func:`critmin.exposure.dependence.sourcing_matrix`). Returns the reason as text when the
    dataset cannot support the chart.
    """
    if "chain" not in ds:
        return "the dataset has no chain coefficients (chain.csv)"
    if target[0] not in ds.material.values:
        return f"the dataset has no {target[0]} {target[1]} production"
    chosen = base_year(ds) if year is None else year
    try:
        steps = chain_path(ds["chain"], *target)
    except ValueError as error:
        return f"the chain to {target[0]} {target[1]} cannot be traced ({error})"
    if len(steps) < 2:
        return f"the chain table holds no inputs of {target[0]} {target[1]}"
    flows: list[SankeyFlow] = []
    sources: set[str] = set()
    for i, (up, down) in enumerate(zip(steps[:-1], steps[1:], strict=True)):
        made_up, made_down = _cell(ds, "production", up, chosen), _cell(ds, "production", down, chosen)
        if made_up is None or made_down is None or not bool(made_down.notnull().any()):
            return f"no {chosen} production of {down[0]} {down[1]} or {up[0]} {up[1]}"
        trade = _cell(ds, "trade", up, chosen)
        if trade is None:
            trade = xr.DataArray([[np.nan]], dims=(EXPORTER, IMPORTER), coords={EXPORTER: ["CHN"], IMPORTER: ["CHN"]})
        share = sourcing_matrix(
            made_up.where(made_up.notnull(), drop=True), trade, countries=[str(c) for c in ds.country.values]
        )
        coefficient = float(ds.chain.sel(material=down[0], stage=down[1], input_material=up[0], input_stage=up[1]))
        wanted: list[SankeyFlow] = []
        for buyer, output in made_down.to_series().dropna().items():
            if output <= 0 or buyer not in share[IMPORTER].values:
                continue
            row = share.sel({IMPORTER: buyer}).fillna(0.0)
            for origin, part in row.to_series().items():
                if part > 0:
                    wanted.append(SankeyFlow(i, i + 1, str(origin), str(buyer), float(output * coefficient * part)))
        flows += within_output(wanted, made_up.to_series().dropna().to_dict())
        sources |= _ids(ds, "production", up, chosen) | _ids(ds, "production", down, chosen)
        sources |= _ids(ds, "trade", up, chosen)
        if "chain_source" in ds:
            link = ds.chain_source.sel(material=down[0], stage=down[1], input_material=up[0], input_stage=up[1])
            sources |= {str(link.item())} - {"", "nan"}
    return Sankey([(str(m), str(s)) for m, s in steps], flows, chosen, sorted(sources))


def within_output(flows: list[SankeyFlow], output: dict[str, float]) -> list[SankeyFlow]:
    """One link's flows with no origin passing on more than its recorded `output` (t/year).

    The flows are worked back from what buyers make, so a producer can be asked for more than it
    made (stocks drawn, re-exports, sources that disagree): its flows are scaled down to its output
    and each buyer's remainder comes from :data:`UNASSIGNED`, so every buyer still gets what it uses.

    Examples
    --------
    >>> wanted = [SankeyFlow(0, 1, "AUS", "MYS", 20.0), SankeyFlow(0, 1, "AUS", "CHN", 10.0)]
    >>> [(f.origin, f.buyer, round(f.tonnes, 9)) for f in within_output(wanted, {"AUS": 27.0})]
    [('AUS', 'MYS', 18.0), ('AUS', 'CHN', 9.0), ('UNASSIGNED', 'CHN', 1.0), ('UNASSIGNED', 'MYS', 2.0)]
    """
    asked: dict[str, float] = {}
    for f in flows:
        asked[f.origin] = asked.get(f.origin, 0.0) + f.tonnes
    kept: list[SankeyFlow] = []
    short: dict[str, float] = {}
    for f in flows:
        made = max(float(output.get(f.origin, 0.0)), 0.0)
        fraction = min(1.0, made / asked[f.origin]) if asked[f.origin] > 0 else 0.0
        if fraction > 0:
            kept.append(SankeyFlow(f.upstream, f.downstream, f.origin, f.buyer, f.tonnes * fraction))
        if fraction < 1:
            short[f.buyer] = short.get(f.buyer, 0.0) + f.tonnes * (1 - fraction)
    first = flows[0] if flows else None
    gap = [
        SankeyFlow(first.upstream, first.downstream, UNASSIGNED, buyer, tonnes)
        for buyer, tonnes in sorted(short.items())
        if first is not None and tonnes > 0
    ]
    return kept + gap


def sankey_target(ds: xr.Dataset, material: str) -> tuple[str, str] | None:
    """The final step whose chain shows `material`: its own last stage when the chain table
    gives that stage an input, else the longest chain passing through one of its stages
    (rare-earth mining is drawn in the magnet chain, natural graphite in the anode chain).

    Examples
    --------
    >>> from critmin.data import load
    >>> ds = load()
    >>> sankey_target(ds, "cobalt"), sankey_target(ds, "rare_earths"), sankey_target(ds, "germanium")
    (('cobalt', 'refining'), ('ndfeb', 'magnet'), None)
    """
    if "chain" not in ds:
        return None

    def path(step: tuple[str, str]) -> list[tuple[str, str]]:
        try:
            return [(str(m), str(s)) for m, s in chain_path(ds["chain"], *step)]
        except (ValueError, KeyError):
            return []

    stages = vocab.stages_of(material)
    if stages and len(path((material, stages[-1]))) >= 2:
        return (material, stages[-1])
    passing = [
        (len(chain), target)
        for other in vocab.MATERIALS
        if other in ds.material.values and vocab.stages_of(other)
        for target in [(other, vocab.stages_of(other)[-1])]
        for chain in [path(target)]
        if len(chain) >= 2 and any(m == material for m, _ in chain)
    ]
    return max(passing)[1] if passing else None


def sankey_title(chart: Sankey) -> str:
    """What a chain Sankey shows, its year and its unit.

    Examples
    --------
    >>> sankey_title(Sankey([("cobalt", "mining"), ("cobalt", "refining")], [], 2024, []))
    'cobalt mining to cobalt refining, 2024: who supplies whom at each step (flows in t of the upstream product; \
the total under a step is what it passes on, not its world output)'
    """
    first, last = step_label(chart.steps[0]), step_label(chart.steps[-1])
    title = (
        f"{first} to {last}, {chart.year}: who supplies whom at each step (flows in t of the upstream product; "
        "the total under a step is what it passes on, not its world output)"
    )
    if any(f.origin == UNASSIGNED for f in chart.flows):
        title += (
            ". No country passes on more than its recorded output; what buyers use beyond it is drawn as "
            "'stock / unassigned'"
        )
    return title


def percent(value: float) -> str:
    """A share as a rounded percentage ('n/a' when unknown).

    Examples
    --------
    >>> percent(0.7105), percent(float("nan"))
    ('71%', 'n/a')
    """
    return "n/a" if value is None or pd.isna(value) else f"{value:.0%}"


def country_label(code: str) -> str:
    """Short display name of a country code ('other producers' for OTH)."""
    if code == "OTH":
        return "other producers"
    if code == "ROW":
        return "rest of world"
    if code == UNASSIGNED:
        return "stock / unassigned"
    short = {
        "EU27": "EU-27",
        "COD": "DR Congo",
        "KOR": "South Korea",
        "RUS": "Russia",
        "TWN": "Taiwan",
        "USA": "United States",
        "GBR": "United Kingdom",
        "IRN": "Iran",
        "LAO": "Laos",
        "BOL": "Bolivia",
    }
    if code in short:
        return short[code]
    try:
        name = vocab.country_name(code)
    except KeyError:
        return code
    return name.split(",")[0]


def step_label(step: tuple[str, str]) -> str:
    """Display label of a (material, stage), e.g. 'NdFeB magnet' or 'rare earths mining'."""
    material, stage = step
    return f"{material_label(material)} {stage.replace('_', ' ')}"
