"""Build the app's and briefing's world map outlines from ``data-raw/geometry/`` (run once; deterministic).

.venv/bin/python tools/build_world_map.py   # writes critmin/data/geometry/world_110m.json

Input: Natural Earth 1:110m country polygons as TopoJSON (npm ``world-atlas@2.0.2``,
``countries-110m.json``, keyed by ISO 3166-1 numeric code) and the numeric to alpha-3 table of npm
``i18n-iso-countries@7.14.0`` (``codes.json``). Output: one SVG path per ISO3 country in the Equal
Earth projection (equal-area, so a choropleth does not inflate high-latitude countries), scaled to
the charts' width, Antarctica left out. Shapes without a numeric code (Kosovo, N. Cyprus,
Somaliland) are kept under their names so no land is missing.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data-raw" / "geometry"
OUT = ROOT / "critmin" / "data" / "geometry" / "world_110m.json"
WIDTH = 680.0
LEFT_OUT = {"ATA"}  # Antarctica: no mineral flows, a third of the map's height
PROVENANCE = {
    "source": "Natural Earth 1:110m Admin 0 countries, via npm world-atlas@2.0.2 (countries-110m.json)",
    "source_url": "https://www.npmjs.com/package/world-atlas/v/2.0.2",
    "licence": "Natural Earth: public domain; world-atlas packaging: ISC, (c) 2013-2019 Michael Bostock",
    "codes": "ISO 3166-1 numeric to alpha-3 from npm i18n-iso-countries@7.14.0 codes.json (MIT, (c) 2016 widdix GmbH)",
    "projection": "Equal Earth (Savric, Patterson, Jenny 2018), Antarctica left out",
    "built_by": "tools/build_world_map.py from data-raw/geometry/",
}


def equal_earth(lon: float, lat: float) -> tuple[float, float]:
    """Equal Earth projection of degrees, in radians-scaled units (x within +-2.71, y within +-1.32)."""
    a1, a2, a3, a4 = 1.340264, -0.081106, 0.000893, 0.003796
    theta = math.asin(math.sqrt(3) / 2 * math.sin(math.radians(lat)))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = (
        2
        * math.sqrt(3)
        * math.radians(lon)
        * math.cos(theta)
        / (3 * (9 * a4 * t6 * t2 + 7 * a3 * t6 + 3 * a2 * t2 + a1))
    )
    y = theta * (a4 * t6 * t2 + a3 * t6 + a2 * t2 + a1)
    return x, y


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Absolute (lon, lat) points of each delta-encoded, quantised TopoJSON arc."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(indices: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    """A polygon ring from arc indices (a negative index ~i is arc i reversed)."""
    points: list[tuple[float, float]] = []
    for index in indices:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)  # consecutive arcs share their end point
    return points


def unwrap(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """A ring crossing the 180th meridian made continuous, then clipped at +-180 on its larger side."""
    out = [points[0]]
    for lon, lat in points[1:]:
        previous = out[-1][0]
        while lon - previous > 180:
            lon -= 360
        while previous - lon > 180:
            lon += 360
        out.append((lon, lat))
    east = sum(lon > 0 for lon, _ in out) >= len(out) / 2
    return [(min(lon, 180.0) if east else max(lon, -180.0), lat) for lon, lat in out]


def projected(
    rings: list[list[tuple[float, float]]], scale: float, x0: float, y0: float
) -> list[list[tuple[float, float]]]:
    """Rings in map pixels, rounded to 0.1 px, repeated points and slivers under three points dropped."""
    out = []
    for points in rings:
        xy: list[tuple[float, float]] = []
        for lon, lat in unwrap(points):
            x, y = equal_earth(lon, lat)
            p = (round((x - x0) * scale, 1), round((y0 - y) * scale, 1))
            if not xy or p != xy[-1]:
                xy.append(p)
        if len(xy) >= 3:
            out.append(xy)
    return out


def anchor(rings: list[list[tuple[float, float]]]) -> tuple[list[float], float]:
    """Centroid and area of the largest ring (a flow line ends on the mainland, not an overseas island)."""

    def shoelace(r: list[tuple[float, float]]) -> tuple[float, float, float]:
        a = cx = cy = 0.0
        for (x1, y1), (x2, y2) in zip(r, r[1:] + r[:1], strict=True):
            cross = x1 * y2 - x2 * y1
            a, cx, cy = a + cross, cx + (x1 + x2) * cross, cy + (y1 + y2) * cross
        return a / 2, cx / (3 * a) if a else r[0][0], cy / (3 * a) if a else r[0][1]

    area, cx, cy = max((shoelace(r) for r in rings), key=lambda t: abs(t[0]))
    return [round(cx, 1), round(cy, 1)], round(abs(area), 1)


def path(rings: list[list[tuple[float, float]]]) -> str:
    """SVG path data of projected rings."""
    return "".join("M" + "L".join(f"{x:g},{y:g}" for x, y in r) + "Z" for r in rings)


def build(raw: Path = RAW) -> dict:
    """The map file's content from the raw TopoJSON and code table."""
    topology = json.loads((raw / "countries-110m.json").read_text(encoding="utf-8"))
    numeric = {n: a3 for _, a3, n, *_ in json.loads((raw / "iso3166_codes.json").read_text(encoding="utf-8"))}
    arcs = decode_arcs(topology)
    shapes = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        key = numeric.get(geometry.get("id", ""), geometry["properties"]["name"])
        if key in LEFT_OUT:
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        rings = [ring(r, arcs) for polygon in polygons for r in polygon]
        shapes[key] = (geometry["properties"]["name"], rings)
    x0, _ = equal_earth(-180, 0)
    x1, _ = equal_earth(180, 0)
    lats = [lat for _, rings in shapes.values() for r in rings for _, lat in r]
    y0, y1 = equal_earth(0, max(lats))[1], equal_earth(0, min(lats))[1]
    scale = WIDTH / (x1 - x0)
    countries = {}
    for key, (name, rings) in sorted(shapes.items()):
        pixels = projected(rings, scale, x0, y0)
        centre, area = anchor(pixels)
        countries[key] = {"name": name, "centre": centre, "area": area, "d": path(pixels)}
    return {
        **PROVENANCE,
        "width": WIDTH,
        "height": round((y0 - y1) * scale, 1),
        "countries": countries,
    }


def main() -> int:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(build(), indent=0, sort_keys=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size:,} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
