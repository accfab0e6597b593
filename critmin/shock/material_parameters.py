"""Per-material values of some simulator parameters, where a source gives one.

:data:`MATERIAL_VALUES` holds them with ranges and sources; a dataset ``parameters`` row for the
parameter's ``dataset name`` and a material (not ``"all"``) wins over the table for that material
(:func:`resolve_material_values`). Export controls use them for ``leakage`` and ``transit_days``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

import numpy as np
import xarray as xr

from critmin.shock.parameters import PARAMETERS, Parameter


@dataclass(frozen=True)
class MaterialValue:
    """A parameter's value for one material where a source gives one (same units as PARAMETERS)."""

    value: float
    low: float
    high: float
    source: str


_GA_GE_LEAK = MaterialValue(
    0.0,
    0.0,
    0.05,
    "DOMAIN 4.2: China's Ga and Ge exports were zero in Aug 2023, the first month of licensing "
    "(https://rawmaterials.net/lengthy-licensing-procedures-china-did-not-export-gallium-and-germanium-in-august/)",
)
_GRAPHITE_LEAK = MaterialValue(
    0.088,
    0.0,
    0.234,
    "DOMAIN 4.2: graphite exports Dec 2023 3,973 t = 8.8% of Nov (45,000 t), 23.4% of normal "
    "(17,000 t), licences included (https://directorstalk.net/?p=861590)",
)
_AIR = MaterialValue(
    5.0,
    2.0,
    21.0,
    "assumption: gallium and germanium metal move in small high-value lots, mostly by air "
    "freight (days); sea freight (parameter default) is the upper end",
)

MATERIAL_VALUES: Final[Mapping[str, Mapping[str, MaterialValue]]] = MappingProxyType(
    {
        "leakage": MappingProxyType(
            {"gallium": _GA_GE_LEAK, "germanium": _GA_GE_LEAK, "graphite_natural": _GRAPHITE_LEAK}
            | {"graphite_anode": _GRAPHITE_LEAK}
        ),
        "transit_days": MappingProxyType({"gallium": _AIR, "germanium": _AIR}),
    }
)
"""Per-material values of some parameters (with dataset rows per material, see
:func:`resolve_material_values`); they replace the all-material value for that material unless
the scenario sets the parameter (in ``[parameters]`` or ``[uncertain]``) or the event does."""


def resolve_material_values(
    dataset: xr.Dataset | None,
) -> tuple[dict[str, dict[str, float]], dict[str, str]]:
    """Per-material values and their origin (keys ``"name@material"``).

    A dataset row of the parameter for a material (not ``"all"``), in the right unit, wins over
    :data:`MATERIAL_VALUES`; the ``"all"`` row stays the parameter's value for other materials.

    Examples
    --------
    >>> values, origin = resolve_material_values(None)
    >>> values["leakage"]["gallium"], origin["leakage@gallium"][:26]
    (0.0, 'material value: DOMAIN 4.2')
    """
    values: dict[str, dict[str, float]] = {}
    origin: dict[str, str] = {}
    for name, table in MATERIAL_VALUES.items():
        values[name] = {m: v.value for m, v in table.items()}
        origin.update({f"{name}@{m}": f"material value: {v.source}" for m, v in table.items()})
        for material, value, where in _material_rows(dataset, PARAMETERS[name]):
            values[name][material] = value
            origin[f"{name}@{material}"] = where
    return values, origin


def _material_rows(dataset: xr.Dataset | None, spec: Parameter) -> list[tuple[str, float, str]]:
    name = spec.dataset_name
    if dataset is None or not name or "parameters" not in dataset.data_vars:
        return []
    table = dataset["parameters"]
    if name not in table.indexes.get("parameter", ()) or "material" not in table.dims:
        return []
    row = table.sel(parameter=name)
    units = dataset["parameters_unit"].sel(parameter=name) if "parameters_unit" in dataset else None
    rows = []
    for material in (str(m) for m in row["material"].values if str(m) != "all"):
        value = float(row.sel(material=material))
        unit = str(units.sel(material=material).item()) if units is not None else spec.dataset_unit
        if np.isfinite(value) and (not spec.dataset_unit or unit == spec.dataset_unit):
            rows.append((material, spec.from_dataset(value), f"dataset parameter {name!r}, material {material!r}"))
    return rows
