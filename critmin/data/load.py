"""Load the packaged default dataset, optionally overridden or replaced by the user's own.

A data package is a folder of CSVs (file names as in :data:`~critmin.model.schema.SCHEMA`,
plus ``sources.csv``), usually with a Frictionless ``datapackage.json``. A user's package is by
default a *partial override*: each of its rows replaces the default row with the same key, and
rows it does not mention keep their default value (a ministry's own stockpile tonnages, say).
With ``"critmin": {"mode": "replace"}`` in its ``datapackage.json`` it replaces the default
dataset entirely. Every problem in every file is reported at once, and nothing is loaded if
there is any.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import pandas as pd
import xarray as xr

from critmin.data.read import ROW_COLUMN, read_table
from critmin.data.validate import check_overlap_with_base, validate_sources, validate_variable
from critmin.documents import read_json
from critmin.errors import DataError, Issue
from critmin.model.build import build_dataset
from critmin.model.schema import SCHEMA, SOURCES_FILE

MODES = ("override", "replace")
RECORD_FILES = frozenset(
    {
        "alternatives.csv",
        "projects.csv",
        "export_controls.csv",
        "price_observations.csv",
        "trade_observations.csv",
        "world_totals.csv",
        "response_stockpiles.csv",
        "response_projects.csv",
        "response_instruments.csv",
        "response_research.csv",
    }
)
"""Further files a package may carry; read by the capabilities that use them."""
TABLE_SUFFIXES = frozenset({".csv", ".tsv", ".xlsx", ".xls", ".xlsm", ".ods", ".parquet"})
"""Suffixes (any case) of files that look like data: each must be a CSV critmin reads, or an error."""
CRITMIN_KEYS = frozenset({"mode"})


def packaged_path() -> Path:
    """Folder of the packaged default data package."""
    return Path(str(files("critmin.data") / "packaged"))


@dataclass
class Package:
    """The raw text tables of one data package, before validation."""

    root: Path
    label: str
    mode: str = "override"
    attrs: dict[str, str] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    sources: pd.DataFrame | None = None
    issues: list[Issue] = field(default_factory=list)


def _file_label(package: Package, name: str) -> str:
    return name if package.label == "" else str(Path(package.label) / name)


def _read_descriptor(root: Path, label: str) -> tuple[dict[str, object], list[Issue]]:
    descriptor = root / "datapackage.json"
    if not descriptor.is_file():
        return {}, []
    shown = str(Path(label) / "datapackage.json") if label else "datapackage.json"
    try:
        content, issues = read_json(descriptor.read_text(encoding="utf-8"), shown)
    except UnicodeDecodeError as error:
        return {}, [Issue(shown, 0, "(file)", f"is not UTF-8 text ({error.reason})", "save the file as UTF-8")]
    if issues:
        return {}, issues
    if not isinstance(content, dict):
        return {}, [Issue(shown, 0, "(file)", "is not a JSON object", "write a Frictionless data package descriptor")]
    meta = content.get("critmin", {})
    if not isinstance(meta, dict):
        return {}, [Issue(shown, 0, "critmin", f"{meta!r} is not an object", 'write "critmin": {"mode": "replace"}')]
    issues = [
        Issue(shown, 0, f"critmin.{key}", "unknown key", 'the only key is "mode": write "critmin": {"mode": "replace"}')
        for key in meta
        if key not in CRITMIN_KEYS
    ]
    mode = meta.get("mode", "override")
    if not isinstance(mode, str) or mode not in MODES:
        issues.append(Issue(shown, 0, "critmin.mode", f"{mode!r} is not a mode", "use 'override' or 'replace'"))
    return ({} if issues else content), issues


def _unread_files(root: Path, label: str, names: set[str]) -> list[Issue]:
    """Data-like files critmin would otherwise skip without a word (``production.CSV``, ``.xlsx``)."""
    if not label:
        return []
    issues = []
    for path in sorted(p for p in root.iterdir() if p.is_file() and p.suffix.lower() in TABLE_SUFFIXES):
        if path.suffix == ".csv" or path.name == "datapackage.json":
            continue
        wanted = next((n for n in sorted(names) if n.lower() == path.name.lower()), None)
        fix = (
            f"rename it to {wanted}"
            if wanted
            else "save it as CSV UTF-8 with one of the data model's file names, or move it out of the folder"
        )
        issues.append(Issue(str(Path(label) / path.name), 0, "(file name)", "critmin does not read this file", fix))
    return issues


def read_package(path: Path, label: str) -> Package:
    """Read every table of the package at `path` (a folder or its datapackage.json)."""
    root = path.parent if path.name == "datapackage.json" else path
    package = Package(root=root, label=label)
    if not root.is_dir():
        package.issues.append(
            Issue(
                label or str(root),
                0,
                "(path)",
                "is not a folder or datapackage.json",
                "give the folder of the data package",
            )
        )
        return package
    descriptor, package.issues = _read_descriptor(root, label)
    critmin_meta = descriptor.get("critmin")
    package.mode = critmin_meta.get("mode", "override") if isinstance(critmin_meta, dict) else "override"
    package.attrs = {key: str(descriptor[key]) for key in ("name", "version", "title") if key in descriptor}
    known = {spec.file: name for name, spec in SCHEMA.items()} | {SOURCES_FILE: "sources"}
    package.issues += _unread_files(root, label, set(known) | RECORD_FILES)
    for csv_path in sorted(root.glob("*.csv")):
        name = known.get(csv_path.name)
        if name is None:
            if label and csv_path.name not in RECORD_FILES:
                choices = ", ".join(sorted(known))
                package.issues.append(
                    Issue(
                        _file_label(package, csv_path.name),
                        0,
                        "(file name)",
                        "is not a file of the critmin data model",
                        f"rename it to one of {choices}",
                    )
                )
            continue
        table, issues = read_table(csv_path, _file_label(package, csv_path.name))
        package.issues += issues
        if table is not None and name == "sources":
            package.sources = table
        elif table is not None:
            package.tables[name] = table
    return package


def _overlaps(default: Package, user: Package) -> list[Issue]:
    """EU27 beside a member state once the override's rows join the packaged ones (valid files only)."""
    issues: list[Issue] = []
    for name, table in user.tables.items():
        file = _file_label(user, SCHEMA[name].file)
        base = default.tables.get(name)
        if base is not None and not any(issue.file == file for issue in user.issues):
            issues += check_overlap_with_base(table, base, file, SCHEMA[name].dims)
    return issues


def _validate(package: Package, source_ids: set[str]) -> list[Issue]:
    issues: list[Issue] = []
    if package.sources is not None:
        issues += validate_sources(package.sources, _file_label(package, SOURCES_FILE))
    for name, table in package.tables.items():
        issues += validate_variable(name, table, _file_label(package, SCHEMA[name].file), source_ids)
    return issues


def _source_ids(*packages: Package) -> set[str]:
    return {sid for package in packages if package.sources is not None for sid in package.sources.get("source_id", [])}


def _override(default: pd.DataFrame | None, user: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """Rows of `user` replace rows of `default` with the same key."""
    if default is None:
        return user
    kept = default.merge(user[key].drop_duplicates(), on=key, how="left", indicator=True)
    kept = kept[kept["_merge"] == "left_only"].drop(columns="_merge")
    return pd.concat([kept, user], ignore_index=True)


def _combine(default: Package, user: Package) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    if user.mode == "replace":
        return user.tables, user.sources if user.sources is not None else pd.DataFrame()
    tables = dict(default.tables)
    for name, table in user.tables.items():
        tables[name] = _override(default.tables.get(name), table, list(SCHEMA[name].dims))
    sources = default.sources if user.sources is None else _override(default.sources, user.sources, ["source_id"])
    assert sources is not None
    return tables, sources


def _clean(tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {name: table.drop(columns=[ROW_COLUMN], errors="ignore") for name, table in tables.items()}


@lru_cache(maxsize=1)
def _default_package() -> Package:
    package = read_package(packaged_path(), "")
    package.issues += _validate(package, _source_ids(package))
    return package


def load(path: str | Path | None = None) -> xr.Dataset:
    """The labelled dataset: the packaged default, overridden or replaced by the package at `path`.

    Raises
    ------
    DataError
        Listing every problem in every file (file, row, field, problem, fix); nothing is loaded.

    Examples
    --------
    >>> ds = load()
    >>> ds.production.attrs["units"]
    't/year'
    >>> sorted(set(ds.source_grade.values) - {"V", "T", "S", "E"})
    []
    """
    default = _default_package()
    if default.issues:
        raise DataError(default.issues)
    if path is None:
        tables, sources = default.tables, default.sources
        attrs = dict(default.attrs)
    else:
        user = read_package(Path(path), str(path))
        known = _source_ids(user) if user.mode == "replace" else _source_ids(default, user)
        if any(issue.file == _file_label(user, SOURCES_FILE) for issue in user.issues):
            # sources.csv could not be read: every id would look unknown, so that check waits
            known |= {sid for table in user.tables.values() for sid in table.get("source_id", [])}
        user.issues += _validate(user, known)
        if user.mode == "override":
            user.issues += _overlaps(default, user)
        if user.mode == "replace" and user.sources is None and not user.issues:
            user.issues.append(
                Issue(str(path), 0, SOURCES_FILE, "a replacing package has no sources.csv", "add sources.csv")
            )
        if user.issues:
            raise DataError(user.issues)
        tables, sources = _combine(default, user)
        attrs = dict(default.attrs) | {"user_data": str(path), "user_mode": user.mode}
    assert sources is not None
    return build_dataset(_clean(tables), sources.drop(columns=[ROW_COLUMN], errors="ignore"), attrs)
