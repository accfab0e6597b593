"""Concentration over time for people: the same rows as ``critmin exposure --over-time``, as HTML.

The app's Exposure page and the briefing both call :func:`trend_table`, which reads
:func:`critmin.report.tables.over_time_with_sources`, so the CLI, the app and the briefing show one
number per (material, stage, year).
"""

from __future__ import annotations

from html import escape

import pandas as pd
import xarray as xr

from critmin.report.content import country_label
from critmin.report.sources import Citations
from critmin.report.tables import over_time_with_sources

TREND_NOTE = (
    "China's share of world output every year; the largest producer, the top-three share and the HHI (0-1) "
    "only in years whose source names the producers (\u2013 where it gives only the world and China)."
)


def _percent(share: float) -> str:
    """One decimal, as the command line prints it."""
    return f"{share:.1%}"


def trend_rows(ds: xr.Dataset, material: str) -> pd.DataFrame:
    """Over-time rows of one material's stages that have more than one year of data."""
    table = over_time_with_sources(ds, [material], None)
    years = table.groupby("stage")["year"].transform("nunique")
    return table[years > 1].reset_index(drop=True)


def trend_table(rows: pd.DataFrame, cites: Citations) -> str:
    """An HTML table of :func:`trend_rows`, each row citing its sources."""
    if rows.empty:
        return ""
    body = []
    for r in rows.itertuples():
        dash = "\u2013"
        cells = [
            escape(str(r.stage)),
            str(r.year),
            _percent(r.china_share),
            escape(country_label(r.dominant)) if r.itemised else dash,
            _percent(r.dominant_share) if r.itemised else dash,
            _percent(r.top3_share) if r.itemised else dash,
            f"{r.hhi:.2f}" if r.itemised else dash,
            escape(cites.marks(r.sources)),
        ]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    header = ["stage", "year", "China", "largest producer", "its share", "top three", "HHI", "sources"]
    head = "".join(f"<th>{h}</th>" for h in header)
    return (
        f'<table class="trend"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
        f'<p class="note">{escape(TREND_NOTE)}</p>'
    )
