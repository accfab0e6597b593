"""``python -m critmin.cli``: the same as the ``critmin`` command."""

import sys

from critmin.cli import main

sys.exit(main())
