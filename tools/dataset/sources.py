"""The source registry: raw rows, estimate methods and assumptions, each a record of sources.csv."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from .common import RAW, VERSION


@dataclass
class Sources:
    """Source records, keyed by id; raw rows are registered by (source, url, grade)."""

    meta: dict[str, tuple[str, str]]  # url -> (publisher, year) from SOURCES_*.md
    records: dict[str, dict[str, str]] = field(default_factory=dict)
    by_raw: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def _slug(self, source: str, url: str) -> str:
        m = re.search(r"mcs(\d{4})/mcs\d{4}-([a-z-]+)\.pdf", url)
        if m:
            return f"usgs-mcs{m.group(1)}-{m.group(2)}"
        if "EU-Critical-Raw-Materials" in url:
            return "eu-crm2023-app7"
        if "doi.org/10.2873/876644" in url:
            return "eu-crm2017-assessment"
        if "westernbalkans-infohub" in url:
            return "eu-crm2023-sr-ei"
        words = re.findall(r"[a-z0-9]+", source.lower())
        stop = {"the", "of", "a", "as", "by", "and", "in", "on", "for", "to", "via", "s", "citing"}
        words = [w for w in words if w not in stop][:5]
        return "-".join(words)[:48].strip("-")

    def raw(self, row: pd.Series) -> str:
        source, url = str(row["source"]), str(row["source_url"])
        grade = "E" if str(row["grade"]).startswith("E") else str(row["grade"])[0]
        key = (source, url, grade)
        if key in self.by_raw:
            return self.by_raw[key]
        base = self._slug(source, url)
        sid = ("raw-est-" + base) if grade == "E" else base
        i, stem = 2, sid
        while sid in self.records and self.records[sid]["url"] != url:
            sid, i = f"{stem}-{i}", i + 1
        publisher, year = self.meta.get(url) or _publisher_and_year(source, url)
        title = source if grade != "E" else f"Derived from: {source} (arithmetic in the row note)"
        if sid not in self.records:
            self.records[sid] = {
                "source_id": sid,
                "title": title,
                "publisher": publisher,
                "year": year,
                "url": url,
                "grade": grade,
                "note": "",
            }
        self.by_raw[key] = sid
        return sid

    def estimate(self, sid: str, title: str, url: str, note: str) -> str:
        assert sid.startswith("est-"), sid
        self.records[sid] = {
            "source_id": sid,
            "title": title,
            "publisher": "critmin",
            "year": str(VERSION[:4]),
            "url": url,
            "grade": "E",
            "note": note,
        }
        return sid

    def assumption(self, sid: str, what: str, note: str) -> str:
        assert sid.startswith("asm-"), sid
        self.records[sid] = {
            "source_id": sid,
            "title": f"critmin assumption: {what}",
            "publisher": "critmin",
            "year": str(VERSION[:4]),
            "url": "",
            "grade": "E",
            "note": note,
        }
        return sid

    def grade(self, sid: str) -> str:
        return self.records[sid]["grade"]


def _publisher_and_year(source: str, url: str) -> tuple[str, str]:
    """For a source missing from SOURCES_*.md: the web host as publisher, the year the title or URL names."""
    host = re.sub(r"^www\d?\.", "", re.sub(r"^[a-z]+://", "", url).split("/")[0])
    found = re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)", f"{source} {url}")
    return host or "unknown", found[0] if found else "n.d."


def read_source_meta() -> dict[str, tuple[str, str]]:
    """URL -> (publisher, year) from the source lists in SOURCES_*.md."""
    meta: dict[str, tuple[str, str]] = {}
    pat = re.compile(r"Publisher: (.*?)\. Year: (.*?)\. <(.*?)>")
    for name in ("SOURCES_supply.md", "SOURCES_market.md"):
        for line in (RAW / name).read_text(encoding="utf-8").splitlines():
            m = pat.search(line)
            if m:
                year = "n.d. (accessed 2026)" if m.group(2) == "current" else m.group(2)
                meta.setdefault(m.group(3), (m.group(1), year))
    return meta
