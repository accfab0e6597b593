"""The main job (``make run``): every capability's headline result on one dataset."""

from __future__ import annotations

from pathlib import Path

from critmin._io import atomic_write_csv
from critmin.data import load


def _section(title: str) -> None:
    print(f"\n{'=' * 78}\n{title}\n{'=' * 78}")


def main_job(data: str | None, out: Path) -> int:
    """Run the main job on the packaged dataset (or `data`) and write results under `out`."""
    from critmin.report.tables import format_stage_shares, stage_share_table

    ds = load(data)
    version = ds.attrs.get("version", "?")
    print(f"critmin main job: dataset {ds.attrs.get('name', '?')} {version}" + (f" + {data}" if data else ""))

    _section("1. Who makes what: world stage shares (latest year), each row with its source")
    shares = stage_share_table(ds)
    print(format_stage_shares(shares))
    written = [atomic_write_csv(shares, out / "stage_shares.csv")]

    print("\nwritten:\n" + "\n".join(f"  {path}" for path in written))
    return 0
