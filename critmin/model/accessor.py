"""``ds.critmin``: where a number comes from, for any cell of a critmin dataset."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from critmin.model.schema import SCHEMA


@dataclass(frozen=True)
class Provenance:
    """One value and the source record behind it."""

    variable: str
    key: dict[str, str]
    value: float
    units: str
    source_id: str
    title: str
    publisher: str
    year: str
    url: str
    grade: str
    source_note: str
    note: str

    def __str__(self) -> str:
        key = ", ".join(f"{dim}={label}" for dim, label in self.key.items())
        lines = [
            f"{self.variable}[{key}] = {self.value:g} {self.units}",
            f"  source   {self.source_id} (grade {self.grade}): {self.title}. {self.publisher}, {self.year}.",
            f"  url      {self.url}",
        ]
        if self.note:
            lines.append(f"  note     {self.note}")
        if self.source_note:
            lines.append(f"  method   {self.source_note}")
        return "\n".join(lines)


@xr.register_dataset_accessor("critmin")
class CritminAccessor:
    """Provenance look-ups on a critmin dataset (``ds.critmin.source_of(...)``)."""

    def __init__(self, ds: xr.Dataset) -> None:
        self._ds = ds

    def source_of(self, variable: str, **labels: str | int) -> list[Provenance]:
        """Every known value of `variable` matching `labels`, each with its source record.

        Dims not named in `labels` are not filtered, so ``source_of("production",
        material="gallium", country="CHN")`` lists every stage and year.

        Examples
        --------
        >>> from critmin.data import load
        >>> ds = load("tests/data/mini")
        >>> [p.source_id for p in ds.critmin.source_of("production", material="rare_earths", country="USA")]
        ['usgs-test']
        """
        if variable not in SCHEMA or variable not in self._ds:
            known = ", ".join(name for name in SCHEMA if name in self._ds)
            raise KeyError(f"{variable!r} is not a variable of this dataset; use one of {known}")
        selection = self._select(variable, labels)
        values = selection[variable]
        found = []
        for index in zip(*np.nonzero(values.notnull().values), strict=True):
            point = {str(dim): values[dim].values[i] for dim, i in zip(values.dims, index, strict=True)}
            found.append(self._provenance(variable, selection, point))
        return found

    def _select(self, variable: str, labels: dict[str, str | int]) -> xr.Dataset:
        dims = SCHEMA[variable].dims
        unknown = sorted(set(labels) - set(dims))
        if unknown:
            raise KeyError(f"{variable} has no dim {', '.join(unknown)}; its dims are {', '.join(dims)}")
        names = [variable, f"{variable}_source", f"{variable}_note"]
        selection = self._ds[names]
        for dim, label in labels.items():
            wanted = int(label) if dim == "year" else str(label)
            if wanted not in selection[dim].values:
                raise KeyError(f"{dim}={label!r} has no value in {variable}")
            selection = selection.sel({dim: [wanted]})
        return selection

    def _provenance(self, variable: str, selection: xr.Dataset, point: dict[str, object]) -> Provenance:
        cell = selection.sel(point)
        source_id = str(cell[f"{variable}_source"].item())
        record = self._ds.sel(source=source_id)
        return Provenance(
            variable=variable,
            key={dim: str(label) for dim, label in point.items()},
            value=float(cell[variable].item()),
            units=str(self._ds[variable].attrs.get("units", "")),
            source_id=source_id,
            title=str(record.source_title.item()),
            publisher=str(record.source_publisher.item()),
            year=str(record.source_year.item()),
            url=str(record.source_url.item()),
            grade=str(record.source_grade.item()),
            source_note=str(record.source_note.item()),
            note=str(cell[f"{variable}_note"].item()),
        )
