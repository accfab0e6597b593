"""Generic options the plan can buy besides listed projects: recycling, substitution, new plants.

``critmin/outlook/data/options.csv`` lists each option once: its step (material, stage), the
allies that may take it up, its unit cost (USD per t/yr of capacity, or of demand avoided),
its lead time (years from the decision to the first year of effect), its probability of
success and its cap as a share of the ally's base-year supply at that step. Where the ally buys
like the world market, recycling and substitution are capped on its demand for the material
and a new plant on the world's base-year production at the step (a plant there serves every
buyer at world shares). Every figure carries its source ids and the note shows the
arithmetic.

The plan decides a continuous size per (option, ally), all decided in :data:`DECISION_YEAR`,
so the first year of effect is ``DECISION_YEAR + lead_years``; effect then follows the
pipeline's ramp (:data:`critmin.outlook.projects.RAMP`) and, for plants, the stage's
utilisation. Kinds:

* ``recycling`` and ``new_build`` add non-China volume to the ally's own supply at the step
  (they enter the network as a project in the ally serving the ally);
* ``substitution`` lowers the ally's demand at the step; what is avoided comes off its
  purchases from China first (the marginal, non-allied source), so for a recorded importer
  ``China share = (C - d) / (V - d)``. An ally that buys like the world market keeps world
  shares whatever it buys, so substitution does not move its share.

Success is drawn per draw with ``SeedSequence([seed, draw, OPTION_STREAM])``, one uniform per
candidate in table order, so a run is bit-identical however its draws are split and the
options never shift the projects' own draws.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from .. import vocabulary as vocab
from ..errors import DataError, Issue
from .projects import CLOCK_YEAR, RAMP, UTILISATION

__all__ = [
    "DECISION_YEAR",
    "KINDS",
    "OPTION_STREAM",
    "option_candidates",
    "option_output",
    "option_success",
    "read_options",
]

KINDS = ("recycling", "substitution", "new_build")
DECISION_YEAR = CLOCK_YEAR
"""Every option is decided in this year (the first year a plan can act)."""
OPTION_STREAM = 1
"""Third entry of the options' SeedSequence: a stream apart from the projects' ``[seed, draw]``."""
COLUMNS = (
    "option_id",
    "kind",
    "name",
    "material",
    "stage",
    "allies",
    "unit_cost_usd",
    "lead_years",
    "p_success",
    "cap_share",
    "source_id",
    "note",
)


def _known_sources() -> set[str]:
    own = resources.files("critmin.outlook").joinpath("data", "sources.csv").read_text(encoding="utf-8")
    packaged = resources.files("critmin.data").joinpath("packaged", "sources.csv").read_text(encoding="utf-8")
    return {row["source_id"] for text in (own, packaged) for row in csv.DictReader(text.splitlines())}


def _number(text: str, low: float, high: float, *, low_open: bool = False) -> float | None:
    """`text` as a float in [low, high] (or (low, high]), else None."""
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value) or value > high or value < low or (low_open and value == low):
        return None
    return value


def _check_row(row: dict[str, str], name: str, line: int, seen: set[str], sources: set[str]) -> list[Issue]:
    issues = []

    def bad(field: str, problem: str, fix: str) -> None:
        issues.append(Issue(name, line, field, problem, fix))

    oid = row["option_id"].strip()
    if not oid:
        bad("option_id", "empty", "give each option a unique id")
    elif oid in seen:
        bad("option_id", f"{oid!r} appears twice", "give each option a unique id")
    seen.add(oid)
    if row["kind"] not in KINDS:
        bad("kind", f"{row['kind']!r} is not a kind", f"use one of {', '.join(KINDS)}")
    stages = vocab.MATERIAL_STAGES.get(row["material"])
    if stages is None:
        bad("material", f"{row['material']!r} is not a material", "use a material of critmin.vocabulary.MATERIALS")
    elif row["stage"] not in stages:
        bad("stage", f"{row['stage']!r} is not a stage of {row['material']}", f"use one of {', '.join(stages)}")
    allies = [a.strip() for a in row["allies"].split(";") if a.strip()]
    wrong = [a for a in allies if a not in vocab.ALLIES and a != "ALLIES"]
    if not allies or wrong:
        bad(
            "allies",
            f"{row['allies']!r} names no ally or an unknown one",
            f"use ALLIES or ;-separated {'/'.join(vocab.ALLIES)}",
        )
    checks = (
        ("unit_cost_usd", 0.0, 1e12, True, "a cost in USD per t/yr above 0"),
        ("lead_years", 0.0, 30.0, False, "whole years from the decision to the first year of effect, 0 to 30"),
        ("p_success", 0.0, 1.0, True, "a probability above 0 and at most 1"),
        ("cap_share", 0.0, 1.0, True, "a share of the ally's supply above 0 and at most 1"),
    )
    for field, low, high, low_open, fix in checks:
        value = _number(row[field], low, high, low_open=low_open)
        if value is None or (field == "lead_years" and value != int(value)):
            bad(field, f"{row[field]!r} is not valid", f"give {fix}")
    ids = [s.strip() for s in row["source_id"].split(";") if s.strip()]
    missing = [s for s in ids if s not in sources]
    if not ids or missing:
        problem = f"{', '.join(missing)} not in sources.csv" if missing else "no source given"
        bad("source_id", problem, "cite ;-separated ids listed in sources.csv")
    return issues


def read_options(path: str | Path | None = None) -> pd.DataFrame:
    """The options table (default: the shipped ``options.csv``), validated; every problem at once.

    Examples
    --------
    >>> t = read_options()
    >>> t.loc[t.option_id == "nb-magnet", ["kind", "unit_cost_usd", "lead_years"]].values.tolist()
    [['new_build', 102605.56, 3]]
    """
    if path is None:
        name = "options.csv"
        text = resources.files("critmin.outlook").joinpath("data", name).read_text(encoding="utf-8")
    else:
        name = Path(path).name
        text = Path(path).read_text(encoding="utf-8")
    reader = csv.DictReader(text.splitlines())
    absent = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if absent:
        fix = f"the header must hold {', '.join(COLUMNS)}"
        raise DataError([Issue(name, 1, c, "column missing", fix) for c in absent])
    rows = list(reader)
    issues: list[Issue] = []
    seen: set[str] = set()
    sources = _known_sources()
    for line, row in enumerate(rows, start=2):
        issues += _check_row({k: (v or "").strip() for k, v in row.items() if k}, name, line, seen, sources)
    if issues:
        raise DataError(issues)
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    for column in ("unit_cost_usd", "p_success", "cap_share"):
        table[column] = table[column].astype(float)
    table["lead_years"] = table["lead_years"].astype(float).astype(int)
    return table


def option_candidates(options: pd.DataFrame, basis: dict[tuple[str, str, str, str], float]) -> pd.DataFrame:
    """One row per (option, ally): the option table plus ``ally``, ``first_year`` and ``cap_t``.

    `basis` maps (ally, material, stage, kind) to the base-year t/yr the cap is a share of; an
    ally missing from it (or at 0) gets no row there. Rows keep the option table's order, allies
    in :data:`critmin.vocabulary.ALLIES` order, which fixes each candidate's uniform.

    >>> o = pd.DataFrame({"option_id": ["r"], "kind": ["recycling"], "material": ["m"], "stage": ["s"],
    ...                   "allies": ["USA;JPN"], "lead_years": [3], "cap_share": [0.1]})
    >>> option_candidates(o, {("JPN", "m", "s", "recycling"): 50.0})[["ally", "first_year", "cap_t"]].values.tolist()
    [['JPN', 2029, 5.0]]
    """
    rows = []
    for row in options.to_dict("records"):
        named = [a.strip() for a in str(row["allies"]).split(";") if a.strip()]
        allies = vocab.ALLIES if named == ["ALLIES"] else [a for a in vocab.ALLIES if a in named]
        for ally in allies:
            size = basis.get((ally, row["material"], row["stage"], row["kind"]), 0.0)
            if size > 0:
                first = DECISION_YEAR + int(row["lead_years"])
                rows.append({**row, "ally": ally, "first_year": first, "cap_t": float(row["cap_share"]) * size})
    columns = [*options.columns, "ally", "first_year", "cap_t"]
    return pd.DataFrame(rows, columns=columns).reset_index(drop=True)


def option_success(candidates: pd.DataFrame, draws: Sequence[int] | range, seed: int) -> np.ndarray:
    """(draw, candidate) bool: the option works in that draw (``u < p_success``).

    >>> c = pd.DataFrame({"p_success": [0.5, 1.0]})
    >>> a = option_success(c, range(4), 7); b = np.vstack([option_success(c, [i], 7) for i in range(4)])
    >>> bool((a == b).all()), bool(a[:, 1].all())
    (True, True)
    """
    p = candidates["p_success"].to_numpy(float)
    out = np.empty((len(draws), len(candidates)), dtype=bool)
    for row, i in enumerate(draws):
        rng = np.random.default_rng(np.random.SeedSequence([seed, int(i), OPTION_STREAM]))
        out[row] = rng.random(len(candidates)) < p
    return out


def option_output(candidates: pd.DataFrame, success: np.ndarray, years: Sequence[int]) -> np.ndarray:
    """(draw, candidate, year) effect per t/yr of size: success x ramp x utilisation (plants only).

    >>> c = pd.DataFrame({"kind": ["recycling"], "stage": ["separation"], "first_year": [2027]})
    >>> option_output(c, np.array([[True]]), [2026, 2027, 2028]).round(2).tolist()
    [[[0.0, 0.24, 0.48]]]
    """
    first = candidates["first_year"].to_numpy(float)
    age = np.asarray(years, float)[None, :] - first[:, None]
    ramp = np.asarray(RAMP)
    share = np.where(age >= 0, ramp[np.clip(age, 0, len(ramp) - 1).astype(int)], 0.0)
    plant = (candidates["kind"] != "substitution").to_numpy()
    util = np.where(plant, candidates["stage"].map(UTILISATION).fillna(1.0).to_numpy(float), 1.0)
    return success[:, :, None] * (share * util[:, None])[None, :, :]
