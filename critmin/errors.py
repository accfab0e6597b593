"""Errors and warnings raised by critmin."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class CritminError(Exception):
    """Base class of every error critmin raises on purpose."""


@dataclass(frozen=True)
class Issue:
    """One problem in one cell of an input file.

    ``row`` counts as a spreadsheet does: the header is row 1, the first data row is row 2;
    0 means the problem concerns the whole file.
    """

    file: str
    row: int
    field: str
    problem: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.file}, row {self.row}" if self.row else self.file
        return f"{where}, field {self.field!r}: {self.problem}. Fix: {self.fix}."


class DataError(CritminError, ValueError):
    """Input failed validation; `issues` holds every problem found."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = tuple(issues)
        listing = "\n".join(f"  {issue}" for issue in self.issues)
        super().__init__(f"{len(self.issues)} problem(s) in input; nothing was loaded:\n{listing}")

    def __reduce__(self) -> tuple[type, tuple[tuple[Issue, ...]]]:
        return type(self), (self.issues,)


class ScenarioError(DataError):
    """A scenario or sweep file failed validation."""


class InfeasibleError(CritminError, RuntimeError):
    """An optimisation model has no solution; the message names what to relax."""
