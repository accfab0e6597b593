r"""Tier-by-tier dependence: who a country relies on at every stage upstream of its supply.

Direct import shares hide upstream control: a magnet made in Japan from Chinese oxide counts as
Japanese at the magnet stage, yet a cut in Chinese oxide stops it (DOMAIN §3.5).

Sourcing matrices
-----------------
For one material and stage, ``M[a, c]`` (dims ``importer`` = a, ``exporter`` = c) is the share
of country a's supply at that stage made in country c. a's supply is its domestic supply plus
its imports; domestic supply is production minus exports, floored at 0, and counts as c = a.
Rows sum to 1. A chain of stages is a list of matrices, upstream first; the matrix of stage s
is combined with the rows of stage s - 1 for the country that made the stage-s product, i.e.
country c's stage-s output is assumed to use c's stage-(s - 1) *supply*.

Assumptions
-----------
* Proportional mixing: a producer's inputs are fungible across all its outputs, domestic or
  exported, so every tonne it ships carries the same mix of upstream origins.
* Unknown sourcing: a country with no recorded imports at a stage (no trade value with it as
  importer) is assumed to source like the world market, in proportion to world production
  shares at that stage. Its row is flagged by the boolean coord ``assumed``.
* Reading of tables: a production table lists producers, so a country without a production
  value produces nothing at that stage; a trade table lists flows, so within an importer that
  has at least one recorded flow, an unrecorded exporter shipped nothing to it. Self-trade is
  ignored. Exports beyond production (re-exports) leave a domestic supply of 0.

Indicators
----------
With ``O_0 = M_0`` and ``F_0[a] = Σ_{c≠k} M_0[a, c]``::

    origin tracing     O_s[a, k] = Σ_c M_s[a, c] · O_{s-1}[c, k]             (matrix product)
    any-stage exposure F_s[a]    = Σ_{c≠k} M_s[a, c] · F_{s-1}[c],   E_s[a, k] = 1 - F_s[a]
    direct dependence  D[a, k]   = M_S[a, k]                          (last stage S)
    hidden exposure    H[a, k]   = E_S[a, k] - D[a, k]  >= 0

``O`` is the share of a's final supply whose upstream-most content came from k; ``E`` is the
share of it that passes through k at *any* stage (so ``E >= O`` and ``E >= D``). A row of
stage s - 1 that is unknown (NaN) makes a result unknown only where it carries positive weight.
Note that ``E >= max_s M_s[a, k]`` holds only when a makes each stage from its own supply of
the previous one; a country that imports finished goods need not use its own upstream supply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from .concentration import _require_dim, _require_non_negative

__all__ = [
    "EXPORTER",
    "IMPORTER",
    "ORIGIN",
    "chain_path",
    "direct_dependence",
    "exposure_any_stage",
    "sourcing_matrix",
    "ultimate_dependence",
]

IMPORTER = "importer"
EXPORTER = "exporter"
ORIGIN = "origin"
Step = tuple[str, str]
"""One (material, stage) of a supply chain."""


def _labels(*indexes: Sequence[str] | pd.Index) -> pd.Index:
    """Union of label sets, sorted, as one index."""
    union = pd.Index([], dtype=object)
    for index in indexes:
        union = union.union(pd.Index(index, dtype=object))
    return union


def sourcing_matrix(
    production: xr.DataArray,
    trade: xr.DataArray,
    *,
    country: str = "country",
    exporter: str = EXPORTER,
    importer: str = IMPORTER,
    countries: Sequence[str] | None = None,
) -> xr.DataArray:
    """Share of each importer's supply at one stage made in each country (rows sum to 1).

    Parameters
    ----------
    production : xarray.DataArray
        Output of one material and stage along `country` (t/year); other dims (e.g. year)
        broadcast. A country without a value is read as producing nothing.
    trade : xarray.DataArray
        Shipments of that stage's product along `exporter` and `importer` (t/year).
    country, exporter, importer : str
        Names of those dims in the inputs.
    countries : sequence of str, optional
        Further labels to include, so matrices of several stages share one set of countries.

    Returns
    -------
    xarray.DataArray
        ``M`` with dims (importer, exporter, ...) over the union of all labels, and a boolean
        coord ``assumed`` on importer: True where the country had no recorded imports and its
        row is the world production shares (see the module docstring). NaN rows where a
        country's supply is 0, or where world production is unknown for an assumed row.

    Examples
    --------
    >>> import xarray as xr
    >>> prod = xr.DataArray([100.0, 20.0], dims="country", coords={"country": ["CHN", "AUS"]})
    >>> trade = xr.DataArray([[0.0, 30.0], [0.0, 10.0]], dims=("exporter", "importer"),
    ...                      coords={"exporter": ["CHN", "AUS"], "importer": ["AUS", "JPN"]})
    >>> m = sourcing_matrix(prod, trade)
    >>> m.sel(importer="JPN").round(3).values.tolist()   # exporters AUS, CHN, JPN
    [0.25, 0.75, 0.0]
    >>> m.sel(importer="CHN").round(3).values.tolist(), bool(m.assumed.sel(importer="CHN"))
    ([0.167, 0.833, 0.0], True)
    """
    _require_dim(production, country, "sourcing_matrix")
    for dim in (exporter, importer):
        _require_dim(trade, dim, "sourcing_matrix")
    _require_non_negative(production, "sourcing_matrix", what="production")
    _require_non_negative(trade, "sourcing_matrix", what="trade")
    labels = _labels(production[country].values, trade[exporter].values, trade[importer].values, countries or [])
    made = production.reset_coords(drop=True).rename({country: EXPORTER}).reindex({EXPORTER: labels}).fillna(0.0)
    flows = trade.reset_coords(drop=True).rename({exporter: EXPORTER, importer: IMPORTER})
    flows = flows.reindex({EXPORTER: labels, IMPORTER: labels})
    own = flows[EXPORTER] == flows[IMPORTER]
    flows = flows.where(~own)
    recorded = flows.notnull().any(EXPORTER)
    flows = flows.fillna(0.0)
    domestic = (made - flows.sum(IMPORTER)).clip(min=0.0)
    supply = flows + domestic.where(own, 0.0)
    total = supply.sum(EXPORTER)
    measured = supply / total.where(total > 0)
    world_total = made.sum(EXPORTER)
    world = made / world_total.where(world_total > 0)
    matrix = xr.where(recorded, measured, world).transpose(IMPORTER, EXPORTER, ...)
    matrix = matrix.assign_coords(assumed=~recorded)
    return matrix.assign_attrs(units="1", long_name="share of importer's supply made in exporter")


def _check_matrix(matrix: xr.DataArray, func: str) -> xr.DataArray:
    """Validate a sourcing matrix and return it with only its index coords."""
    for dim in (IMPORTER, EXPORTER):
        _require_dim(matrix, dim, func)
    if bool(((matrix < -1e-9) | (matrix > 1 + 1e-9)).any()):
        raise ValueError(f"{func}: sourcing shares must lie in [0, 1]")
    rows = matrix.sum(EXPORTER, skipna=False)
    if bool((np.abs(rows - 1.0) > 1e-6).any()):
        bad = rows.where(np.abs(rows - 1.0) > 1e-6, drop=True)
        raise ValueError(
            f"{func}: each importer's shares must sum to 1; "
            f"{IMPORTER} {bad[IMPORTER].values.tolist()} "
            f"sum to {np.round(bad.values, 6).ravel().tolist()}"
        )
    return matrix.reset_coords(drop=True)


def _propagate(matrix: xr.DataArray, previous: xr.DataArray) -> xr.DataArray:
    """``Σ_c matrix[a, c] · previous[c, ...]``; unknown rows count only where weighted."""
    upstream = previous.rename({IMPORTER: EXPORTER}).reindex({EXPORTER: matrix[EXPORTER]})
    unknown_weight = xr.dot(matrix, upstream.isnull().astype(float), dim=EXPORTER)
    combined = xr.dot(matrix, upstream.fillna(0.0), dim=EXPORTER)
    return combined.where(unknown_weight == 0)


def direct_dependence(matrix: xr.DataArray) -> xr.DataArray:
    """Shares of the last shipper: ``D[a, k] = M[a, k]``, with ``exporter`` renamed ``origin``.

    Parameters
    ----------
    matrix : xarray.DataArray
        Sourcing matrix of the final stage, dims (importer, exporter), rows summing to 1.

    Returns
    -------
    xarray.DataArray
        Dims (importer, origin, ...), comparable with :func:`ultimate_dependence`.

    Examples
    --------
    >>> import xarray as xr
    >>> m = xr.DataArray([[1.0, 0.0], [0.5, 0.5]], dims=("importer", "exporter"),
    ...                  coords={"importer": ["CHN", "JPN"], "exporter": ["CHN", "JPN"]})
    >>> float(direct_dependence(m).sel(importer="JPN", origin="CHN"))
    0.5
    """
    direct = _check_matrix(matrix, "direct_dependence").rename({EXPORTER: ORIGIN})
    return direct.assign_attrs(units="1", long_name="share of supply shipped by origin (last stage)")


def ultimate_dependence(matrices: Sequence[xr.DataArray]) -> xr.DataArray:
    """Share of each importer's final supply whose upstream-most content came from each origin.

    Parameters
    ----------
    matrices : sequence of xarray.DataArray
        Sourcing matrices (importer, exporter), upstream stage first.

    Returns
    -------
    xarray.DataArray
        ``O[a, k]`` with dims (importer, origin, ...); rows sum to 1 where known.

    Examples
    --------
    DOMAIN's illustrative chain: Japan's oxide 60 % Chinese, its metal 80 % Chinese, its
    magnets all Japanese.

    >>> import xarray as xr
    >>> c = ["CHN", "JPN", "MYS"]
    >>> def m(rows):
    ...     return xr.DataArray(rows, dims=("importer", "exporter"),
    ...                         coords={"importer": c, "exporter": c})
    >>> oxide = m([[1, 0, 0], [0.6, 0, 0.4], [0, 0, 1]])
    >>> metal = m([[1, 0, 0], [0.8, 0.2, 0], [0, 0, 1]])
    >>> magnet = m([[1, 0, 0], [0, 1, 0], [0, 0, 1]])
    >>> ultimate_dependence([oxide, metal, magnet]).sel(importer="JPN").round(4).values.tolist()
    [0.92, 0.0, 0.08]
    """
    if not matrices:
        raise ValueError("ultimate_dependence needs at least one sourcing matrix")
    checked = [_check_matrix(m, "ultimate_dependence") for m in matrices]
    origin = checked[0].rename({EXPORTER: ORIGIN})
    for matrix in checked[1:]:
        origin = _propagate(matrix, origin)
    return origin.assign_attrs(units="1", long_name="share of supply by upstream-most origin")


def exposure_any_stage(matrices: Sequence[xr.DataArray], k: str | Sequence[str] | None = None) -> xr.DataArray:
    """Share of each importer's final-stage supply that passes through `k` at any stage.

    Parameters
    ----------
    matrices : sequence of xarray.DataArray
        Sourcing matrices (importer, exporter), upstream stage first.
    k : str or sequence of str, optional
        Origin country or countries; default every exporter label of any stage.

    Returns
    -------
    xarray.DataArray
        ``E[a, k] = 1 - F[a, k]`` with dims (importer, origin, ...), or (importer, ...) for one
        label `k`. Hidden exposure is this minus :func:`direct_dependence` of the last matrix.

    Examples
    --------
    >>> import xarray as xr
    >>> c = ["CHN", "JPN", "MYS"]
    >>> def m(rows):
    ...     return xr.DataArray(rows, dims=("importer", "exporter"),
    ...                         coords={"importer": c, "exporter": c})
    >>> chain = [m([[1, 0, 0], [0.6, 0, 0.4], [0, 0, 1]]), m([[1, 0, 0], [0.8, 0.2, 0], [0, 0, 1]]),
    ...          m([[1, 0, 0], [0, 1, 0], [0, 0, 1]])]
    >>> round(float(exposure_any_stage(chain, "CHN").sel(importer="JPN")), 6)   # 1 - 1*0.2*0.4
    0.92
    """
    if not matrices:
        raise ValueError("exposure_any_stage needs at least one sourcing matrix")
    checked = [_check_matrix(m, "exposure_any_stage") for m in matrices]
    every = _labels(*(m[EXPORTER].values for m in checked))
    wanted = every if k is None else pd.Index([k] if isinstance(k, str) else list(k), dtype=object)
    origins = xr.DataArray(wanted, dims=ORIGIN, coords={ORIGIN: wanted})
    avoiding = [m.where(m[EXPORTER] != origins, 0.0) for m in checked]
    free = avoiding[0].sum(EXPORTER, skipna=False)
    for matrix in avoiding[1:]:
        free = _propagate(matrix, free)
    exposure = (1.0 - free).transpose(IMPORTER, ORIGIN, ...)
    if isinstance(k, str):
        exposure = exposure.sel({ORIGIN: k}, drop=True)
    return exposure.assign_attrs(units="1", long_name="share of supply passing through origin at any stage")


def _chain_frame(chain_links: pd.DataFrame | xr.Dataset | xr.DataArray) -> pd.DataFrame:
    """Chain links as rows material, stage, input_material, input_stage, value (known only)."""
    keys = ["material", "stage", "input_material", "input_stage"]
    if isinstance(chain_links, xr.Dataset):
        chain_links = chain_links["chain"]
    if isinstance(chain_links, xr.DataArray):
        frame = chain_links.reset_coords(drop=True).to_series().rename("value").reset_index()
    else:
        value = "value" if "value" in chain_links.columns else "input_per_output"
        frame = chain_links.rename(columns={value: "value"})
    missing = [c for c in [*keys, "value"] if c not in frame.columns]
    if missing:
        raise ValueError(f"chain_path: chain table lacks column(s) {', '.join(missing)}")
    return frame.loc[frame["value"].notna(), [*keys, "value"]]


def chain_path(
    chain_links: pd.DataFrame | xr.Dataset | xr.DataArray,
    material: str,
    stage: str,
    *,
    via: Mapping[Step, Step] | None = None,
) -> list[Step]:
    """Supply chain of (`material`, `stage`), upstream first, following each step's main input.

    Parameters
    ----------
    chain_links : pandas.DataFrame, xarray.Dataset or xarray.DataArray
        Input links ``material, stage, input_material, input_stage`` with tonnes of input per
        tonne of output (column ``value`` or ``input_per_output``; or the variable ``chain``).
    material, stage : str
        The step whose chain is wanted.
    via : mapping of (material, stage) to (material, stage), optional
        Inputs to follow instead of the main one at given steps, e.g.
        ``{("ndfeb", "alloy"): ("dysprosium", "metal")}``; each must be a link of the table.

    Returns
    -------
    list of (material, stage)
        From the first stage (one with no input link) to (`material`, `stage`). The main input
        of a step is the one with the largest tonnes per tonne of output; ties go to the first
        (input_material, input_stage) in alphabetical order.

    Examples
    --------
    >>> import pandas as pd
    >>> links = pd.DataFrame(
    ...     [("ndfeb", "magnet", "ndfeb", "alloy", 1.05), ("ndfeb", "alloy", "ndpr", "metal", 0.30),
    ...      ("ndfeb", "alloy", "dysprosium", "metal", 0.01),
    ...      ("ndpr", "metal", "ndpr", "separation", 1.2)],
    ...     columns=["material", "stage", "input_material", "input_stage", "value"])
    >>> chain_path(links, "ndfeb", "magnet")
    [('ndpr', 'separation'), ('ndpr', 'metal'), ('ndfeb', 'alloy'), ('ndfeb', 'magnet')]
    """
    links = _chain_frame(chain_links)
    chosen_inputs = dict(via or {})
    path: list[Step] = [(material, stage)]
    while True:
        here = path[-1]
        inputs = links[(links["material"] == here[0]) & (links["stage"] == here[1])]
        if inputs.empty:
            break
        options = list(zip(inputs["input_material"], inputs["input_stage"], strict=True))
        if here in chosen_inputs:
            step = tuple(chosen_inputs[here])
            if step not in options:
                raise ValueError(f"chain_path: {step} is not an input of {here}; its inputs are {options}")
        else:
            ranked = inputs.sort_values(["value", "input_material", "input_stage"], ascending=[False, True, True])
            step = (ranked["input_material"].iloc[0], ranked["input_stage"].iloc[0])
        if step in path:
            raise ValueError(f"chain_path: the chain table has a cycle through {step}")
        path.append((str(step[0]), str(step[1])))
    return path[::-1]
