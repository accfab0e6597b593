"""Each sector's minimum operating level: the dataset row ``min_operating_level_<sector>``, else the
``min_operating_level`` value (the ``_all`` row or the engine default).

A sector stops in a month when it can get less than this share of what it needs; automakers stop
sooner than chemical plants (the packaged rows: automotive 0.9, batteries and semiconductors 0.8).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from critmin.shock.parameters import PARAMETERS, Parameter, _dataset_value

SECTOR_LEVEL_ROW = "min_operating_level_"
"""Prefix of the dataset rows giving one sector's minimum operating level (``..._automotive``)."""


def sector_level_key(sector: str) -> str:
    """Key of a sector's minimum operating level in :attr:`Network.parameters`.

    Examples
    --------
    >>> sector_level_key("automotive")
    'min_operating_level[automotive]'
    """
    return f"min_operating_level[{sector}]"


def sector_levels(
    dataset: xr.Dataset | None, sectors: list[str], default: float, default_origin: str
) -> tuple[dict[str, float], dict[str, str]]:
    """Each sector's minimum operating level: the dataset row ``min_operating_level_<sector>``,
    else `default` (the ``min_operating_level`` value, i.e. the ``_all`` row or the default).

    Keys are :func:`sector_level_key` names; a scenario that sets ``min_operating_level``
    (fixed or uncertain) overrides every sector (see :mod:`critmin.shock.firms`).

    Examples
    --------
    >>> values, origin = sector_levels(None, ["automotive"], 0.5, "assumption")
    >>> values["min_operating_level[automotive]"], origin["min_operating_level[automotive]"]
    (0.5, 'assumption (the min_operating_level value)')
    """
    values: dict[str, float] = {}
    origin: dict[str, str] = {}
    base = PARAMETERS["min_operating_level"]
    for sector in sectors:
        spec = Parameter(base.name, default, base.low, base.high, base.unit, SECTOR_LEVEL_ROW + sector, "", "1")
        found = _dataset_value(dataset, spec)
        key = sector_level_key(sector)
        if found is None:
            values[key], origin[key] = default, f"{default_origin} (the min_operating_level value)"
        else:
            values[key], origin[key] = found
    return values, origin


def _dataset_bound(dataset: xr.Dataset, row: str, end: str, fallback: float) -> float:
    """The dataset's ``parameters_<end>`` of `row` for material ``all``, else `fallback`."""
    name = f"parameters_{end}"
    if name not in dataset.data_vars or row not in dataset[name].indexes.get("parameter", ()):
        return fallback
    values = dataset[name].sel(parameter=row)
    if "material" in values.dims:
        values = values.sel(material="all") if "all" in values["material"].values else values.max("material")
    value = float(values)
    return value if np.isfinite(value) else fallback


def _dataset_sectors(dataset: xr.Dataset | None) -> list[str]:
    if dataset is None or "parameters" not in dataset.data_vars:
        return []
    names = [str(n) for n in dataset["parameters"].indexes.get("parameter", ())]
    return sorted(
        n[len(SECTOR_LEVEL_ROW) :] for n in names if n.startswith(SECTOR_LEVEL_ROW) and n != SECTOR_LEVEL_ROW + "all"
    )
