"""Solve a portfolio model with HiGHS, deterministically, and turn failure into a clear error."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import linopy

from critmin.errors import InfeasibleError

RELAXABLE = {
    "cvar_cap": "the CVaR cap (cvar_cap)",
    "budget": "the budget",
    "fix_buy": "the fixed stockpile purchases",
    "fix_choice": "the fixed project choices",
    "fix_fund": "the fixed research choices",
}
"""Constraints a user can relax, in the order they are suggested."""


@dataclass(frozen=True)
class SolveReport:
    """What HiGHS reported: status, objective (USD), relative MIP gap, wall seconds."""

    status: str
    condition: str
    objective: float
    mip_gap: float
    seconds: float


def highs_options(mip_rel_gap: float = 1e-6, time_limit: float | None = None) -> dict[str, Any]:
    """HiGHS options: one thread, fixed seed, silent; the same answer on every machine.

    Examples
    --------
    >>> highs_options()["threads"]
    1
    """
    options: dict[str, Any] = {
        "threads": 1,
        "random_seed": 0,
        "output_flag": False,
        "log_to_console": False,
        "mip_rel_gap": mip_rel_gap,
    }
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    return options


def infeasible_message(model_name: str, condition: str, constraints: Mapping[str, str]) -> str:
    """The message of an InfeasibleError naming the constraints present that can be relaxed.

    Examples
    --------
    >>> infeasible_message("portfolio", "infeasible", {"cvar_cap": "<= 5 USD"})
    'portfolio model is infeasible: no portfolio meets every constraint. Relax the CVaR cap (cvar_cap) <= 5 USD.'
    """
    named = [f"{RELAXABLE.get(name, name)} {bound}".rstrip() for name, bound in constraints.items()]
    listing = "; or ".join(named) if named else "the inputs (no relaxable constraint is present)"
    return f"{model_name} model is {condition}: no portfolio meets every constraint. Relax {listing}."


def relaxable(model: linopy.Model) -> dict[str, str]:
    """Relaxable constraints present in `model`, with the bound of single-row ones."""
    found: dict[str, str] = {}
    for name in RELAXABLE:
        if name in model.constraints:
            rhs = model.constraints[name].rhs
            found[name] = f"<= {float(rhs):,.0f} USD" if rhs.size == 1 else ""
    return found


def solve(
    model: linopy.Model, *, mip_rel_gap: float = 1e-6, time_limit: float | None = None, model_name: str = "portfolio"
) -> SolveReport:
    """Solve `model` in place with HiGHS; raise InfeasibleError unless a solution was found.

    A time limit that stops a MIP with a feasible solution is accepted; the gap says how far
    from optimal it may be.

    Examples
    --------
    >>> m = linopy.Model()
    >>> x = m.add_variables(lower=0, name="x")
    >>> _ = m.add_constraints(x >= 2, name="need")
    >>> m.add_objective(3 * x)
    >>> solve(m).objective
    6.0
    """
    started = time.perf_counter()
    status, condition = model.solve(solver_name="highs", io_api="direct", **highs_options(mip_rel_gap, time_limit))
    seconds = time.perf_counter() - started
    value = model.objective.value
    found = value is not None and math.isfinite(value)
    if condition != "optimal" and not (condition == "time_limit" and found):
        raise InfeasibleError(infeasible_message(model_name, condition, relaxable(model)))
    report = getattr(model.solver, "report", None)
    gap = getattr(report, "mip_gap", None)
    return SolveReport(
        str(status),
        str(condition),
        float(value or 0.0),
        0.0 if gap is None or "MI" not in model.type else float(gap),
        seconds,
    )
