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
MAX_TRAJECTORY_BYTES = 2_000_000_000
"""Largest full trajectories (arrays in memory) a run keeps without ``--allow-large`` (2 GB; the
default data take ~25 MB a draw over 24 months, so about 80 draws)."""
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


def size_text(nbytes: float) -> str:
    """Bytes in words.

    >>> size_text(925e6), size_text(1.86e9), size_text(24.6e9), size_text(4e5)
    ('925 MB', '1.9 GB', '25 GB', '0.4 MB')
    """
    if nbytes >= 1e10:
        return f"{nbytes / 1e9:,.0f} GB"
    if nbytes >= 1e9:
        return f"{nbytes / 1e9:.1f} GB"
    return f"{nbytes / 1e6:.0f} MB" if nbytes >= 1e7 else f"{nbytes / 1e6:.1f} MB"


def check_trajectories(nbytes: int, draws: int, file: str, field: str) -> list[Issue]:
    """Problems of keeping `nbytes` of full trajectories of `draws` draws (`field` is the option to add).

    >>> check_trajectories(10**9, 50, "command line", "--trajectories")
    []
    >>> print(check_trajectories(19 * 10**9, 1000, "command line", "--trajectories")[0].problem)
    full trajectories of 1,000 draws take about 19 GB in memory, above the limit of 2.0 GB
    """
    if nbytes <= MAX_TRAJECTORY_BYTES:
        return []
    most = max(1, MAX_TRAJECTORY_BYTES * draws // nbytes)
    return [
        Issue(
            file,
            0,
            field,
            f"full trajectories of {draws:,} draws take about {size_text(nbytes)} in memory, above the limit of "
            f"{size_text(MAX_TRAJECTORY_BYTES)}",
            f"leave out --trajectories (the monthly bands are kept for any number of draws), ask for at most "
            f"{most:,} draws, or add --allow-large to keep them anyway",
        )
    ]


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
