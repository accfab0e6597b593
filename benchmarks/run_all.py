"""Run every benchmark script in this folder; each prints its table and writes out/benchmarks/*.json."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).parent
    status = 0
    for script in sorted(here.glob("bench_*.py")):
        print(f"\n### {script.name}", flush=True)
        status |= subprocess.call([sys.executable, str(script)])
    return status


if __name__ == "__main__":
    sys.exit(main())
