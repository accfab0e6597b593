"""Shock scenarios: frozen dataclasses, read from TOML with every problem reported at once.

A scenario file is TOML (read with :mod:`tomllib`; nothing is evaluated). Months are either
offsets from ``start`` (0 = the start month) or ``"YYYY-MM"`` strings.

Top level (all required except ``description``)::

    name = "ga-ge-2023"                 # identifier, used in output file names
    description = "..."                 # free text
    baseline_year = 2022                # optional: year of the data the network is built on (default:
                                        # the dataset's base year, or the year before `start` if earlier)
    horizon_months = 24                 # months simulated, >= 1
    start = "2023-06"                   # first simulated month, YYYY-MM
    seed = 2023                         # Monte Carlo seed, integer >= 0
    draws = 100                         # default number of draws, >= 1

``[[events]]``, one table per event, ``kind`` one of:

``export_control``
    ``controller`` (ISO3), ``materials`` (list), ``stages`` (list; default every stage of each
    material) or ``items`` (list of ``"material.stage"``), ``destinations`` (``"all"``, a list of
    codes, or ``{all_but = [...]}``), ``announced`` and ``effective`` (a month, which means
    its 1st, or a day ``"YYYY-MM-DD"``), optional ``lifted`` (month or day the control ends),
    ``transit_days`` (goods declared before the effective day still arrive for this many days;
    default: parameter for the material), ``processing_days`` (``{median = 45, dispersion =
    0.25}`` lognormal or ``{low = 30, high = 60}`` uniform calendar days per application;
    default: parameters), ``approval_probability`` (share of applications granted; default:
    parameter), ``leakage`` (share of refused flow that gets through; default: parameter for
    the material), and ``[[events.destination_classes]]`` tables with ``name``, ``countries``
    (list or ``{all_but = [...]}``), optional ``approval_probability``, ``processing_days`` and
    ``banned = true``; ``published = false`` for an informal halt the controller does not
    publish (buyers price it only as its shortage shows; default true: buyers price a published
    control from its announcement). ``approval_path`` (approved share of normal flow by month after
    ``licensing_delay_months``, each in [0, 1], the last value held) replaces the queue when
    given.
``outage``
    ``country``, ``material``, ``stage``, ``capacity_lost`` (share), ``start`` (month),
    ``duration_months``, ``recovery_months`` (linear recovery afterwards; default 0).
``demand_surge``
    ``region``, ``sector``, ``material``, ``size`` (share added to demand, >= -1), ``start``,
    ``duration_months``, optional ``baseline_share``: where the dataset has no baseline demand
    for that region, sector and material, the sector's baseline is taken as this share of the
    region's demand for the material (moved from its other sectors, so the total is
    unchanged); state the source of the share in the description. A surge on a sector without
    baseline demand and without ``baseline_share`` is an error when the scenario is run.
``project``
    New supply from a project: ``country`` (where it is built), ``material``, ``stage``,
    ``tonnes_per_year`` (> 0), ``online`` (month of first output), optional ``serves`` (list of
    countries the output is delivered to, split by their baseline need; default the project's
    country; when none of them uses that stage's product, it goes to the world's users),
    ``delay_months`` (added to ``online``, fractions allowed; default 0),
    ``ramp_months`` (linear ramp to full output; default 0) and ``p_complete`` (share in
    [0, 1]; the tonnage counted is ``p_complete * tonnes_per_year``, the expected output;
    default 1). The output reaches the served users' supply of ``material.stage`` directly:
    the project is assumed to secure its own inputs (integrated, or under offtake), as the
    optimiser assumes.

``[policy]`` (optional): ``substitution`` (bool, default true), ``allocation`` (``"pro_rata"``
or a list of sectors served first, e.g. ``["defence"]``), and ``[policy.stockpile_release]`` with
``trigger_days``, ``monthly_rate`` (share of the initial stockpile per month) and
``coordination`` (``"pro_rata_consumption"`` or ``"own_first"``).

``[parameters]`` (optional): fixed overrides of engine parameters by name
(:data:`critmin.shock.parameters.PARAMETERS`).

``[uncertain]`` (optional): Monte Carlo distributions keyed by target, either
``"parameters.<name>"`` or ``"events[<i>].<field>"`` (numeric fields: ``leakage``,
``licensing_delay_months``, ``transit_days``, ``approval_probability``, ``capacity_lost``,
``duration_months``, ``recovery_months``,
``size``, ``tonnes_per_year``, ``delay_months``, ``ramp_months``, ``p_complete``)::

    "events[0].leakage" = {dist = "uniform", low = 0.0, high = 0.2}
    "parameters.price_lag_months" = {dist = "triangular", low = 2, mode = 3, high = 4}
    "parameters.price_flexibility" = {dist = "normal", mean = 3.0, sd = 0.5}
    "parameters.rebuild_months" = {dist = "lognormal", mu = 1.0, sigma = 0.3}
    "events[1].p_complete" = {dist = "bernoulli", p = 0.6}   # a project completes in 60% of draws

Examples
--------
>>> s = parse_scenario("name = 'x'\\nhorizon_months = 3\\nstart = '2024-01'\\nseed = 1\\ndraws = 2\\n")
>>> s.name, s.horizon_months, s.events
('x', 3, ())
>>> parse_scenario(s.to_toml()) == s
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from critmin.documents import non_finite, read_toml
from critmin.errors import Issue, ScenarioError
from critmin.scenarios.validate import validate_document

Month = int | str
"""A month offset from the scenario start, or ``"YYYY-MM"``."""


@dataclass(frozen=True)
class Destinations:
    """Which importers a control applies to: every one, only `countries`, or all but them."""

    mode: Literal["all", "only", "all_but"] = "all"
    countries: tuple[str, ...] = ()

    def covers(self, country: str) -> bool:
        """Whether `country` is a controlled destination (the controller itself never is)."""
        if self.mode == "all":
            return True
        if self.mode == "only":
            return country in self.countries
        return country not in self.countries


@dataclass(frozen=True)
class ProcessingDays:
    """Calendar days from a licence application to its decision.

    Lognormal with ``median`` and ``dispersion`` (the standard deviation of the log; 0 = every
    application takes exactly ``median`` days), or uniform on ``[low, high]``. A lognormal part
    left out takes the ``processing_days_median`` / ``processing_days_dispersion`` parameter.

    Examples
    --------
    >>> ProcessingDays(median=45.0).as_dict(), ProcessingDays(low=20.0, high=40.0).uniform
    ({'median': 45.0}, True)
    """

    median: float | None = None
    dispersion: float | None = None
    low: float | None = None
    high: float | None = None

    @property
    def uniform(self) -> bool:
        """Whether the time is uniform on ``[low, high]`` (else lognormal)."""
        return self.low is not None

    def as_dict(self) -> dict[str, float]:
        """The fields that are set, as written in a scenario file."""
        return {k: v for k, v in vars(self).items() if v is not None}


@dataclass(frozen=True)
class DestinationClass:
    """Destinations a control treats alike: their approval probability, processing time or a ban.

    `countries` is a list (``Destinations("only", ...)``) or ``{all_but = [...]}``; a country
    belongs to the first class that names it; a field left out takes the control's value.
    """

    name: str
    countries: Destinations
    approval_probability: float | None = None
    processing_days: ProcessingDays | None = None
    banned: bool = False


@dataclass(frozen=True)
class ExportControl:
    """Licensing or a halt of exports of some items from `controller` to `destinations`.

    Without ``approval_path``, the approved flow comes from a licensing queue: applications are
    filed at the normal flow rate from the effective day, decided after ``processing_days`` and
    granted with ``approval_probability`` (see :mod:`critmin.shock.licensing`).
    """

    controller: str
    materials: tuple[str, ...]
    announced: Month
    effective: Month
    stages: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    destinations: Destinations = Destinations()
    lifted: Month | None = None
    licensing_delay_months: float | None = None
    approval_path: tuple[float, ...] = ()
    leakage: float | None = None
    transit_days: float | None = None
    processing_days: ProcessingDays | None = None
    approval_probability: float | None = None
    destination_classes: tuple[DestinationClass, ...] = ()
    published: bool = True
    kind: Literal["export_control"] = "export_control"


@dataclass(frozen=True)
class Outage:
    """Loss of a share of one country's capacity at one stage, then linear recovery."""

    country: str
    material: str
    stage: str
    capacity_lost: float
    start: Month
    duration_months: float
    recovery_months: float = 0.0
    kind: Literal["outage"] = "outage"


@dataclass(frozen=True)
class DemandSurge:
    """Extra final demand, as a share of baseline, for one region, sector and material."""

    region: str
    sector: str
    material: str
    size: float
    start: Month
    duration_months: float
    baseline_share: float | None = None
    kind: Literal["demand_surge"] = "demand_surge"


@dataclass(frozen=True)
class Project:
    """New supply: ``p_complete * tonnes_per_year`` delivered to `serves` from ``online + delay_months``.

    Output ramps linearly over ``ramp_months``: the share in month ``t`` (offset from the
    scenario start) is ``clip((t + 1 - online - delay_months) / (ramp_months + 1), 0, 1)``.

    Examples
    --------
    >>> Project("USA", "ndfeb", "magnet", 1000.0, online=3).served
    ('USA',)
    """

    country: str
    material: str
    stage: str
    tonnes_per_year: float
    online: Month
    serves: tuple[str, ...] = ()
    delay_months: float = 0.0
    ramp_months: float = 0.0
    p_complete: float = 1.0
    kind: Literal["project"] = "project"

    @property
    def served(self) -> tuple[str, ...]:
        """Countries the output is delivered to (the project's own country by default)."""
        return self.serves or (self.country,)


Event = ExportControl | Outage | DemandSurge | Project


@dataclass(frozen=True)
class StockpileRelease:
    """Release rule of strategic stockpiles."""

    trigger_days: float
    monthly_rate: float
    coordination: Literal["pro_rata_consumption", "own_first"] = "pro_rata_consumption"


@dataclass(frozen=True)
class Policy:
    """Responses: stockpile release, substitution on or off, allocation among sectors."""

    stockpile_release: StockpileRelease | None = None
    substitution: bool = True
    allocation: str | tuple[str, ...] = "pro_rata"


@dataclass(frozen=True)
class Distribution:
    """A Monte Carlo distribution: `dist` and its parameters as sorted (name, value) pairs."""

    dist: Literal["uniform", "triangular", "normal", "lognormal", "bernoulli"]
    params: tuple[tuple[str, float], ...]

    def get(self, name: str) -> float:
        """Value of one parameter of the distribution."""
        return dict(self.params)[name]


@dataclass(frozen=True)
class Scenario:
    """A complete shock scenario; build with :func:`load_scenario` or :func:`parse_scenario`."""

    name: str
    horizon_months: int
    start: str
    seed: int
    draws: int
    description: str = ""
    baseline_year: int | None = None
    events: tuple[Event, ...] = ()
    policy: Policy = field(default_factory=Policy)
    parameters: tuple[tuple[str, float], ...] = ()
    uncertain: tuple[tuple[str, Distribution], ...] = ()

    def to_toml(self) -> str:
        """The scenario as TOML text that :func:`parse_scenario` reads back to an equal object."""
        from critmin.scenarios.toml_writer import scenario_to_toml

        return scenario_to_toml(self)


def with_default_release(scenario: Scenario) -> Scenario:
    """The scenario with the simulator's default stockpile release rule if it has none.

    Stocks bought by a portfolio are otherwise never released. The rule's trigger and rate are
    the defaults of the ``stockpile_trigger_days`` and ``stockpile_release_rate`` parameters.

    Examples
    --------
    >>> s = parse_scenario("name = 'x'\\nhorizon_months = 3\\nstart = '2024-01'\\nseed = 1\\ndraws = 2\\n")
    >>> with_default_release(s).policy.stockpile_release.trigger_days
    30.0
    """
    from critmin.shock.parameters import PARAMETERS

    if scenario.policy.stockpile_release is not None:
        return scenario
    rule = StockpileRelease(
        trigger_days=float(PARAMETERS["stockpile_trigger_days"].default),
        monthly_rate=float(PARAMETERS["stockpile_release_rate"].default),
    )
    return replace(scenario, policy=replace(scenario.policy, stockpile_release=rule))


def _destinations(raw: Any) -> Destinations:
    if raw == "all":
        return Destinations("all")
    if isinstance(raw, Mapping):
        return Destinations("all_but", tuple(raw["all_but"]))
    return Destinations("only", tuple(raw))


def _processing(raw: Mapping[str, Any] | None) -> ProcessingDays | None:
    return None if raw is None else ProcessingDays(**{k: float(v) for k, v in raw.items()})


def _destination_class(raw: Mapping[str, Any]) -> DestinationClass:
    body = dict(raw)
    body["countries"] = _destinations(body["countries"])
    body["processing_days"] = _processing(body.get("processing_days"))
    return DestinationClass(**body)


def _event(raw: Mapping[str, Any]) -> Event:
    body = {k: v for k, v in raw.items() if k != "kind"}
    if raw["kind"] == "export_control":
        for key in ("materials", "stages", "items", "approval_path"):
            if key in body:
                body[key] = tuple(body[key])
        if "destinations" in body:
            body["destinations"] = _destinations(body["destinations"])
        body["processing_days"] = _processing(body.get("processing_days"))
        body["destination_classes"] = tuple(_destination_class(c) for c in body.get("destination_classes", []))
        return ExportControl(**body)
    if raw["kind"] == "outage":
        return Outage(**body)
    if raw["kind"] == "project":
        if "serves" in body:
            body["serves"] = tuple(body["serves"])
        return Project(**body)
    return DemandSurge(**body)


def _policy(raw: Mapping[str, Any]) -> Policy:
    release = raw.get("stockpile_release")
    allocation = raw.get("allocation", "pro_rata")
    return Policy(
        stockpile_release=StockpileRelease(**release) if release is not None else None,
        substitution=raw.get("substitution", True),
        allocation=allocation if isinstance(allocation, str) else tuple(allocation),
    )


def _build(doc: Mapping[str, Any]) -> Scenario:
    uncertain = tuple(
        (key, Distribution(spec["dist"], tuple(sorted((k, float(v)) for k, v in spec.items() if k != "dist"))))
        for key, spec in sorted(doc.get("uncertain", {}).items())
    )
    return Scenario(
        name=doc["name"],
        description=doc.get("description", ""),
        baseline_year=doc.get("baseline_year"),
        horizon_months=doc["horizon_months"],
        start=doc["start"],
        seed=doc["seed"],
        draws=doc["draws"],
        events=tuple(_event(e) for e in doc.get("events", [])),
        policy=_policy(doc.get("policy", {})),
        parameters=tuple(sorted((k, float(v)) for k, v in doc.get("parameters", {}).items())),
        uncertain=uncertain,
    )


def parse_scenario(text: str, file: str = "<scenario>") -> Scenario:
    """Validate TOML text and build a :class:`Scenario`.

    Parameters
    ----------
    text : str
        TOML scenario text (schema in this module's docstring).
    file : str
        Name used in error messages.

    Returns
    -------
    Scenario

    Raises
    ------
    critmin.errors.ScenarioError
        Listing every problem found, each with file, field, problem and fix.

    Examples
    --------
    >>> parse_scenario("name = 'x'\\nhorizon_months = 0\\nstart = '2024-01'\\nseed = 1\\ndraws = 1")
    Traceback (most recent call last):
    ...
    critmin.errors.ScenarioError: 1 problem(s) in input; nothing was loaded:
      <scenario>, field 'horizon_months': 0 is below 1. Fix: give a whole number of at least 1.
    """
    doc, issues = read_toml(text, file)
    if issues:
        raise ScenarioError(issues)
    issues = non_finite(doc, file)
    issues += [i for i in validate_document(doc, file) if i.field not in {bad.field for bad in issues}]
    if issues:
        raise ScenarioError(issues)
    return _build(doc)


def find_in_library(path: str | Path, library: Path, what: str) -> Path | Issue:
    """The file `path` names: itself if it exists, else ``library/<name>.toml`` for a bare name.

    Returns an Issue (naming the library's files) when it is neither, so callers can report
    every missing file at once.

    Examples
    --------
    >>> find_in_library("backtest_graphite_2023", LIBRARY, "scenario").name
    'backtest_graphite_2023.toml'
    >>> find_in_library("nosuch", LIBRARY, "scenario").problem
    'no such scenario file, and no library scenario of that name'
    """
    p = Path(path)
    if p.is_file():
        return p
    if p.suffix == "" and (library / f"{p.name}.toml").is_file():
        return library / f"{p.name}.toml"
    names = ", ".join(sorted(f.stem for f in library.glob("*.toml")))
    return Issue(
        str(path),
        0,
        "(file)",
        f"no such {what} file, and no library {what} of that name",
        f"give the path of a TOML {what} file or one of the library's: {names}",
    )


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file.

    Parameters
    ----------
    path : str or pathlib.Path
        Scenario file; a bare name such as ``"ga_ge_2023"`` is looked up in the library.

    Returns
    -------
    Scenario

    Raises
    ------
    critmin.errors.ScenarioError
        The file does not exist, is not TOML, or fails validation (every problem listed).

    Examples
    --------
    >>> load_scenario("backtest_graphite_2023").start
    '2023-08'
    """
    found = find_in_library(path, LIBRARY, "scenario")
    if isinstance(found, Issue):
        raise ScenarioError([found])
    try:
        text = found.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ScenarioError(
            [Issue(found.name, 0, "(file)", f"cannot read: {err}", "give a readable UTF-8 TOML file")]
        ) from None
    return parse_scenario(text, file=found.name)


LIBRARY = Path(__file__).with_name("library")
"""Folder of the example and backtest scenarios shipped with critmin."""
