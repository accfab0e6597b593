"""Build critmin's packaged default dataset from ``data-raw/`` (the code is in ``tools/dataset/``).

.venv/bin/python tools/build_dataset.py            # writes critmin/data/packaged/
.venv/bin/python tools/build_dataset.py --out DIR  # writes DIR/
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.dataset import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
