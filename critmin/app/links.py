"""Links that reopen a view: material, ally, scenarios and page in the query string, checked on the server.

A link is read once, when its browser session starts (Panel's ``session_args``). Every value is
checked against what the dataset in use offers; a wrong one is named with the values that would
work, and the rest of the link still applies. Nothing in a link is evaluated or written anywhere.

Examples
--------
>>> choices = Choices(materials=("cobalt", "ndfeb"), allies=("JPN", "USA"), scenarios=("a", "b"),
...                   pages=("Exposure", "Response"))
>>> view, problems = parse_view({"material": [b"cobalt"], "ally": [b"usa"], "scenario": [b"a,b"]}, choices)
>>> view, problems
(View(material='cobalt', ally='USA', scenarios=('a', 'b'), page=None), [])
>>> query(view)
'?material=cobalt&ally=USA&scenario=a%2Cb'
>>> parse_view({"material": [b"gold"], "colour": [b"red"]}, choices)[1]  # doctest: +NORMALIZE_WHITESPACE
["link: material 'gold' is not a material with data here. Fix: use one of cobalt, ndfeb.",
 "link: unknown parameter 'colour'. Fix: use material, ally, scenario or page."]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

KEYS = ("material", "ally", "scenario", "page")
MAX_VALUE = 400
"""Longest value read from a link (characters); a longer one is refused, not truncated."""


@dataclass(frozen=True)
class Choices:
    """What a link may name: the dataset's materials and allies, the library's scenarios, the app's pages."""

    materials: Sequence[str]
    allies: Sequence[str]
    scenarios: Sequence[str]
    pages: Sequence[str]


@dataclass(frozen=True)
class View:
    """The parts of a view a link restores; None (or empty) where the link names nothing valid."""

    material: str | None = None
    ally: str | None = None
    scenarios: tuple[str, ...] = ()
    page: str | None = None


def _text(raw: Sequence[bytes | str]) -> str:
    last = raw[-1] if raw else b""
    return (last.decode("utf-8", "replace") if isinstance(last, bytes) else str(last)).strip()


def _pick(key: str, value: str, allowed: Sequence[str], what: str, problems: list[str]) -> str | None:
    """`value` as spelt in `allowed` (case-insensitive), else None and a problem naming the choices."""
    match = {a.lower(): a for a in allowed}.get(value.lower())
    if match is None:
        shown = ", ".join(allowed[:30]) + (" …" if len(allowed) > 30 else "")
        problems.append(f"link: {key} '{value}' is not {what}. Fix: use one of {shown}.")
    return match


def parse_view(args: Mapping[str, Sequence[bytes | str]], choices: Choices) -> tuple[View, list[str]]:
    """The view a link's query arguments name, and every problem with them (all at once)."""
    problems: list[str] = []
    found: dict[str, object] = {}
    for key, raw in args.items():
        if key not in KEYS:
            problems.append(f"link: unknown parameter '{key[:40]}'. Fix: use material, ally, scenario or page.")
            continue
        value = _text(raw)
        if len(value) > MAX_VALUE:
            problems.append(f"link: {key} is {len(value)} characters long. Fix: at most {MAX_VALUE}.")
            continue
        if not value:
            continue
        if key == "material":
            found[key] = _pick(key, value, choices.materials, "a material with data here", problems)
        elif key == "ally":
            found[key] = _pick(key, value, choices.allies, "an ally with trade data here", problems)
        elif key == "page":
            found[key] = _pick(key, value, choices.pages, "a page of the app", problems)
        else:
            names = [_pick(key, v.strip(), choices.scenarios, "a library scenario", problems) for v in value.split(",")]
            found["scenarios"] = tuple(n for n in names if n)
    return View(**found), problems  # type: ignore[arg-type]


def query(view: View) -> str:
    """The query string that reopens `view` ('' when it names nothing)."""
    pairs = [("material", view.material), ("ally", view.ally), ("scenario", ",".join(view.scenarios) or None)]
    pairs.append(("page", view.page))
    kept = [(k, v) for k, v in pairs if v]
    return "?" + urlencode(kept) if kept else ""
