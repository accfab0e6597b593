"""Reading the user's TOML and JSON documents: bounded before parsing, checked after.

The standard parsers recurse once per nesting level, so a file nested a few thousand levels
deep ends in ``RecursionError``; a cheap scan of bracket depth refuses such a file before it is
parsed. After parsing, :func:`non_finite` walks the document (iteratively) for ``nan`` and
``inf``, which TOML allows but no critmin quantity can take.

Examples
--------
>>> doc, issues = read_toml("a = [[1]]\\nb = {c = nan}", "x.toml")
>>> [str(i) for i in non_finite(doc, "x.toml")]
["x.toml, field 'b.c': nan is not a finite number. Fix: give a finite number."]
>>> read_toml("a = " + "[" * 100 + "]" * 100, "deep.toml")[1][0].problem
'nested 100 levels deep (at most 32 allowed)'
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Mapping
from typing import Any

from critmin.errors import Issue

MAX_DEPTH = 32
"""Deepest nesting of arrays and tables any critmin document may have."""
MAX_DOCUMENT_BYTES = 5_000_000
"""Largest TOML or JSON document critmin parses (the shipped ones are a few kilobytes)."""
_SPECIAL = re.compile(r"[\[\]{}\"'#\\\n]")


def nesting_depth(text: str) -> int:
    """Deepest nesting of ``[``/``{`` outside strings and comments (TOML or JSON text).

    Examples
    --------
    >>> nesting_depth('a = [[1, "[[["], {b = 2}]  # [[[')
    2
    """
    depth = deepest = skip = 0
    quote = ""
    comment = False
    for match in _SPECIAL.finditer(text):
        char, at = match.group(), match.start()
        if at < skip:
            continue
        if comment:
            comment = char != "\n"
        elif quote:
            if char == "\\" and quote[0] == '"':
                skip = at + 2  # an escaped character never ends the string
            elif text.startswith(quote, at):
                quote, skip = "", at + len(quote)
        elif char in "\"'":
            quote = char * 3 if text.startswith(char * 3, at) else char
            skip = at + len(quote)
        elif char == "#":
            comment = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(depth - 1, 0)
    return deepest


def _bounded(text: str, file: str) -> list[Issue]:
    if len(text) > MAX_DOCUMENT_BYTES:
        return [
            Issue(
                file,
                0,
                "(file)",
                f"is {len(text):,} characters long (at most {MAX_DOCUMENT_BYTES:,} allowed)",
                "split the document or remove what critmin does not read",
            )
        ]
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        return [
            Issue(
                file,
                0,
                "(file)",
                f"nested {depth} levels deep (at most {MAX_DEPTH} allowed)",
                "flatten the nested arrays or tables",
            )
        ]
    return []


def read_toml(text: str, file: str) -> tuple[dict[str, Any], list[Issue]]:
    """Parse TOML `text`; on any problem the document is empty and the Issue says why."""
    issues = _bounded(text, file)
    if issues:
        return {}, issues
    try:
        return tomllib.loads(text), []
    except tomllib.TOMLDecodeError as err:
        return {}, [Issue(file, 0, "(file)", f"not valid TOML: {err}", "correct the TOML syntax at the position given")]


def read_json(text: str, file: str) -> tuple[Any, list[Issue]]:
    """Parse JSON `text` (``NaN``/``Infinity`` refused); None and an Issue on any problem."""
    issues = _bounded(text, file)
    if issues:
        return None, issues

    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not a finite number")

    try:
        return json.loads(text, parse_constant=refuse), []
    except ValueError as err:  # json.JSONDecodeError is a ValueError
        return None, [
            Issue(file, 0, "(file)", f"is not valid UTF-8 JSON ({err})", "fix the JSON syntax or remove the file")
        ]


def non_finite(doc: Any, file: str) -> list[Issue]:
    """An Issue for every ``nan``/``inf`` anywhere in a parsed document, named by its key path."""
    issues = []
    stack: list[tuple[str, Any]] = [("", doc)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            issues.append(Issue(file, 0, path or "(file)", f"{value} is not a finite number", "give a finite number"))
        elif isinstance(value, Mapping):
            stack += [(f"{path}.{key}" if path else str(key), item) for key, item in reversed(list(value.items()))]
        elif isinstance(value, list):
            stack += [(f"{path}[{i}]", item) for i, item in reversed(list(enumerate(value)))]
    return issues
