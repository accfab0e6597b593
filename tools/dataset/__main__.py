"""``python -m tools.dataset [--out DIR]``."""

from .build import main

raise SystemExit(main())
