"""Every table and variable of the critmin data model: its dims, unit and meaning, in one place.

A *resource* is one CSV file of the data package, in long form: the key columns, then ``value``,
``unit``, ``source_id`` and an optional ``note``. Each numeric resource becomes one variable of
the labelled :class:`xarray.Dataset`, with the same name, its key columns as dims, its unit in
``attrs["units"]`` and its provenance in a companion variable ``<name>_source``.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final


@dataclass(frozen=True)
class VariableSpec:
    """One numeric resource of the data package and the variable it becomes.

    Attributes
    ----------
    file : str
        CSV file name inside the data package.
    dims : tuple of str
        Key columns, in the order of the variable's dims; one row per key.
    units : str
        The pint unit every row's ``unit`` column must carry.
    description : str
        What one value means.
    bounds : tuple of (float or None, float or None)
        Inclusive lower and upper bound of ``value``; None leaves that side open.
    extra : tuple of str
        Further required text columns (not dims), e.g. the country of a stockpile holder.
    wildcard : tuple of str
        Dims that may also hold ``"all"``: the value applies to every label of that dim.
    """

    file: str
    dims: tuple[str, ...]
    units: str
    description: str
    bounds: tuple[float | None, float | None] = (0.0, None)
    extra: tuple[str, ...] = ()
    wildcard: tuple[str, ...] = ()


VALUE_COLUMNS: Final[tuple[str, ...]] = ("value", "unit", "source_id")
"""Columns every numeric resource has after its key columns (``note`` is optional)."""

SCHEMA: Final = MappingProxyType(
    {
        "production": VariableSpec(
            "production.csv",
            ("material", "stage", "country", "year"),
            "t/year",
            "output of a stage in a country, on the stage's basis",
        ),
        "capacity": VariableSpec(
            "capacity.csv",
            ("material", "stage", "country", "year"),
            "t/year",
            "nameplate or effective capacity of a stage in a country",
        ),
        "reserves": VariableSpec(
            "reserves.csv",
            ("material", "country", "year"),
            "t",
            "economic reserves in the ground at the end of the year (USGS definition), on the basis of the "
            "material's mining stage",
        ),
        "trade": VariableSpec(
            "trade.csv",
            ("material", "stage", "exporter", "importer", "year"),
            "t/year",
            "shipments of a stage's product from exporter to importer",
        ),
        "import_value": VariableSpec(
            "import_value.csv",
            ("material", "stage", "exporter", "importer", "year"),
            "USD/year",
            "value of an importer's imports from an exporter under the HS code that measures a stage "
            "(CEPII BACI, FOB-type reconciled value); the note names the code and how much of the stage it covers",
        ),
        "demand": VariableSpec(
            "demand.csv",
            ("material", "region", "sector", "year"),
            "t/year",
            "final use of a material (on its last stage's basis) by a sector in a region: use outside the "
            "supply chain that `chain` describes, so demand + chain feed = output",
        ),
        "inventory_cover": VariableSpec(
            "inventory_cover.csv",
            ("material", "region", "sector"),
            "day",
            "users' working inventory, in days of their own use",
        ),
        "stockpile": VariableSpec(
            "stockpile.csv",
            ("holder", "material", "year"),
            "t",
            "strategic stockpile held by a public holder at the end of the year",
            extra=("holder_country",),
        ),
        "price": VariableSpec(
            "price.csv",
            ("material", "stage", "market", "year"),
            "USD/kg",
            "annual average price of a stage's product in a market",
        ),
        "chain": VariableSpec(
            "chain.csv",
            ("material", "stage", "input_material", "input_stage"),
            "t/t",
            "tonnes of input (on its basis) per tonne of output (on its basis)",
        ),
        "parameters": VariableSpec(
            "parameter.csv",
            ("parameter", "material"),
            "",
            "a behavioural or policy parameter; its unit is given per row",
            bounds=(None, None),
            extra=("low", "high"),
            wildcard=("material",),
        ),
    }
)
"""Numeric resources of the data package, by variable name."""

SOURCES_FILE: Final = "sources.csv"
SOURCE_COLUMNS: Final[tuple[str, ...]] = (
    "source_id",
    "title",
    "publisher",
    "year",
    "url",
    "grade",
    "note",
)
"""Columns of ``sources.csv``: one row per source record; ``note`` may be empty."""

ALTERNATIVES_FILE: Final = "alternatives.csv"
ALTERNATIVE_COLUMNS: Final[tuple[str, ...]] = ("variable", "key", "value", "unit", "source_id", "why_not_chosen")
"""Values from conflicting sources that were not chosen, and the rule that set them aside."""
