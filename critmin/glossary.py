"""The terms critmin's outputs use, defined once: the CLI (``critmin glossary``), the briefing's
glossary appendix and the app's Glossary page all print this list, word for word."""

from __future__ import annotations

from critmin.vocabulary import GRADES

TERMS: dict[str, str] = {
    **{f"grade {g}": f"source grade {g}: {meaning}" for g, meaning in GRADES.items()},
    "HHI": (
        "Herfindahl-Hirschman index of one stage's producers: the sum of squared world shares, on a 0-1 "
        "scale (1 = one producer). The EU supply-risk inputs of `critmin indicators eu-sr` use the EU "
        "method's own 0-10 scale (ten times the 0-1 value)"
    ),
    "N-1": (
        "IEA cover without the largest supplier: the world output of a stage less the largest producer's, "
        "as a share of demand (100% = the others alone meet demand)"
    ),
    "direct dependence": "share of an ally's supply of a product shipped to it by one origin at the last step",
    "ultimate dependence": (
        "share of an ally's supply of a product that passes through one origin at any upstream stage; not "
        "exclusive across origins, so one ally's ultimate shares can add to more than 100%"
    ),
    "hidden dependence": "ultimate minus direct dependence on one origin",
    "CVaR 95%": (
        "conditional value at risk: the mean loss over the worst 5% of simulated draws; with n draws it "
        "rests on about n/20 of them, so it is stated with its draw count and is rough below a few hundred"
    ),
    "loss (USD)": (
        "tonnes of final demand not met times the dataset's value of lost production per tonne "
        "(value_lost_production_<sector>); tonnes of different materials are only ever added in USD"
    ),
    "demand not assigned to a sector": (
        "final demand with no sourced sector split (sector code `all` in the data), not every sector"
    ),
    "stockpile holder codes": (
        "COUNTRY-AGENCY: EU27-RESOURCEEU (EU RESourceEU stockpile), JPN-JOGMEC (Japan Organization for "
        "Metals and Energy Security), KOR-KOMIR (Korea Mine Rehabilitation and Mineral Resources Corp.), "
        "USA-NDS (US National Defense Stockpile); ALLIANCE is a joint stockpile the optimiser may create"
    ),
    "top-three share": "share of a stage's world output made by its three largest producers together",
    "outlook": (
        "critmin's projection of demand, capacity and shares year by year to 2035 under a named scenario "
        "(STEPS: the IEA's stated policies; APS: announced pledges), drawing each announced project's "
        "completion and delay; the base year is measured"
    ),
    "pipeline alone": "the outlook with every project at its own completion probability, none backed",
    "cheapest plan": (
        "the least capex set of projects to back (raising their completion probability) so each ally's "
        "direct dependence on China at each key step stays at or below the target from the target year, "
        "in the stated share of draws; solved as a mixed-integer programme with HiGHS"
    ),
    "no plan can meet": (
        "a target that stays unmet even with every candidate project backed: their lead times put output "
        "after the target year, or their capacity is too small"
    ),
    "CRMA benchmarks": (
        "the EU Critical Raw Materials Act's 2030 benchmarks: at most 65% of each strategic raw material "
        "from one third country at any stage, and at least 10% extracted, 40% processed and 25% recycled "
        "in the EU, as shares of its consumption"
    ),
    "draw": "one Monte Carlo run of a scenario with its uncertain inputs sampled; medians and bands are across draws",
    "5-95 % range": (
        "the values between which 90% of the simulated draws fall; from n draws its ends rest on about "
        "n/20 draws each, so it is stated with its draw count, and not at all from fewer than 20 draws"
    ),
    "stock / unassigned": (
        "in a chain diagram, what buyers use beyond the recorded output of the countries they source from "
        "(stocks drawn down, re-exports by countries that do not make the product, output the sources "
        "miss); no country is drawn passing on more than it made"
    ),
    "stop (first to stop)": (
        "a country's sector stops in a month when some of its output stands idle for lack of a material "
        "(the firms that cannot run, critmin.shock.firms); first to stop is the earliest such month in the "
        "median draw"
    ),
}
"""Each term and its definition (a sentence without a final full stop)."""


def glossary_text() -> str:
    """The glossary as plain text, one term a paragraph.

    >>> glossary_text().splitlines()[0]
    'grade V: source grade V: read in a primary document, or reproduced by arithmetic from published inputs.'
    """
    return "\n".join(f"{term}: {meaning}." for term, meaning in TERMS.items())


def tail_caveat(draws: int) -> str:
    """Sample-size caveat printed beside a tail figure computed from `draws` draws.

    >>> tail_caveat(12)
    'from 12 draws, worst 5% = 1 draw: rough'
    """
    tail = max(1, round(draws * 0.05))
    rough = ": rough" if draws < 200 else ""
    return f"from {draws} draws, worst 5% = {tail} draw{'s' if tail != 1 else ''}{rough}"


RANGE_MIN_DRAWS = 20
"""Fewest draws from which a 5-95% range is stated: below, each end would rest on less than one draw."""


def range_caveat(draws: int) -> str:
    """What a 5-95% range (q05, q95) over `draws` draws is, or that it is not estimated.

    >>> range_caveat(120), range_caveat(12)
    ('5-95% of 120 draws', '5-95% range not estimated: 12 draws, fewer than 20')
    """
    if draws < RANGE_MIN_DRAWS:
        return f"5-95% range not estimated: {draws} draws, fewer than {RANGE_MIN_DRAWS}"
    return f"5-95% of {draws} draws"
