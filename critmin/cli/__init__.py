"""The ``critmin`` command: one subcommand per public function, nothing more.

Every subcommand takes ``--data PATH`` (the user's own data package, a partial override of the
packaged default or a complete replacement). Input problems are printed all at once, with file,
row, field and fix, and the command exits with status 2 without writing any result.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from critmin.cli.commands import DEFAULT_RESPONSE_SCENARIOS, format_stops, pdf_line
from critmin.cli.parser import build_parser
from critmin.errors import CritminError

Handler = Callable[[argparse.Namespace], int]

__all__ = ["DEFAULT_RESPONSE_SCENARIOS", "build_parser", "format_stops", "main", "pdf_line"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``critmin`` with `argv`; return the exit status."""
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except CritminError as error:  # DataError and ScenarioError included: bad input, exit 2, nothing written
        print(f"critmin {args.command}: {error}", file=sys.stderr)
        return 2
