"""Builder of critmin's packaged default dataset (``critmin/data/packaged/``) from ``data-raw/``.

One module per output concept; each step is a function of a shared :class:`~tools.dataset.context.Context`.
:func:`build` returns the tables, :func:`main` is the command line.
"""

from .build import build, main

__all__ = ["build", "main"]
