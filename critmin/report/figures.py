"""SVG charts drawn in Python: stage control bars, chain Sankey, bands over time, frontier, bars.

Each function returns one ``<svg>`` string sized by its ``viewBox`` (it scales to the page),
with ``<title>`` hover text on every mark and a ``data-values`` attribute holding the plotted
numbers, so a test (or a screen reader) can check what is drawn. No script, no web font, no
external resource: the same string goes into the HTML briefing, the PDF and the web app.

Examples
--------
>>> svg = hbar_pairs([("USA", 0.70, 0.98)], ("direct", "ultimate"), title="t")
>>> svg.startswith("<svg") and 'data-values="[[&quot;USA&quot;, 0.7, 0.98]]"' in svg
True
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from html import escape

from critmin.report.content import UNASSIGNED, Sankey, StageBar, country_label, material_label, step_label

WIDTH = 680
FONT = "font-family:'DejaVu Sans',Arial,Helvetica,sans-serif"
INK, MUTED, GRID = "#1b1f24", "#5b6470", "#dde1e6"
COLOURS = {
    "CHN": "#b8312f",
    "USA": "#1f5f99",
    "JPN": "#6a3d9a",
    "AUS": "#2e8540",
    "EU27": "#2b7bb9",
    "MYS": "#e08a1e",
    "VNM": "#8c6d1f",
    "MMR": "#d4603a",
    "RUS": "#5a5a5a",
    "KOR": "#2a9d8f",
    "IND": "#c77d12",
    "CAN": "#9c4f96",
    "COD": "#7f8c1f",
    "IDN": "#457b9d",
    "ROW": "#a8adb3",
    "OTH": "#c4c8cd",
    UNASSIGNED: "#e0c98f",
}
PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#9c755f", "#76b7b2", "#edc948", "#ff9da7")


def colour(code: str) -> str:
    """Fixed colour of a country code, so one country looks the same in every chart."""
    if code in COLOURS:
        return COLOURS[code]
    return PALETTE[sum(map(ord, code)) % len(PALETTE)]


def _svg(name: str, height: float, body: list[str], title: str, values: object) -> str:
    data = escape(json.dumps(values), quote=True)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="{name}" '
        f'data-values="{data}" viewBox="0 0 {WIDTH} {height:.0f}" role="img" '
        f'aria-label="{escape(title, quote=True)}" style="{FONT};width:100%;height:auto">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _text(
    x: float, y: float, text: str, *, size: int = 12, anchor: str = "start", fill: str = INK, weight: str = "normal"
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{fill}" font-weight="{weight}">{escape(text)}</text>'
    )


def _rect(x: float, y: float, w: float, h: float, fill: str, tip: str, extra: str = "") -> str:
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0):.1f}" '
        f'fill="{fill}" {extra}><title>{escape(tip)}</title></rect>'
    )


def tonnes(value: float) -> str:
    """Tonnes for people: '270,000 t', '1.27 Mt', '839 t'.

    Examples
    --------
    >>> tonnes(1_270_000), tonnes(270_000), tonnes(8.4)
    ('1.27 Mt', '270,000 t', '8.4 t')
    """
    if math.isnan(value):
        return "unknown"
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.2f} Mt"
    return f"{value:,.0f} t" if abs(value) >= 100 else f"{value:,.3g} t"


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Drawn width (px) of `text` in DejaVu Sans at `size` px, generously: capitals and digits are
    about 0.64 em wide (0.72 em bold), so a label is drawn only where it surely fits.

    >>> text_width("USA 12%", 12, bold=True)
    60.48
    """
    return round(len(text) * size * (0.72 if bold else 0.64), 2)


def stage_control(bars: Sequence[StageBar], title: str) -> str:
    """One 100 % bar per stage, a segment per producer, labelled where wide enough."""
    left, right, row = 170, WIDTH - 10, 38
    body, codes, values = [], [], []
    for i, bar in enumerate(bars):
        y = 8 + i * row
        body.append(_text(4, y + 14, f"{bar.stage.replace('_', ' ')}", size=13, weight="bold"))
        body.append(_text(4, y + 29, f"{bar.basis}, {bar.year}; {tonnes(bar.total_t)}", size=10, fill=MUTED))
        x = float(left)
        for code, share, amount in bar.shares:
            w = share * (right - left)
            tip = (
                f"{step_label((bar.material, bar.stage))}, {bar.year}: "
                f"{country_label(code)} {share:.1%} ({tonnes(amount)})"
            )
            body.append(_rect(x, y + 2, w, row - 10, colour(code), tip, 'stroke="#fff" stroke-width="1"'))
            label = f"{code} {share:.0%}"
            if w >= 5 + text_width(label, 12, bold=True) + 3:
                body.append(_text(x + 5, y + 21, label, size=12, fill="#fff", weight="bold"))
            elif w >= 3 + text_width(code, 10) + 2:
                body.append(_text(x + 3, y + 21, code, size=10, fill="#fff"))
            x += w
            codes.append(code)
        values.append([bar.stage, [[c, round(s, 4)] for c, s, _ in bar.shares]])
    legend_y = 8 + len(bars) * row + 6
    legend, bottom = _legend(list(dict.fromkeys(codes)), legend_y)
    return _svg("stage-control", bottom + 6, body + legend, title, values)


def _legend(codes: Sequence[str], y: float) -> tuple[list[str], float]:
    """Swatch and label per code, wrapped to the chart width; the marks and the y below the last row."""
    items, x = [], 4.0
    for code in codes:
        label = f"{code} {country_label(code)}" if code not in ("OTH", "ROW") else country_label(code)
        width = 22 + 6.6 * len(label)
        if x + width > WIDTH:
            x, y = 4.0, y + 18
        items.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="12" height="12" fill="{colour(code)}"/>')
        items.append(_text(x + 16, y + 10, label, size=11, fill=MUTED))
        x += width + 8
    return items, y + 18


def _series_legend(entries: Sequence[tuple[str, str, str]], y: float) -> tuple[list[str], float]:
    """Legend below a plot: (name, colour, kind) with kind 'line', 'dashed' or 'band', wrapped to the
    chart width; the group and the y below its last row. Below, never inside, the plot: a line near
    the top of its axis would run through it."""
    items, x = [], 4.0
    for name, shade, kind in entries:
        width = 30 + text_width(name, 11) * 0.85
        if x + width > WIDTH:
            x, y = 4.0, y + 18
        if kind == "band":
            items.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="22" height="12" fill="{shade}" fill-opacity="0.8"/>')
        else:
            dash = ' stroke-dasharray="6 3"' if kind == "dashed" else ""
            items.append(
                f'<line x1="{x:.1f}" x2="{x + 22:.1f}" y1="{y + 6:.1f}" y2="{y + 6:.1f}" stroke="{shade}" '
                f'stroke-width="{1 if kind == "dashed" else 2}"{dash}/>'
            )
        items.append(_text(x + 27, y + 10, name, size=11, fill=MUTED))
        x += width + 10
    return [f'<g class="legend">{"".join(items)}</g>'], y + 18


def _sankey_nodes(sankey: Sankey, top: int) -> list[dict[str, float]]:
    """Per step, the tonnes leaving and entering each (country or OTH) node, shares of the link set."""
    columns: list[dict[str, list[float]]] = [{} for _ in sankey.steps]
    totals = [sum(f.tonnes for f in sankey.flows if f.upstream == i) for i in range(len(sankey.steps) - 1)]
    for f in sankey.flows:
        share = f.tonnes / totals[f.upstream] if totals[f.upstream] else 0.0
        columns[f.upstream].setdefault(f.origin, [0.0, 0.0])[0] += share
        columns[f.downstream].setdefault(f.buyer, [0.0, 0.0])[1] += share
    sized = []
    for column in columns:
        size = {code: max(out, inn) for code, (out, inn) in column.items()}
        countries = [code for code in size if code != UNASSIGNED]
        keep = sorted(countries, key=size.get, reverse=True)[:top]  # type: ignore[arg-type]
        merged: dict[str, float] = {code: size[code] for code in keep}
        rest = sum(size[code] for code in countries if code not in keep)
        if rest > 0:
            merged["OTH"] = rest
        if UNASSIGNED in size:  # never merged into OTH: it is no producer
            merged[UNASSIGNED] = size[UNASSIGNED]
        sized.append(merged)
    return sized


def _node_order(code: str, size: float) -> tuple[int, float]:
    return ({"OTH": 1, UNASSIGNED: 2}.get(code, 0), -size)


def sankey(chart: Sankey, title: str, top: int = 5) -> str:
    """Flows between consecutive steps; band width is the share of tonnes between two steps.

    Each step is headed by the tonnes its producers pass on (in its own basis, e.g. t REO; the
    'stock / unassigned' band of :func:`~critmin.report.content.within_output` is named apart) and
    every band wide enough to hold a label carries its tonnes, so the chart reads without hovering.
    """
    from critmin.vocabulary import MATERIAL_STAGES

    nodes = _sankey_nodes(chart, top)
    n = len(chart.steps)
    unassigned = [sum(f.tonnes for f in chart.flows if f.upstream == i and f.origin == UNASSIGNED) for i in range(n)]
    height, gap, node_w = 300.0, 10.0, 14.0
    head = 35.0 if any(unassigned) else 22.0  # a fourth header line names the unassigned tonnes
    xs = [56 + i * (WIDTH - 136) / max(n - 1, 1) for i in range(n)]
    scale = (height - gap * (top + 2)) / max(sum(col.values()) for col in nodes)
    tops: list[dict[str, float]] = []
    body = []
    totals = [sum(f.tonnes for f in chart.flows if f.upstream == i) for i in range(n - 1)]
    for i, column in enumerate(nodes):
        y, placed = 30.0 + head, {}
        for code, size in sorted(column.items(), key=lambda kv: _node_order(*kv)):
            placed[code] = y
            tip = f"{step_label(chart.steps[i])}: {country_label(code)} {size:.0%} of the flows"
            if code == UNASSIGNED:
                tip = (
                    f"{step_label(chart.steps[i])}: {tonnes(unassigned[i])} used downstream beyond the recorded "
                    "output of the countries it comes from (stocks, re-exports, output the data miss)"
                )
            body.append(_rect(xs[i], y, node_w, size * scale, colour(code), tip))
            if size * scale >= 11:
                label = "unassigned" if code == UNASSIGNED else code
                body.append(_text(xs[i] + node_w + 3, y + min(size * scale / 2 + 4, 14), label, size=10))
            y += size * scale + gap
        tops.append(placed)
        material, stage = chart.steps[i]
        basis = MATERIAL_STAGES.get(material, {}).get(stage, "")
        lines = [(material_label(material), 11), (stage, 11)]
        lines += [(f"{tonnes(totals[i] - unassigned[i])} {basis}".strip(), 9)] if i < n - 1 else []
        lines += [(f"+ {tonnes(unassigned[i])} unassigned", 9)] if unassigned[i] > 0 else []
        for row, (line, size) in enumerate(lines):
            half = 0.31 * size * len(line)  # about half the drawn width: the header is kept inside the chart
            x_head = min(max(xs[i] + node_w / 2, half + 2), WIDTH - half - 2)
            weight = "bold" if size == 11 else "normal"
            body.append(
                _text(
                    x_head,
                    10 + 13 * row,
                    line,
                    size=size,
                    anchor="middle",
                    fill=INK if size == 11 else MUTED,
                    weight=weight,
                )
            )
    cursor_out = [dict(t) for t in tops]
    cursor_in = [dict(t) for t in tops]
    values: list[list[object]] = []
    candidates: list[tuple[float, float, float]] = []  # (tonnes, x, y) of every band wide enough for a label
    for f in sorted(chart.flows, key=lambda f: (f.upstream, f.origin, f.buyer)):
        share = f.tonnes / totals[f.upstream] if totals[f.upstream] else 0.0
        origin = f.origin if f.origin in tops[f.upstream] else "OTH"
        buyer = f.buyer if f.buyer in tops[f.downstream] else "OTH"
        w = share * scale
        y0, y1 = cursor_out[f.upstream][origin], cursor_in[f.downstream][buyer]
        cursor_out[f.upstream][origin] += w
        cursor_in[f.downstream][buyer] += w
        x0, x1 = xs[f.upstream] + node_w, xs[f.downstream]
        mid = (x0 + x1) / 2
        path = (
            f"M{x0:.1f},{y0:.1f} C{mid:.1f},{y0:.1f} {mid:.1f},{y1:.1f} {x1:.1f},{y1:.1f} "
            f"L{x1:.1f},{y1 + w:.1f} C{mid:.1f},{y1 + w:.1f} {mid:.1f},{y0 + w:.1f} {x0:.1f},{y0 + w:.1f} Z"
        )
        made_in = f"made in {country_label(f.origin)} "
        if f.origin == UNASSIGNED:
            made_in = "not covered by recorded output, "
        tip = (
            f"{step_label(chart.steps[f.upstream])} {made_in}used by "
            f"{country_label(f.buyer)} for {step_label(chart.steps[f.downstream])}: {tonnes(f.tonnes)}"
        )
        body.append(
            f'<path d="{path}" fill="{colour(f.origin)}" fill-opacity="0.45"><title>{escape(tip)}</title></path>'
        )
        if w >= 10:  # on the band's middle, where it is straight
            candidates.append((f.tonnes, mid, (y0 + y1 + w) / 2 + 4))
        values.append([f.upstream, f.origin, f.buyer, round(f.tonnes, 1)])
    return _svg("sankey", height + 40 + head, body + _band_labels(candidates), title, values)


LABEL_GAP = 16.0
"""Least vertical distance (px) between two band labels in one gap: a 10 px line and air."""
LABELS_PER_GAP = 4
"""Band labels between two steps at most: the largest flows; the rest are in the hover text."""


def _band_labels(candidates: Sequence[tuple[float, float, float]]) -> list[str]:
    """Labels of the largest bands first, each gap at most :data:`LABELS_PER_GAP`, none nearer
    than :data:`LABEL_GAP` to another: where bands cross densely only the largest are named."""
    placed: list[tuple[float, float]] = []
    out = []
    for amount, x, y in sorted(candidates, key=lambda c: -c[0]):
        here = [y_other for x_other, y_other in placed if x_other == x]
        if len(here) < LABELS_PER_GAP and all(abs(y - other) >= LABEL_GAP for other in here):
            placed.append((x, y))
            out.append(_text(x, y, tonnes(amount), size=10, anchor="middle"))
    return out


def hbar_pairs(
    rows: Sequence[tuple[str, float, float]], names: tuple[str, str], title: str, unit: str = "share"
) -> str:
    """Two bars per row (e.g. direct and ultimate dependence), values as shares 0-1."""
    left, right, row = 215, WIDTH - 50, 40
    shades = ("#9fb7cf", "#1f4e79")
    body = []
    for i, (label, first, second) in enumerate(rows):
        y = 26 + i * row
        body.append(_text(4, y + 18, label, size=12, weight="bold"))
        for j, value in enumerate((first, second)):
            known = value is not None and not math.isnan(value)
            w = (value if known else 0.0) * (right - left)
            text = f"{value:.0%}" if known else "n/a"
            tip = f"{label}: {names[j]} {text}"
            body.append(_rect(left, y + j * 16, w, 14, shades[j], tip))
            body.append(_text(left + w + 4, y + j * 16 + 11, text, size=11, fill=MUTED))
    for j, name in enumerate(names):
        body.append(f'<rect x="{left + j * 150}" y="4" width="12" height="12" fill="{shades[j]}"/>')
        body.append(_text(left + j * 150 + 16, 14, name, size=11, fill=MUTED))
    values = [[label, round(a, 4), round(b, 4)] for label, a, b in rows]
    return _svg("pairs", 30 + len(rows) * row, body, title, values)


def _ticks(low: float, high: float, count: int = 4) -> list[float]:
    if not math.isfinite(low) or not math.isfinite(high) or high <= low:
        return [low]
    raw = (high - low) / count
    step = 10 ** math.floor(math.log10(raw))
    step *= next(m for m in (1, 2, 2.5, 5, 10) if m * step >= raw)
    start = math.floor(low / step) * step
    return [start + k * step for k in range(int((high - start) / step) + 2) if start + k * step <= high + 1e-9]


def _axis_label(value: float) -> str:
    if abs(value) >= 1e6:
        return f"{value / 1e6:g}M"
    if abs(value) >= 1e3:
        return f"{value / 1e3:g}k"
    return f"{value:g}"


def bands(
    x_labels: Sequence[str],
    lines: Mapping[str, Sequence[float]],
    title: str,
    units: str,
    outer: tuple[Sequence[float], Sequence[float]] | None = None,
    inner: tuple[Sequence[float], Sequence[float]] | None = None,
    baseline: float | None = None,
    marks: Sequence[tuple[int, str]] = (),
    percent: bool = False,
) -> str:
    """Lines over time with an outer (e.g. 5-95 %) and inner (25-75 %) uncertainty band.

    `baseline` draws a dashed horizontal line (the value without the shock); `marks` are
    (month index, label) of events, drawn as dashed vertical lines so a jump reads as the event.
    `percent` writes the axis as percentages (shares 0-1 drawn as 0%-100%, as the tables write them).
    """
    left, right, top, bottom = 58, WIDTH - 14, 26, 220
    tick_label = (lambda v: f"{v:.0%}") if percent else _axis_label
    legend: list[tuple[str, str, str]] = []
    every = [v for series in (*lines.values(), *(outer or ()), *(inner or ())) for v in series if math.isfinite(v)]
    if baseline is not None and math.isfinite(baseline):
        every.append(baseline)
    low, high = (min(every + [0.0]), max(every + [1.0])) if every else (0.0, 1.0)
    n = len(x_labels)

    def px(i: float) -> float:
        return left + (right - left) * (i / max(n - 1, 1))

    def py(v: float) -> float:
        return bottom - (bottom - top) * ((v - low) / (high - low) if high > low else 0.0)

    body = []
    for tick in _ticks(low, high):
        body.append(f'<line x1="{left}" x2="{right}" y1="{py(tick):.1f}" y2="{py(tick):.1f}" stroke="{GRID}"/>')
        body.append(_text(left - 5, py(tick) + 4, tick_label(tick), size=10, anchor="end", fill=MUTED))
    step = max(1, math.ceil(n / 8))
    for i in range(0, n, step):
        body.append(_text(px(i), bottom + 16, x_labels[i], size=10, anchor="middle", fill=MUTED))
    body.append(_text(4, 10, units, size=10, fill=MUTED))
    for band, shade, name in ((outer, "#c6dbef", "5-95 % of draws"), (inner, "#8db8dd", "25-75 % of draws")):
        if band is None:
            continue
        lo, hi = band
        points = [f"{px(i):.1f},{py(v):.1f}" for i, v in enumerate(hi)]
        points += [f"{px(i):.1f},{py(v):.1f}" for i, v in reversed(list(enumerate(lo)))]
        body.append(
            f'<polygon points="{" ".join(points)}" fill="{shade}" fill-opacity="0.8"><title>{name}</title></polygon>'
        )
        legend.append((name, shade, "band"))
    if baseline is not None and math.isfinite(baseline):
        y = py(baseline)
        body.append(
            f'<line class="baseline" x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{MUTED}" '
            f'stroke-dasharray="6 3"><title>baseline (no shock): {_axis_label(baseline)}</title></line>'
        )
        legend.append((f"baseline (no shock): {_axis_label(baseline)}", MUTED, "dashed"))
    for k, (month, label) in enumerate(m for m in marks if 0 <= m[0] < n):
        x = px(month)
        body.append(
            f'<line class="event" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{bottom}" stroke="#b8312f" '
            f'stroke-dasharray="3 3"><title>{escape(label)}</title></line>'
        )
        body.append(_text(x + 3, bottom - 6 - 12 * k, label, size=10, fill="#b8312f"))
    for k, (name, series) in enumerate(lines.items()):
        line = " ".join(f"{px(i):.1f},{py(v):.1f}" for i, v in enumerate(series) if math.isfinite(v))
        shade = ("#08306b", "#b8312f", "#2e8540", "#6a3d9a")[k % 4]
        body.append(
            f'<polyline points="{line}" fill="none" stroke="{shade}" stroke-width="2">'
            f"<title>{escape(name)}</title></polyline>"
        )
        legend.insert(k, (name, shade, "line"))
    marks_legend, below = _series_legend(legend, bottom + 28)
    values = {name: [round(v, 4) for v in series] for name, series in lines.items()}
    return _svg("bands", below + 4, body + marks_legend, title, values)


def usd_unit(values: Sequence[float]) -> float:
    """The one unit (1e9, 1e6 or 1) that :func:`usd` writes a whole table in: the largest value's.

    Examples
    --------
    >>> usd_unit([210_394.0, 2.4e6]), usd_unit([3.6e9, 2e5]), usd_unit([7_800.0, float("nan")])
    (1000000.0, 1000000000.0, 1.0)
    """
    largest = max([abs(v) for v in values if v is not None and math.isfinite(v)] + [0.0])
    return 1e9 if largest >= 1e9 else 1e6 if largest >= 1e6 else 1.0


def usd(value: float, unit: float | None = None) -> str:
    """US dollars for people: 'USD 1.25 bn', 'USD 480 m', 'USD 7,800'.

    `unit` (from :func:`usd_unit`) writes every value of a table the same way, so that
    'USD 210,394' never stands beside 'USD 2.4 m': bn with two decimals, m with one.

    Examples
    --------
    >>> usd(1.254e9), usd(4.8e8), usd(1.5e6), usd(7_800), usd(float("nan"))
    ('USD 1.25 bn', 'USD 480 m', 'USD 1.5 m', 'USD 7,800', 'unknown')
    >>> usd(210_394, unit=1e6), usd(2.4e6, unit=1e6), usd(4.8e8, unit=1e9), usd(24_000, unit=1e9)
    ('USD 0.2 m', 'USD 2.4 m', 'USD 0.48 bn', '< USD 0.01 bn')
    """
    if value is None or math.isnan(value):
        return "unknown"
    if unit in (1e9, 1e6):
        name, places = ("bn", 2) if unit == 1e9 else ("m", 1)
        least = 10.0**-places
        if 0 < abs(value) / unit < least / 2:  # a loss, however small, is not written as 0.00
            return f"{'-' if value < 0 else ''}< USD {least:.{places}f} {name}"
        return f"USD {value / unit:,.{places}f} {name}"
    if unit == 1.0:
        return f"USD {value:,.0f}"
    if abs(value) >= 1e9:
        return f"USD {value / 1e9:,.2f} bn"
    if abs(value) >= 1e7:
        return f"USD {value / 1e6:,.0f} m"
    if abs(value) >= 1e6:
        return f"USD {value / 1e6:,.1f} m"
    return f"USD {value:,.0f}"


def _bn(value: float) -> str:
    return f"{value / 1e9:g}" if value else "0"


def frontier(
    budgets: Sequence[float],
    lines: dict[str, Sequence[float]],
    title: str,
    chosen: float | None = None,
    chosen_label: str = "chosen budget",
) -> str:
    """Loss (e.g. expected loss and CVaR, USD) against budget (USD), the chosen budget marked.

    The budget axis is to scale (USD bn); each point is a solved portfolio. ``data-values``
    holds ``budget_usd``, each line by name, and ``chosen_usd``.
    """
    left, right, top, bottom = 62, WIDTH - 16, 30, 214
    xs = [float(b) for b in budgets]
    every = [v for series in lines.values() for v in series if math.isfinite(v)]
    low, high = 0.0, max(every + [1.0])
    x_high = max(xs + [float(chosen or 0.0), 1.0])

    def px(b: float) -> float:
        return left + (right - left) * (b / x_high)

    def py(v: float) -> float:
        return bottom - (bottom - top) * ((v - low) / (high - low))

    body = []
    for tick in _ticks(low, high):
        body.append(f'<line x1="{left}" x2="{right}" y1="{py(tick):.1f}" y2="{py(tick):.1f}" stroke="{GRID}"/>')
        body.append(_text(left - 5, py(tick) + 4, _bn(tick), size=10, anchor="end", fill=MUTED))
    for tick in _ticks(0.0, x_high):
        body.append(_text(px(tick), bottom + 15, _bn(tick), size=10, anchor="middle", fill=MUTED))
    body.append(_text(4, 12, "loss, USD bn", size=10, fill=MUTED))
    body.append(_text(right, bottom + 32, "budget, USD bn", size=10, anchor="end", fill=MUTED))
    if chosen is not None and math.isfinite(chosen):
        x = px(float(chosen))
        body.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 6}" y2="{bottom}" stroke="{INK}" '
            f'stroke-dasharray="4 3"><title>{escape(chosen_label)}: {escape(usd(chosen))}</title></line>'
        )
        anchor = "end" if x > (left + right) / 2 else "start"
        body.append(
            _text(
                x + (-5 if anchor == "end" else 5),
                top - 14 + 10,
                f"{chosen_label}: {usd(chosen)}",
                size=11,
                anchor=anchor,
                weight="bold",
            )
        )
    shades = ("#1f4e79", "#b8312f", "#2e8540")
    for k, (name, series) in enumerate(lines.items()):
        shade = shades[k % len(shades)]
        pts = [(px(b), py(v), b, v) for b, v in zip(xs, series, strict=True) if math.isfinite(v)]
        body.append(
            f'<polyline points="{" ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in pts)}" fill="none" '
            f'stroke="{shade}" stroke-width="2">'
            f"<title>{escape(name)}</title></polyline>"
        )
        for x, y, b, v in pts:
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{shade}">'
                f"<title>{escape(name)} at budget {escape(usd(b))}: {escape(usd(v))}</title></circle>"
            )
    legend, below = _series_legend(
        [(name, shades[k % len(shades)], "line") for k, name in enumerate(lines)], bottom + 42
    )
    values: dict[str, object] = {"budget_usd": xs}
    values.update({name: [round(v, 2) for v in series] for name, series in lines.items()})
    values["chosen_usd"] = chosen
    return _svg("frontier", below + 4, body + legend, title, values)


def hbars(rows: Sequence[tuple[str, float, str]], title: str) -> str:
    """Horizontal bars, one per row (label, value, display text), scaled to the largest value."""
    left, right, row = 190, WIDTH - 90, 24
    largest = max([abs(v) for _, v, _ in rows if math.isfinite(v)] + [1e-12])
    body = []
    for i, (label, value, shown) in enumerate(rows):
        y = 6 + i * row
        w = (abs(value) if math.isfinite(value) else 0.0) / largest * (right - left)
        body.append(_text(4, y + 14, label, size=12))
        body.append(_rect(left, y + 2, w, 16, "#1f4e79", f"{label}: {shown}"))
        body.append(_text(left + w + 4, y + 14, shown, size=11, fill=MUTED))
    return _svg("bars", 12 + len(rows) * row, body, title, [[label, value] for label, value, _ in rows])
