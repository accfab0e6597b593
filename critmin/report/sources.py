"""Citations: footnote numbers, hover text and the Sources appendix of a briefing.

Every figure and table of the briefing names the source ids its numbers rest on. A
:class:`Citations` register numbers them in order of first citation, so the PDF shows footnote
marks such as ``[1, 3]``, the HTML carries the same list as ``title=`` hover text, and the
appendix lists each source once with id, title, publisher, year, URL and grade.

Examples
--------
>>> from critmin.data import load
>>> cites = Citations(load("tests/data/mini"))
>>> cites.marks(["usgs-test", "est-test", "usgs-test"])
'[1, 2]'
>>> cites.hover(["usgs-test"]).splitlines()[1]
'[1] usgs-test: USGS MCS 2026 Rare Earths. USGS, 2026. Grade T.'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import xarray as xr

from critmin.vocabulary import GRADES


@dataclass(frozen=True)
class SourceRecord:
    """One entry of the Sources appendix."""

    number: int
    source_id: str
    title: str
    publisher: str
    year: str
    url: str
    grade: str
    cited: bool

    @property
    def grade_meaning(self) -> str:
        """The grade's meaning from the vocabulary ('' when the grade is unknown)."""
        return GRADES.get(self.grade, "")


def split_ids(ids: Iterable[str] | str) -> list[str]:
    """Source ids from a list or a ``;``-joined string, blanks dropped, order kept, no repeats."""
    items = [ids] if isinstance(ids, str) else list(ids)
    seen: dict[str, None] = {}
    for item in items:
        for part in str(item).split(";"):
            text = part.strip()
            if text and text not in ("nan", "None"):
                seen.setdefault(text, None)
    return list(seen)


class Citations:
    """Numbers source ids in order of first citation and renders marks, hover text, appendix.

    Parameters
    ----------
    ds : xarray.Dataset
        A critmin dataset with ``source_title``, ``source_publisher``, ``source_year``,
        ``source_url`` and ``source_grade`` on the ``source`` dim.
    """

    def __init__(self, ds: xr.Dataset) -> None:
        self._records: dict[str, dict[str, str]] = {}
        if "source" in ds.dims:
            fields = ("title", "publisher", "year", "url", "grade")
            for position, source_id in enumerate(ds["source"].values):
                self._records[str(source_id)] = {name: _text(ds, f"source_{name}", position) for name in fields}
        self._order: dict[str, int] = {}

    def register(self, source_id: str, title: str, publisher: str = "", year: str = "", url: str = "") -> None:
        """Add a source kept outside the dataset (e.g. an outlook scenario's); the dataset's record wins."""
        fields = {"title": title, "publisher": publisher, "year": year, "url": url, "grade": ""}
        self._records.setdefault(source_id, fields)

    def numbers(self, ids: Iterable[str] | str) -> list[int]:
        """Footnote numbers of `ids`, registering new ids; unknown ids are numbered too."""
        found = []
        for source_id in split_ids(ids):
            if source_id not in self._order:
                self._order[source_id] = len(self._order) + 1
            found.append(self._order[source_id])
        return sorted(set(found))

    def marks(self, ids: Iterable[str] | str) -> str:
        """Footnote marks such as ``[1, 3]`` or ``[1–4, 9]`` (runs of three or more joined);
        ``[no source recorded]`` when `ids` is empty."""
        numbers = self.numbers(ids)
        return "[" + ", ".join(_runs(numbers)) + "]" if numbers else "[no source recorded]"

    def line(self, source_id: str) -> str:
        """One-line citation of a registered or known source id."""
        number = self.numbers([source_id])[0]
        record = self._records.get(source_id)
        if record is None:
            return f"[{number}] {source_id}: not in the dataset's source list."
        return (
            f"[{number}] {source_id}: {record['title']}. {record['publisher']}, {record['year']}. "
            f"Grade {record['grade']}."
        )

    def hover(self, ids: Iterable[str] | str) -> str:
        """Hover text listing every source of a figure or table, one per line."""
        chosen = split_ids(ids)
        if not chosen:
            return "Sources: no source recorded for these values."
        return "\n".join(["Sources:", *(self.line(source_id) for source_id in chosen)])

    def appendix(self) -> list[SourceRecord]:
        """Every cited source in footnote order, then the dataset's uncited sources."""
        rows = [self._record(source_id, number, True) for source_id, number in self._order.items()]
        uncited = [source_id for source_id in self._records if source_id not in self._order]
        start = len(rows)
        rows += [self._record(sid, start + i + 1, False) for i, sid in enumerate(sorted(uncited))]
        return rows

    def _record(self, source_id: str, number: int, cited: bool) -> SourceRecord:
        record = self._records.get(source_id, {})
        return SourceRecord(
            number=number,
            source_id=source_id,
            title=record.get("title", "not in the dataset's source list"),
            publisher=record.get("publisher", ""),
            year=record.get("year", ""),
            url=record.get("url", ""),
            grade=record.get("grade", ""),
            cited=cited,
        )


def _runs(numbers: list[int]) -> list[str]:
    """Sorted numbers as text, runs of three or more as 'a–b'.

    Examples
    --------
    >>> _runs([1, 2, 3, 4, 7, 9, 10])
    ['1–4', '7', '9', '10']
    """
    out: list[str] = []
    start = 0
    for i in range(1, len(numbers) + 1):
        if i == len(numbers) or numbers[i] != numbers[i - 1] + 1:
            run = numbers[start:i]
            out += [f"{run[0]}–{run[-1]}"] if len(run) >= 3 else [str(n) for n in run]
            start = i
    return out


def _text(ds: xr.Dataset, name: str, position: int) -> str:
    if name not in ds:
        return ""
    value = ds[name].values[position]
    return "" if value is None or str(value) == "nan" else str(value)
