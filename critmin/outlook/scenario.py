"""Outlook scenarios: demand growth by material x sector x region and incumbents' expansion.

A scenario is a TOML file (see ``critmin/outlook/scenarios/steps.toml``)::

    name = "mine"
    first_year = 2025
    last_year = 2035

    [[growth]]              # annual demand growth; the most specific entry covering a year wins
    material = "ndfeb"      # or "*"
    sector = "wind"         # or "*"
    region = "*"            # or a region of the demand table (JPN, EU27, ...)
    rate = 0.064
    first_year = 2025
    last_year = 2030
    source = "statista-iea-demand-2030"

    [[incumbent]]           # capacity growth of a producer already in the data
    material = "rare_earths"
    stage = "mining"
    country = "CHN"
    rate = 0.059
    first_year = 2025
    last_year = 2035
    source = "reuters-china-ree-quota-2024"

Specificity ranks material (4) over sector (2) over region (1); two entries of equal rank that
both cover a year are refused. ``source`` names a row of ``critmin/outlook/data/sources.csv``,
of the packaged ``sources.csv``, or of the file's own ``[sources]`` table (``id = "url"``).
Every problem in a file is reported at once (:class:`critmin.errors.ScenarioError`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .. import vocabulary as vocab
from ..documents import non_finite, read_toml
from ..errors import Issue, ScenarioError

__all__ = ["Growth", "Incumbent", "OutlookScenario", "load_scenario", "named_scenarios", "read_scenario"]

ANY = "*"
_TOP = {"name", "title", "first_year", "last_year", "growth", "incumbent", "sources"}
_GROWTH = {"material", "sector", "region", "rate", "first_year", "last_year", "source"}
_INCUMBENT = {"material", "stage", "country", "rate", "first_year", "last_year", "source"}
RATE_RANGE = (-0.5, 1.0)
"""Annual growth rates accepted (a fall of half, a doubling, per year)."""
YEAR_RANGE = (2020, 2060)


@dataclass(frozen=True)
class Growth:
    """Annual demand growth `rate` over `first_year`..`last_year` for one key (``*`` = any)."""

    material: str
    sector: str
    region: str
    rate: float
    first_year: int
    last_year: int
    source: str

    @property
    def rank(self) -> int:
        """Specificity: material 4, sector 2, region 1."""
        return 4 * (self.material != ANY) + 2 * (self.sector != ANY) + (self.region != ANY)

    def covers(self, material: str, sector: str, region: str, year: int) -> bool:
        """Whether this entry applies to that cell and year."""
        keys = ((self.material, material), (self.sector, sector), (self.region, region))
        return all(mine in (ANY, theirs) for mine, theirs in keys) and self.first_year <= year <= self.last_year


@dataclass(frozen=True)
class Incumbent:
    """Annual capacity growth of an existing producer (e.g. China's announced quota rise)."""

    material: str
    stage: str
    country: str
    rate: float
    first_year: int
    last_year: int
    source: str


@dataclass(frozen=True)
class OutlookScenario:
    """A named demand and incumbent-supply scenario (validated; see the module docstring)."""

    name: str
    title: str
    first_year: int
    last_year: int
    growth: tuple[Growth, ...]
    incumbent: tuple[Incumbent, ...]
    sources: Mapping[str, str]

    def rate(self, material: str, sector: str, region: str, year: int) -> tuple[float, str]:
        """Growth rate of demand in `year` and its source (0 and "" where no entry covers it).

        Examples
        --------
        >>> s = load_scenario("steps")
        >>> s.rate("ndfeb", "wind", "JPN", 2026), s.rate("ndfeb", "defence", "JPN", 2026)[0]
        ((0.064, 'statista-iea-demand-2030'), 0.149)
        """
        best: Growth | None = None
        for entry in self.growth:
            if entry.covers(material, sector, region, year) and (best is None or entry.rank > best.rank):
                best = entry
        return (best.rate, best.source) if best else (0.0, "")


def _known_sources() -> set[str]:
    import csv

    known = set()
    for package, folder in (("critmin.outlook", "data"), ("critmin.data", "packaged")):
        text = resources.files(package).joinpath(folder, "sources.csv").read_text(encoding="utf-8")
        known |= {row["source_id"] for row in csv.DictReader(text.splitlines())}
    return known


def _entry_issues(
    file: str, where: str, entry: Any, allowed: set[str], keys: Mapping[str, frozenset[str]], sources: set[str]
) -> list[Issue]:
    """Problems of one ``[[growth]]`` or ``[[incumbent]]`` table."""
    if not isinstance(entry, Mapping):
        return [Issue(file, 0, where, "is not a table", f"write it as [[{where.split('[')[0]}]] with keys")]
    issues = [
        Issue(file, 0, f"{where}.{key}", "is not a known key", f"use only {', '.join(sorted(allowed))}")
        for key in entry
        if key not in allowed
    ]
    for key in sorted(allowed):
        value = entry.get(key)
        field = f"{where}.{key}"
        if value is None:
            if key in keys and ANY in keys[key]:
                continue
            issues.append(Issue(file, 0, field, "is missing", f"give {key}"))
        elif key in keys:
            if not isinstance(value, str) or value not in keys[key]:
                shown = sorted(k for k in keys[key] if k != ANY)
                extra = ' or "*"' if ANY in keys[key] else ""
                issues.append(Issue(file, 0, field, f"{value!r} is not known", f"use one of {', '.join(shown)}{extra}"))
        elif key == "rate":
            if isinstance(value, bool) or not isinstance(value, int | float):
                issues.append(
                    Issue(file, 0, field, f"{value!r} is not a number", "give a rate such as 0.05 (5% a year)")
                )
            elif not RATE_RANGE[0] <= value <= RATE_RANGE[1]:
                issues.append(
                    Issue(file, 0, field, f"{value} is outside {RATE_RANGE[0]}..{RATE_RANGE[1]}", "give a yearly rate")
                )
        elif key in ("first_year", "last_year"):
            if isinstance(value, bool) or not isinstance(value, int) or not YEAR_RANGE[0] <= value <= YEAR_RANGE[1]:
                issues.append(
                    Issue(
                        file, 0, field, f"{value!r} is not a year", f"give a year in {YEAR_RANGE[0]}..{YEAR_RANGE[1]}"
                    )
                )
        elif key == "source" and (not isinstance(value, str) or value not in sources):
            issues.append(
                Issue(file, 0, field, f"{value!r} is not a known source", "add it under [sources] as id = url")
            )
    first, last = entry.get("first_year"), entry.get("last_year")
    if isinstance(first, int) and isinstance(last, int) and first > last:
        issues.append(Issue(file, 0, f"{where}.last_year", f"{last} is before first_year {first}", "swap the years"))
    return issues


def _overlaps(file: str, entries: Sequence[Growth]) -> list[Issue]:
    """Two entries of the same key and equal rank covering a shared year are ambiguous."""
    issues = []
    for j, b in enumerate(entries):
        for i, a in enumerate(entries[:j]):
            same_key = (a.material, a.sector, a.region) == (b.material, b.sector, b.region)
            if same_key and a.first_year <= b.last_year and b.first_year <= a.last_year:
                issues.append(
                    Issue(
                        file,
                        0,
                        f"growth[{j}]",
                        f"covers years also covered by growth[{i}] for the same material, sector and region",
                        "make their year ranges disjoint",
                    )
                )
    return issues


def read_scenario(text: str, file: str) -> OutlookScenario:
    """Validate a scenario document; raises ScenarioError listing every problem.

    Examples
    --------
    >>> bad = 'name = "x"\\nfirst_year = 2025\\nlast_year = 2035\\n[[growth]]\\nsector = "wnd"\\nrate = 2'
    >>> try:
    ...     read_scenario(bad, "mine.toml")
    ... except ScenarioError as err:
    ...     print(len(err.issues)); print(err.issues[2]); print(err.issues[3].problem)
    5
    mine.toml, field 'growth[0].rate': 2 is outside -0.5..1.0. Fix: give a yearly rate.
    'wnd' is not known
    """
    doc, issues = read_toml(text, file)
    if issues:
        raise ScenarioError(issues)
    issues = non_finite(doc, file)
    if issues:
        raise ScenarioError(issues)
    for key in doc:
        if key not in _TOP:
            issues.append(Issue(file, 0, key, "is not a known key", f"use only {', '.join(sorted(_TOP))}"))
    own = doc.get("sources", {})
    if not isinstance(own, Mapping) or not all(isinstance(v, str) for v in own.values()):
        issues.append(
            Issue(file, 0, "sources", "is not a table of id = url", 'write [sources] then id = "https://..."')
        )
        own = {}
    sources = _known_sources() | set(own)
    for key in ("name", "first_year", "last_year"):
        if key not in doc:
            issues.append(Issue(file, 0, key, "is missing", f"give {key}"))
    if "name" in doc and not isinstance(doc["name"], str):
        issues.append(Issue(file, 0, "name", f"{doc['name']!r} is not text", 'give a name such as "mine"'))
    for key in ("first_year", "last_year"):
        value = doc.get(key)
        if key in doc and (isinstance(value, bool) or not isinstance(value, int) or not 2020 <= value <= 2060):
            issues.append(Issue(file, 0, key, f"{value!r} is not a year", "give a year in 2020..2060"))
    regions = frozenset({ANY, *vocab.ALLIES, "CHN", "ROW"})
    growth_keys = {
        "material": frozenset({ANY, *vocab.MATERIALS}),
        "sector": frozenset({ANY, *vocab.SECTORS}),
        "region": regions,
    }
    incumbent_keys = {
        "material": frozenset(vocab.MATERIALS),
        "stage": frozenset(vocab.STAGES),
        "country": frozenset(vocab.COUNTRIES),
    }
    tables: dict[str, list[Any]] = {}
    for name in ("growth", "incumbent"):
        value = doc.get(name, [])
        if not isinstance(value, list):
            issues.append(Issue(file, 0, name, "is not an array of tables", f"write each entry as [[{name}]]"))
            value = []
        tables[name] = value
    for i, entry in enumerate(tables["growth"]):
        issues += _entry_issues(file, f"growth[{i}]", entry, _GROWTH, growth_keys, sources)
    for i, entry in enumerate(tables["incumbent"]):
        issues += _entry_issues(file, f"incumbent[{i}]", entry, _INCUMBENT, incumbent_keys, sources)
    if issues:
        raise ScenarioError(issues)
    growth = tuple(
        Growth(
            str(e.get("material", ANY)),
            str(e.get("sector", ANY)),
            str(e.get("region", ANY)),
            float(e["rate"]),
            int(e["first_year"]),
            int(e["last_year"]),
            str(e["source"]),
        )
        for e in tables["growth"]
    )
    issues = _overlaps(file, growth)
    if issues:
        raise ScenarioError(issues)
    incumbent = tuple(
        Incumbent(
            str(e["material"]),
            str(e["stage"]),
            str(e["country"]),
            float(e["rate"]),
            int(e["first_year"]),
            int(e["last_year"]),
            str(e["source"]),
        )
        for e in tables["incumbent"]
    )
    return OutlookScenario(
        name=str(doc["name"]),
        title=str(doc.get("title", doc["name"])),
        first_year=int(doc["first_year"]),
        last_year=int(doc["last_year"]),
        growth=growth,
        incumbent=incumbent,
        sources=dict(own),
    )


def named_scenarios() -> tuple[str, ...]:
    """Names of the scenarios shipped with critmin.

    >>> named_scenarios()
    ('aps', 'steps')
    """
    folder = resources.files("critmin.outlook").joinpath("scenarios")
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml")))


def load_scenario(name_or_path: str | Path) -> OutlookScenario:
    """A shipped scenario by name (``steps``, ``aps``) or a TOML file by path.

    >>> load_scenario("aps").title
    'IEA announced pledges (APS)'
    """
    text_name = str(name_or_path)
    if text_name in named_scenarios():
        resource = resources.files("critmin.outlook").joinpath("scenarios", f"{text_name}.toml")
        return read_scenario(resource.read_text(encoding="utf-8"), f"{text_name}.toml")
    path = Path(name_or_path)
    if not path.is_file():
        raise ScenarioError(
            [
                Issue(
                    str(path),
                    0,
                    "(file)",
                    "no such outlook scenario file, and no shipped outlook scenario of that name",
                    f"give the path of a TOML outlook scenario file or one of the shipped ones: "
                    f"{', '.join(named_scenarios())}",
                )
            ]
        )
    return read_scenario(path.read_text(encoding="utf-8"), str(path))
