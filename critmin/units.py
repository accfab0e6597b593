"""The one pint registry of critmin and the unit strings it writes in attrs."""

from __future__ import annotations

from functools import lru_cache

import pint

ureg: pint.UnitRegistry = pint.UnitRegistry()
ureg.define("USD = [currency]")
ureg.define("EUR = [currency_eur]")


@lru_cache(maxsize=256)
def conversion_factor(given: str, wanted: str) -> float | None:
    """Factor that converts a value in `given` units to `wanted` units, or None if impossible.

    Examples
    --------
    >>> conversion_factor("kg/year", "t/year")
    0.001
    >>> conversion_factor("USD/kg", "t/year") is None
    True
    """
    try:
        return float(ureg.Quantity(1.0, given).to(wanted).magnitude)
    except (pint.errors.PintError, AttributeError, TypeError, ValueError, AssertionError):
        return None


def is_unit(text: str) -> bool:
    """Whether `text` parses as a pint unit.

    Examples
    --------
    >>> is_unit("USD/kg"), is_unit("tonnes of stuff")
    (True, False)
    """
    try:
        ureg.Unit(text)
    except (pint.errors.PintError, AttributeError, TypeError, ValueError, AssertionError):
        return False
    return True
