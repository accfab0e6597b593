"""Read one CSV of a data package into text columns, or report why it cannot be read.

Everything is read as text so that validation, not the CSV parser, decides what a bad cell is
and can say so with the row and column a spreadsheet shows.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from critmin.errors import Issue

ROW_COLUMN = "_row"
"""Column added to every table: the row number as a spreadsheet shows it (header = 1)."""
MAX_ROW_ISSUES = 20
"""Ragged rows listed one by one; more are counted in one line."""


def read_table(path: Path, label: str, missing_fix: str | None = None) -> tuple[pd.DataFrame | None, list[Issue]]:
    """Read `path` as UTF-8 CSV text; return the table (or None) and the problems found.

    `label` is how the file is named in messages. Each cell stays a string with surrounding
    blanks stripped; an added column ``_row`` holds the spreadsheet row number.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.csv").write_text("material,value\\nndpr, 5 \\n", encoding="utf-8")
    >>> table, issues = read_table(folder / "a.csv", "a.csv")
    >>> table.to_dict("records"), issues
    ([{'material': 'ndpr', 'value': '5', '_row': 2}], [])
    """
    if not path.is_file():
        fix = missing_fix or f"create {path.name} or remove it from datapackage.json"
        return None, [Issue(label, 0, "(file)", "the file does not exist", fix)]
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        problem = f"is not UTF-8 text (byte 0x{raw[error.start]:02x} at line {line})"
        fix = "save the file as CSV UTF-8 (in Excel: Save As > 'CSV UTF-8')"
        return None, [Issue(label, line, "(encoding)", problem, fix)]
    if not text.strip():
        return None, [Issue(label, 0, "(file)", "the file is empty", "write a header row and at least one data row")]
    ragged = _ragged_rows(text, label)
    if ragged:
        return None, ragged
    try:
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, csv.Error) as error:
        return None, [
            Issue(
                label, 0, "(file)", f"is not valid CSV ({error})", "check quoting and the number of commas on each line"
            )
        ]
    if table.empty:
        return None, [Issue(label, 0, "(file)", "has a header but no data rows", "add at least one data row")]
    table.columns = [str(column).strip() for column in table.columns]
    table = table.apply(lambda column: column.str.strip())
    table[ROW_COLUMN] = range(2, len(table) + 2)
    return table, []


def _ragged_rows(text: str, label: str) -> list[Issue]:
    """Rows whose number of cells differs from the header's (a stray comma shifts every column)."""
    try:
        records = list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        return [Issue(label, 0, "(file)", f"is not valid CSV ({error})", "check the quoting on each line")]
    width = len(records[0]) if records else 0
    widths = {len(cells) for cells in records[1:] if cells}
    if len(widths) == 1 and width not in widths and len(records) > 2:
        (cells,) = widths
        return [
            Issue(
                label,
                1,
                "(header)",
                f"the header has {width} cells but every data row has {cells}",
                "give every column a name in the header row, or remove the trailing comma of each row",
            )
        ]
    ragged = [(row, len(cells)) for row, cells in enumerate(records[1:], start=2) if cells and len(cells) != width]
    issues = [
        Issue(
            label,
            row,
            "(row)",
            f"has {cells} cells but the header has {width}",
            "remove the stray or trailing comma, or quote a value that contains a comma",
        )
        for row, cells in ragged[:MAX_ROW_ISSUES]
    ]
    if len(ragged) > MAX_ROW_ISSUES:
        issues.append(
            Issue(
                label,
                0,
                "(row)",
                f"{len(ragged) - MAX_ROW_ISSUES} more rows have the wrong number of cells",
                "as above",
            )
        )
    return issues
