"""Long runs (shock simulation, optimisation) in a child process that can be cancelled.

The engines are ``critmin.shock.run(dataset, scenario)`` and the optimiser's pipeline
(:func:`response_run`: the scenario files simulated once, the portfolio at one budget and the
frontier over several, :mod:`critmin.optimise.pipeline`). When one is not importable the page
that needs it says so; nothing is imitated. This module does not import Panel, so a spawned
child process starts quickly.

Examples
--------
>>> engine_available("critmin.no_such_module")
False
"""

from __future__ import annotations

import importlib
import multiprocessing as mp
import queue as queue_module
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SHOCK_ENGINE = "critmin.shock"
SHOCK_KEPT = (
    "final_need",
    "final_use",
    "shortfall",
    "inventory",
    "stockpile",
    "price_ratio",
    "price",
    "stopped",
    "downtime",
    "stopped_share",
    "first_stop_offset",
    "cumulative_final_gap",
)
"""What the Shock page draws; with the monthly bands (``band_*``, ``mean_*``) of every run."""
RESPONSE_ENGINE = "critmin.optimise"
RESPONSE_ENTRY = "optimise_from_scenarios"
SIMULATED_SHARE = 0.8
"""Share of the progress bar for the simulation; the two solves take the rest."""
RESPONSE_DROPPED = ("shortfall_t", "baseline_shortfall_t", "expected_release_t")
"""Large arrays of an optimiser result the Response page does not draw (kept in the child)."""


def engine_available(module: str, name: str = "run") -> bool:
    """Whether ``module.name`` can be imported and called."""
    try:
        return callable(getattr(importlib.import_module(module), name, None))
    except ImportError:
        return False


def response_run(
    dataset: Any,
    scenarios: list[str],
    budget: float,
    draws: int,
    seed: int,
    budgets: list[float] | None = None,
    *,
    progress: Callable[[float], None] | None = None,
) -> dict[str, Any]:
    """Simulate `scenarios` once, optimise the portfolio for `budget`, trace the frontier.

    What :func:`critmin.optimise.optimise_from_scenarios` and
    :func:`critmin.optimise.frontier_from_scenarios` do, on one shared simulation (same draws,
    half the time). `budgets` defaults to the pipeline's frontier budgets plus `budget`.
    Returns ``{"portfolio": result, "frontier": frontier}``, what
    :func:`critmin.report.results.response_view` reads. `progress` is keyword-only: the child
    process passes its own (:func:`_work`), so a job's positional arguments can never reach it.
    """
    import warnings

    from critmin.optimise import frontier
    from critmin.optimise.pipeline import DEFAULT_BUDGETS, optimise_inputs, prepare_inputs

    def step(done: int, total: int) -> None:
        if progress is not None:
            progress(SIMULATED_SHARE * done / max(total, 1))

    chosen = sorted({*(float(b) for b in (budgets or DEFAULT_BUDGETS)), float(budget)})
    with warnings.catch_warnings():  # xarray's notice about a future merge default, inside the optimiser
        warnings.simplefilter("ignore", FutureWarning)
        inputs = prepare_inputs(dataset, scenarios, int(draws), int(seed), step)
        result = optimise_inputs(inputs, float(budget))
        if progress is not None:
            progress(0.9)
        front = frontier(**inputs.optimiser_arguments(), budgets=chosen)
    if progress is not None:
        progress(1.0)
    result = result.drop_vars([v for v in RESPONSE_DROPPED if v in result])
    return {"portfolio": result, "frontier": front.assign_attrs(result.attrs)}


def _work(kind: str, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any) -> None:
    """Child process body: run the engine and put ('done', result) or ('failed', message)."""
    try:
        if kind == "shock":
            from critmin.scenarios.spec import parse_scenario

            run = importlib.import_module(SHOCK_ENGINE).run
            dataset, toml_text = args
            result = run(
                dataset,
                parse_scenario(toml_text),
                progress=lambda done, total: out.put(("progress", done / max(total, 1))),
            )
            kept = [v for v in result.data_vars if v in SHOCK_KEPT or str(v).startswith(("band_", "mean_"))]
            result = result[kept] if kept else result  # only what the page draws crosses the process boundary
        else:
            result = response_run(*args, **kwargs, progress=lambda fraction: out.put(("progress", float(fraction))))
        out.put(("done", result))
    except Exception as error:  # reported to the page, in words
        out.put(("failed", f"{type(error).__name__}: {error}"))


@dataclass
class Job:
    """One engine run in a spawned process; poll it from the page, cancel it at any time."""

    kind: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    status: str = "new"
    fraction: float = 0.0
    result: Any = None
    message: str = ""
    started: float = 0.0

    def start(self) -> None:
        """Start the child process."""
        context = mp.get_context("spawn")
        self._queue = context.Queue()
        self._process = context.Process(
            target=_work, args=(self.kind, self.args, self.kwargs, self._queue), daemon=True
        )
        self._process.start()
        self.status, self.started = "running", time.monotonic()

    def poll(self) -> str:
        """Status now: 'running', 'done', 'failed' or 'cancelled'."""
        if self.status != "running":
            return self.status
        while True:
            try:
                status, payload = self._queue.get_nowait()
            except queue_module.Empty:
                if not self._process.is_alive() and self._queue.empty():
                    self.status, self.message = "failed", f"the run stopped (exit code {self._process.exitcode})"
                return self.status
            if status != "progress":
                break
            self.fraction = float(payload)
        self.status = status
        if self.status == "done":
            self.result = payload
        else:
            self.message = str(payload)
        self._process.join(timeout=5)
        return self.status

    def cancel(self) -> None:
        """Stop the child process; the run's partial work is discarded."""
        if self.status == "running":
            self._process.terminate()
            self._process.join(timeout=5)
            self.status, self.message = "cancelled", "cancelled by the user"

    @property
    def elapsed(self) -> float:
        """Seconds since the start."""
        return time.monotonic() - self.started if self.started else 0.0
