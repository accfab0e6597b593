"""Limits on the work one request may ask for, checked before any work starts.

The figures come from the simulator's measured cost on one core: about 0.06 s per simulated
month plus 1.2 ms per draw and month (draws are simulated together, months one after another).
A request above a limit is refused with what it would cost and how to ask for it in pieces.

Examples
--------
>>> check_run(24, 200, "s.toml", "draws")
[]
>>> check_run(10_000_000, 1, "s.toml", "horizon_months")[0].problem
'10000000 months is above the limit of 600 (50 years)'
"""

from __future__ import annotations

from critmin.errors import Issue

MAX_HORIZON_MONTHS = 600
"""Longest horizon of one scenario (50 years)."""
MAX_DRAWS = 20_000
"""Most Monte Carlo draws of one run."""
MAX_DRAW_MONTHS = 1_000_000
"""Most draws x months of one run (about 20 minutes on one core)."""
MAX_SWEEP_SCENARIOS = 2_000_000
"""Most scenarios (cases x draws per case) of one sweep."""
MAX_SWEEP_DRAW_MONTHS = 50_000_000
"""Most scenarios x months of one sweep (about 17 core-hours)."""
SECONDS_PER_MONTH = 0.06
SECONDS_PER_DRAW_MONTH = 0.0012


def estimated_seconds(months: int, draws: int) -> float:
    """Rough time on one core to simulate `draws` draws of `months` months.

    Examples
    --------
    >>> round(estimated_seconds(24, 200))
    7
    """
    return months * (SECONDS_PER_MONTH + SECONDS_PER_DRAW_MONTH * draws)


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds / 3600:,.0f} hours"


def check_run(months: int, draws: int, file: str, field: str) -> list[Issue]:
    """Problems of a run of `draws` draws over `months` months (`field` is the value to change)."""
    if months > MAX_HORIZON_MONTHS:
        return [
            Issue(
                file,
                0,
                field,
                f"{months} months is above the limit of {MAX_HORIZON_MONTHS} (50 years)",
                f"simulate at most {MAX_HORIZON_MONTHS} months; split a longer study into scenarios that start later",
            )
        ]
    if draws > MAX_DRAWS:
        return [
            Issue(
                file,
                0,
                field,
                f"{draws:,} draws is above the limit of {MAX_DRAWS:,}",
                f"run at most {MAX_DRAWS:,} draws at a time, with different seeds, and pool the results"
                " (or use `critmin sweep`, which runs in chunks)",
            )
        ]
    if months * draws > MAX_DRAW_MONTHS:
        return [
            Issue(
                file,
                0,
                field,
                f"{draws:,} draws x {months} months = {months * draws:,} draw-months (about "
                f"{_duration(estimated_seconds(months, draws))} on one core) is above the limit of "
                f"{MAX_DRAW_MONTHS:,}",
                f"run at most {MAX_DRAW_MONTHS // months:,} draws at a time with different seeds, or a shorter horizon",
            )
        ]
    return []


def check_sweep(scenarios: int, months: int, file: str) -> list[Issue]:
    """Problems of a sweep of `scenarios` scenarios (cases x draws per case) over `months` months."""
    fix = "split the grid into several sweeps (fewer values per axis), or fewer draws_per_case"
    if scenarios > MAX_SWEEP_SCENARIOS:
        return [
            Issue(
                file,
                0,
                "grid",
                f"{scenarios:,} scenarios (grid points x policies x draws_per_case) is above the limit of "
                f"{MAX_SWEEP_SCENARIOS:,}",
                fix,
            )
        ]
    if scenarios * months > MAX_SWEEP_DRAW_MONTHS:
        hours = _duration(scenarios * months * SECONDS_PER_DRAW_MONTH)
        return [
            Issue(
                file,
                0,
                "grid",
                f"{scenarios:,} scenarios x {months} months = {scenarios * months:,} scenario-months (about {hours} "
                f"of one core) is above the limit of {MAX_SWEEP_DRAW_MONTHS:,}",
                fix,
            )
        ]
    return []
