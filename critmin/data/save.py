"""Write a labelled dataset back as a data package (CSVs + datapackage.json), atomically."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import xarray as xr

from critmin.model.build import variable_rows
from critmin.model.schema import SCHEMA, SOURCE_COLUMNS, SOURCES_FILE


def _field_type(column: str) -> str:
    if column == "year":
        return "integer"
    if column in ("value", "low", "high"):
        return "number"
    return "string"


def _resource(name: str, file: str, columns: list[str], key: list[str]) -> dict[str, object]:
    fields = [{"name": column, "type": _field_type(column)} for column in columns]
    return {
        "name": name,
        "path": file,
        "format": "csv",
        "encoding": "utf-8",
        "schema": {"fields": fields, "primaryKey": key},
    }


def save(ds: xr.Dataset, folder: str | Path) -> Path:
    """Write `ds` as a data package in `folder`, replacing it only once everything is written.

    The package reads back with ``critmin.data.load(folder)`` to the same dataset; it declares
    ``"critmin": {"mode": "replace"}`` because it is complete.
    """
    target = Path(folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        resources = []
        sources = ds[[f"source_{c}" for c in SOURCE_COLUMNS if c != "source_id"]].to_dataframe().reset_index()
        sources.columns = [c.removeprefix("source_") if c != "source" else "source_id" for c in sources.columns]
        sources[list(SOURCE_COLUMNS)].to_csv(staging / SOURCES_FILE, index=False)
        resources.append(_resource("sources", SOURCES_FILE, list(SOURCE_COLUMNS), ["source_id"]))
        for name, spec in SCHEMA.items():
            if name not in ds:
                continue
            rows = variable_rows(ds, name)
            rows.to_csv(staging / spec.file, index=False)
            resources.append(_resource(name, spec.file, list(rows.columns), list(spec.dims)))
        descriptor = {
            "name": ds.attrs.get("name", "critmin-dataset"),
            "version": ds.attrs.get("version", ""),
            "critmin": {"mode": "replace"},
            "resources": resources,
        }
        (staging / "datapackage.json").write_text(json.dumps(descriptor, indent=2) + "\n", encoding="utf-8")
        if target.exists():
            backup = target.with_name(f".{target.name}.old")
            os.replace(target, backup)
            os.replace(staging, target)
            shutil.rmtree(backup)
        else:
            os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
