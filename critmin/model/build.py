"""Validated long tables -> the labelled :class:`xarray.Dataset`, and back.

The Dataset holds one variable per numeric resource of :data:`~critmin.model.schema.SCHEMA`,
with its provenance beside it (``<name>_source`` and ``<name>_note``, both text on the same
dims), and the source records on a ``source`` dim (``source_title``, ``source_url``,
``source_grade`` ...). Labels are ordered as the vocabulary orders them (stages upstream first);
a key with no row is NaN: unknown, never zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from critmin import vocabulary as vocab
from critmin.model.schema import SCHEMA, SOURCE_COLUMNS

_ORDER: Mapping[str, tuple[str, ...]] = {
    "material": vocab.MATERIALS,
    "input_material": vocab.MATERIALS,
    "stage": vocab.STAGES,
    "input_stage": vocab.STAGES,
    "sector": tuple(vocab.SECTORS),
    "market": tuple(vocab.MARKETS),
}


def ordered_labels(dim: str, labels: Iterable[str]) -> list[str]:
    """Labels of `dim` in their documented order; countries A-Z with EU27 and ROW last.

    Examples
    --------
    >>> ordered_labels("stage", ["magnet", "mining", "metal"])
    ['mining', 'metal', 'magnet']
    >>> ordered_labels("country", ["ROW", "USA", "CHN", "EU27"])
    ['CHN', 'USA', 'EU27', 'ROW']
    """
    present = set(labels)
    if dim in _ORDER:
        known = [label for label in _ORDER[dim] if label in present]
        return known + sorted(present - set(known))
    aggregates = [label for label in vocab.AGGREGATES if label in present]
    return sorted(present - set(aggregates)) + aggregates


def _typed_keys(rows: pd.DataFrame, dims: tuple[str, ...]) -> pd.DataFrame:
    rows = rows.copy()
    if "year" in dims:
        rows["year"] = rows["year"].astype(int)
    return rows


def _text(array: xr.DataArray) -> xr.DataArray:
    """Text on many cells, stored as Python strings ('' where absent) so notes cost a pointer each."""
    return array.astype(object).fillna("")


def build_variable(rows: pd.DataFrame, name: str) -> xr.Dataset:
    """Validated long rows (one value per row) -> one variable with its provenance.

    Examples
    --------
    >>> rows = pd.DataFrame({"holder": ["JPN-JOGMEC"], "material": ["dysprosium"], "year": ["2024"],
    ...                      "holder_country": ["JPN"], "value": ["12.5"], "unit": ["t"],
    ...                      "source_id": ["est-jogmec"], "note": ["60 days x 76 t/yr"]})
    >>> ds = build_variable(rows, "stockpile")
    >>> float(ds.stockpile.sel(holder="JPN-JOGMEC", material="dysprosium", year=2024))
    12.5
    >>> ds.stockpile.attrs["units"], str(ds.stockpile_source.item())
    ('t', 'est-jogmec')
    """
    spec = SCHEMA[name]
    rows = _typed_keys(rows, spec.dims)
    if "note" not in rows:
        rows = rows.assign(note="")
    indexed = rows.set_index(list(spec.dims))
    coords = {
        dim: ordered_labels(dim, indexed.index.get_level_values(dim).astype(str)) for dim in spec.dims if dim != "year"
    }
    if "year" in spec.dims:
        coords["year"] = sorted(indexed.index.get_level_values("year").unique())
    values = indexed["value"].astype(float).to_xarray().reindex(coords)
    values.attrs = {"units": spec.units, "long_name": spec.description}
    out = {name: values}
    for column in ("source_id", "note"):
        text = indexed[column].astype(object).to_xarray().reindex(coords)
        out[f"{name}_{'source' if column == 'source_id' else column}"] = _text(text)
    for column in spec.extra:
        key_dims = [dim for dim in spec.dims if dim in ("holder",)] or list(spec.dims)
        extra = indexed[column].groupby(level=key_dims).first() if key_dims != list(spec.dims) else indexed[column]
        if column in ("low", "high"):
            out[f"{name}_{column}"] = pd.to_numeric(extra.replace("", np.nan)).to_xarray().reindex(coords)
        else:
            out[column] = _text(extra.to_xarray().reindex({d: coords[d] for d in key_dims}))
    if name == "parameters":
        out["parameters_unit"] = _text(indexed["unit"].to_xarray().reindex(coords))
        values.attrs["units"] = "see parameters_unit"
    return xr.Dataset(out)


def build_sources(rows: pd.DataFrame) -> xr.Dataset:
    """``sources.csv`` rows -> variables on the ``source`` dim."""
    indexed = rows.set_index("source_id").sort_index()
    fields = [column for column in SOURCE_COLUMNS if column != "source_id"]
    data = {
        f"source_{field}": ("source", indexed.get(field, pd.Series("", index=indexed.index)).astype(str).to_numpy())
        for field in fields
    }
    return xr.Dataset(data, coords={"source": indexed.index.to_numpy().astype(str)})


def build_dataset(tables: Mapping[str, pd.DataFrame], sources: pd.DataFrame, attrs: Mapping[str, str]) -> xr.Dataset:
    """All validated tables -> one Dataset (variables absent from `tables` are left out)."""
    parts = [build_variable(tables[name], name) for name in SCHEMA if name in tables]
    merged = xr.merge([*parts, build_sources(sources)], join="outer", compat="no_conflicts", combine_attrs="override")
    for name, variable in merged.data_vars.items():
        if variable.dtype.kind in "OUS":
            merged[name] = _text(variable)
    merged = merged.reindex(
        {
            dim: ordered_labels(str(dim), merged[dim].values.astype(str))
            for dim in merged.dims
            if dim not in ("year", "source")
        }
    )
    merged.attrs = dict(attrs)
    return merged


def variable_rows(ds: xr.Dataset, name: str) -> pd.DataFrame:
    """The long rows of one variable (the inverse of :func:`build_variable`), known values only."""
    spec = SCHEMA[name]
    columns = [name, f"{name}_source", f"{name}_note"]
    extra_vars = [f"{name}_{column}" if column in ("low", "high") else column for column in spec.extra]
    if name == "parameters":
        columns.append("parameters_unit")
    frame = ds[columns + [v for v in extra_vars if v not in columns]].to_dataframe().reset_index()
    frame = frame[frame[name].notna()]
    out = frame[list(spec.dims)].astype(str)
    out["value"] = frame[name].map(repr_number)
    out["unit"] = frame["parameters_unit"] if name == "parameters" else spec.units
    out["source_id"] = frame[f"{name}_source"]
    for column, var in zip(spec.extra, extra_vars, strict=True):
        out[column] = frame[var].map(repr_number) if column in ("low", "high") else frame[var]
    out["note"] = frame[f"{name}_note"]
    leading = [c for c in out.columns if c not in ("value", "unit", "source_id", "note", "low", "high")]
    tail = ["value"] + [c for c in ("low", "high") if c in spec.extra] + ["unit", "source_id", "note"]
    return out[leading + tail].reset_index(drop=True)


def repr_number(value: float) -> str:
    """Shortest text that reads back as the same float; '' for NaN.

    Examples
    --------
    >>> repr_number(1300.0), repr_number(0.1), repr_number(float("nan"))
    ('1300', '0.1', '')
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    number = float(value)
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)


def with_holders(ds: xr.Dataset, holders: Sequence[tuple[str, str]]) -> xr.Dataset:
    """`ds` with extra stockpile holders ``(id, country)`` holding nothing yet.

    Examples
    --------
    >>> ds = xr.Dataset({"holder_country": ("holder", ["JPN"])}, coords={"holder": ["JPN-JOGMEC"]})
    >>> with_holders(ds, [("ALLIANCE-USA", "USA")]).holder_country.values.tolist()
    ['JPN', 'USA']
    """
    names = [h for h, _ in holders if h not in ds["holder"].values]
    if not names:
        return ds
    out = ds.reindex(holder=[*map(str, ds["holder"].values), *names])
    country = out["holder_country"].astype(object)
    for holder, code in holders:
        country.loc[{"holder": holder}] = code
    return out.assign(holder_country=country.astype(str))
