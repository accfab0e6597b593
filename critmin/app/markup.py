"""HTML pieces every app page uses: escaped tables that carry a CSV copy of themselves, and captioned charts."""

from __future__ import annotations

import csv
import io
from html import escape
from typing import Any
from urllib.parse import quote

from critmin.report.sources import Citations, split_ids


def csv_link(header: list[str], rows: list[list[Any]], name: str) -> str:
    """A link that saves `rows` as a CSV file named `name`, carried in the page (no request to the server).

    Examples
    --------
    >>> csv_link(["a", "b"], [[1, "x,y"]], "t.csv")
    '<a class="csv" download="t.csv" href="data:text/csv;charset=utf-8,a%2Cb%0D%0A1%2C%22x%2Cy%22%0D%0A">CSV</a>'
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    href = "data:text/csv;charset=utf-8," + quote(buffer.getvalue(), safe="")
    return f'<a class="csv" download="{escape(name, quote=True)}" href="{href}">CSV</a>'


def html_table(
    header: list[str], rows: list[list[str]], hover: str = "", cls: str = "", csv_name: str | None = None
) -> str:
    """An escaped HTML table with a link saving it as CSV; `hover` becomes its title= text."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    name = csv_name or f"{(cls.split() or ['table'])[0]}.csv"
    return (
        f'<table class="ctable {cls}" title="{escape(hover, quote=True)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>{csv_link(header, rows, name)}"
    )


def figure_html(svg: str, ids: list[str] | str, cites: Citations, caption: str) -> str:
    """A chart with its caption, source marks and hover citations."""
    hover = escape(cites.hover(ids), quote=True)
    chosen = split_ids(ids)
    named = ", ".join(chosen[:6]) + (f" and {len(chosen) - 6} more (hover for all)" if len(chosen) > 6 else "")
    return (
        f'<figure class="cfig" title="{hover}">{svg}<figcaption>{escape(caption)}. '
        f'<span class="cites">Sources: {escape(named or "none recorded")}</span></figcaption></figure>'
    )
