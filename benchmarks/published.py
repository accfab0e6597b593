"""The one way a benchmark reports: its figures as a table on stdout and as out/benchmarks/NAME.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def publish(name: str, result: dict[str, Any], hidden: tuple[str, ...] = ()) -> Path:
    """Print ``result`` (keys in `hidden` only in the file) and write it to out/benchmarks/`name`.json."""
    width = max(len(key) for key in result)
    for key, value in result.items():
        if key not in hidden:
            print(f"{key:>{width}} | {value}")
    path = Path("out/benchmarks") / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2))
    return path
