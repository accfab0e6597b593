"""Scenario TOML written out in the shock tests: a header and an export control by China."""

from __future__ import annotations


def header(horizon: int, *, name: str = "t", start: str = "2024-01", seed: int = 1, draws: int = 1) -> str:
    """The lines above a scenario's events.

    >>> header(2)
    'name = "t"\\nhorizon_months = 2\\nstart = "2024-01"\\nseed = 1\\ndraws = 1\\n'
    """
    return f'name = "{name}"\nhorizon_months = {horizon}\nstart = "{start}"\nseed = {seed}\ndraws = {draws}\n'


def export_control(top: str, **fields: object) -> str:
    """`top` (a :func:`header`) and one export control by China; each field's value as TOML writes it.

    >>> export_control(header(1), materials='["gallium"]', effective=2).splitlines()[6:]
    ['[[events]]', 'kind = "export_control"', 'controller = "CHN"', 'materials = ["gallium"]', 'effective = 2']
    """
    lines = ["", "[[events]]", 'kind = "export_control"', 'controller = "CHN"']
    return top + "\n".join([*lines, *(f"{key} = {value}" for key, value in fields.items())]) + "\n"
