"""The one vocabulary of critmin: materials, stages, countries, aggregates, sectors, markets, grades.

Every label that appears in a dataset, a scenario or a result comes from here, so a typo in a
user's file is caught by validation instead of silently creating a new category.

Materials and their stages
--------------------------
Each material is a chain of stages, upstream first. A stage's tonnes are on the *basis* given
here (REO, oxide, metal, contained element, product weight). Which stage feeds which, and with
what input per tonne of output, is data (``chain.csv`` in the packaged dataset), not code.

====================  =============================================================
material              stages (basis)
====================  =============================================================
rare_earths           mining (t REO in concentrate, all rare earths)
ndpr                  separation (t NdPr oxide), metal (t NdPr metal)
neodymium             separation (t Nd2O3), metal (t Nd metal)
praseodymium          separation (t Pr6O11), metal (t Pr metal)
dysprosium            separation (t Dy2O3), metal (t Dy metal)
terbium               separation (t Tb4O7), metal (t Tb metal)
ndfeb                 alloy (t NdFeB alloy), magnet (t sintered/bonded NdFeB magnet)
gallium               refining (t Ga, primary low-purity), metal (t Ga, high-purity)
germanium             refining (t Ge content, refined)
graphite_natural      mining (t natural graphite concentrate)
graphite_anode        refining (t battery-grade anode material, natural and synthetic)
antimony              mining (t Sb content), refining (t Sb content, oxide and metal)
tungsten              mining (t W content), refining (t W content, APT and oxides)
cobalt                mining (t Co content), refining (t Co content)
lithium               mining (t Li content), refining (t Li content in chemicals)
nickel                mining (t Ni content), refining (t Ni content)
====================  =============================================================

Countries are ISO 3166-1 alpha-3 codes. Two aggregates are documented here: ``EU27`` (the 27
member states listed in :data:`EU27_MEMBERS`) and ``ROW`` (rest of world: every country not
listed separately in the same table, material, stage and year).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

import pycountry

ALL: Final = "all"
"""Wildcard label: a parameter given for ``material = "all"`` applies to every material."""

STAGES: Final[tuple[str, ...]] = (
    "mining",
    "separation",
    "refining",
    "metal",
    "alloy",
    "magnet",
    "end_use",
)
"""Stages upstream first; ``end_use`` is where demand by sector is met."""

MATERIAL_STAGES: Final = MappingProxyType(
    {
        "rare_earths": {"mining": "REO"},
        "ndpr": {"separation": "NdPr oxide", "metal": "NdPr metal"},
        "neodymium": {"separation": "Nd2O3", "metal": "Nd metal"},
        "praseodymium": {"separation": "Pr6O11", "metal": "Pr metal"},
        "dysprosium": {"separation": "Dy2O3", "metal": "Dy metal"},
        "terbium": {"separation": "Tb4O7", "metal": "Tb metal"},
        "ndfeb": {"alloy": "NdFeB alloy", "magnet": "NdFeB magnet"},
        "gallium": {"refining": "Ga content, primary low-purity", "metal": "Ga, high-purity"},
        "germanium": {"refining": "Ge content"},
        "graphite_natural": {"mining": "graphite concentrate"},
        "graphite_anode": {"refining": "anode material"},
        "antimony": {"mining": "Sb content", "refining": "Sb content"},
        "tungsten": {"mining": "W content", "refining": "W content"},
        "cobalt": {"mining": "Co content", "refining": "Co content"},
        "lithium": {"mining": "Li content", "refining": "Li content"},
        "nickel": {"mining": "Ni content", "refining": "Ni content"},
    }
)
"""Stages that apply to each material, with the tonnage basis of each."""

MATERIALS: Final[tuple[str, ...]] = tuple(MATERIAL_STAGES)

EU27_MEMBERS: Final[frozenset[str]] = frozenset(  # fmt: skip
    {
        "AUT",
        "BEL",
        "BGR",
        "HRV",
        "CYP",
        "CZE",
        "DNK",
        "EST",
        "FIN",
        "FRA",
        "DEU",
        "GRC",
        "HUN",
        "IRL",
        "ITA",
        "LVA",
        "LTU",
        "LUX",
        "MLT",
        "NLD",
        "POL",
        "PRT",
        "ROU",
        "SVK",
        "SVN",
        "ESP",
        "SWE",
    }
)
AGGREGATES: Final = MappingProxyType(
    {
        "EU27": "European Union, 27 member states (from 1 Feb 2020)",
        "ROW": "Rest of world: every country not listed separately in the same table and key",
    }
)
ISO3: Final = MappingProxyType({c.alpha_3: c.name for c in pycountry.countries})
COUNTRIES: Final[frozenset[str]] = frozenset(ISO3) | frozenset(AGGREGATES)

ALLIES: Final[tuple[str, ...]] = ("USA", "JPN", "AUS", "IND", "CAN", "EU27", "KOR")
"""Members of the alliance whose exposure critmin reports by default."""

SECTORS: Final = MappingProxyType(
    {
        "automotive": "road vehicles: EV traction motors, auxiliary motors, conventional cars",
        "wind": "wind turbine generators",
        "electronics": "consumer electronics, appliances, air conditioners",
        "industrial": "industrial motors, robots, machinery",
        "defence": "military systems",
        "semiconductors": "integrated circuits, wafers, power electronics",
        "optics": "fibre optics, infrared optics, optoelectronics",
        "batteries": "battery cells and battery materials",
        "metallurgy": "alloys, steel, superalloys, hard metals, lead-acid",
        "chemicals": "catalysts, flame retardants, glass, ceramics, other chemical uses",
        "all": "all sectors together (where no split is sourced)",
    }
)

SECTOR_LABELS: Final = MappingProxyType({"all": "demand not assigned to a sector"})
"""How a sector code reads in tables and charts where the code alone would mislead: the simulator
books final demand with no sourced sector split under ``all``, which is not "every sector"."""


def is_own_supply(importer: str, origin: str) -> bool:
    """Whether `origin` is `importer` itself (an EU member counts as the EU27's own supply).

    A country's dependence on itself is not a dependence: it is left out of "largest hidden
    dependence" lists.

    >>> is_own_supply("AUS", "AUS"), is_own_supply("EU27", "DEU"), is_own_supply("JPN", "CHN")
    (True, True, False)
    """
    return origin == importer or (importer == "EU27" and origin in EU27_MEMBERS)


def sector_label(code: str) -> str:
    """Display name of a sector code.

    >>> sector_label("all"), sector_label("wind")
    ('demand not assigned to a sector', 'wind')
    """
    return SECTOR_LABELS.get(code, code)


MARKETS: Final = MappingProxyType(
    {
        "china_domestic": "price inside China (ex-works, VAT-inclusive where published)",
        "international": "price outside China (FOB China, CIF Rotterdam, US or Japanese market)",
    }
)

GRADES: Final = MappingProxyType(
    {
        "V": "read in a primary document, or reproduced by arithmetic from published inputs",
        "T": "third-party transcription of a primary table",
        "S": "secondary: news, vendor, aggregator",
        "E": "estimate; the arithmetic is in the note",
    }
)


def country_name(code: str) -> str:
    """Display name of an ISO alpha-3 code or documented aggregate.

    Examples
    --------
    >>> country_name("JPN")
    'Japan'
    >>> country_name("EU27")
    'European Union, 27 member states (from 1 Feb 2020)'
    """
    if code in AGGREGATES:
        return AGGREGATES[code]
    return ISO3[code]


def stages_of(material: str) -> tuple[str, ...]:
    """Stages of `material`, upstream first.

    Examples
    --------
    >>> stages_of("ndfeb")
    ('alloy', 'magnet')
    """
    return tuple(s for s in STAGES if s in MATERIAL_STAGES[material])


def material_label(material: str) -> str:
    """Display name of a material code, the one spelling of every page and chart.

    >>> material_label("ndfeb"), material_label("ndpr"), material_label("graphite_natural")
    ('NdFeB', 'NdPr', 'graphite natural')
    """
    names = {"ndfeb": "NdFeB", "ndpr": "NdPr"}
    return names.get(material, material.replace("_", " "))
