"""World maps, chain Sankeys for every material, legends inside their charts, the control note's scope."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import critmin
from critmin.report import atlas, content, figures, maps, shock_charts

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def ds() -> xr.Dataset:
    return critmin.load()


def values(svg: str) -> list:
    import html

    return json.loads(html.unescape(re.search(r'data-values="([^"]*)"', svg).group(1)))


def fills(svg: str) -> dict[str, str]:
    return dict((iso, fill) for fill, iso in re.findall(r'<path d="[^"]*" fill="([^"]+)"[^>]*data-iso3="([^"]+)"', svg))


def test_shipped_outlines_are_what_the_builder_makes_from_the_raw_files():
    sys.path.insert(0, str(ROOT))
    from tools.build_world_map import build

    shipped = json.loads((ROOT / "critmin" / "data" / "geometry" / "world_110m.json").read_text(encoding="utf-8"))
    assert build() == shipped
    assert {"CHN", "USA", "AUS", "COD", "MMR", "DEU", "FRA"} <= set(shipped["countries"])
    assert "ATA" not in shipped["countries"] and "Natural Earth" in shipped["source"]


def test_no_outline_wraps_round_the_map():
    # a ring crossing the 180th meridian, drawn naively, spans the whole width (Fiji, Russia's far east)
    for key, shape in maps.world().shapes.items():
        for ring in shape.d.split("M")[1:]:
            xs = [float(p.split(",")[0]) for p in ring.rstrip("Z").split("L")]
            assert max(xs) - min(xs) < 400, key


def test_share_map_colours_each_country_by_its_class_and_eu27_by_its_members():
    svg = maps.share_map({"CHN": 0.7, "USA": 0.12, "EU27": 0.03, "ROW": 0.15}, "t")
    colour = fills(svg)
    assert colour["CHN"] == maps.RAMP[5] and colour["USA"] == maps.RAMP[3]
    assert colour["DEU"] == colour["FRA"] == colour["POL"] == maps.RAMP[1]
    assert colour["BRA"] == maps.NO_DATA
    assert "Not on the map: rest of world 15%; EU27 drawn as its 27 members" in svg
    assert values(svg) == [["CHN", 0.7], ["ROW", 0.15], ["USA", 0.12], ["EU27", 0.03]]


def test_flow_map_draws_the_largest_flows_widest_and_states_the_rest():
    flows = [(f"X{i}", 1.0) for i in range(3)] + [("CHN", 9000.0), ("MYS", 900.0), ("ROW", 50.0), ("JPN", 40.0)]
    svg = maps.flow_map(flows, "JPN", "REO", "t")
    widths = [float(w) for w in re.findall(r'class="flow"[^>]*stroke-width="([\d.]+)"', svg)]
    assert len(widths) == 2 and widths[0] > widths[1]  # CHN then MYS; no outline for ROW, X0-2; JPN is the importer
    assert "Not drawn: rest of world 50 t; Japan 40 t; X0 1 t; X1 1 t; X2 1 t<" in svg
    assert values(svg)[:2] == [["CHN", 9000.0], ["MYS", 900.0]]


def test_packaged_maps_read_the_dataset_rows(ds):
    shares, year, ids = maps.map_shares(ds, "rare_earths", "mining")
    assert year == 2024 and shares["CHN"] == pytest.approx(0.703125) and ids == ["usgs-mcs2026-rare-earths"]
    assert sum(shares.values()) == pytest.approx(1.0)
    flows, trade_year, trade_ids = maps.map_flows(ds, "ndfeb", "magnet", "USA")
    row = ds.trade.sel(material="ndfeb", stage="magnet", importer="USA", year=trade_year).to_series().dropna()
    assert dict(flows) == pytest.approx({k: v for k, v in row.items() if v > 0})
    assert "cepii-baci-hs17-v202601" in trade_ids


def test_every_material_with_a_chain_gets_a_sankey_with_tonnes_on_it(ds):
    drawn, missing = atlas.chain_figures(ds, 2024)
    shown = {m for anchor, *_ in drawn for m in [anchor.split("-")[1]]}
    assert shown == {
        "ndfeb", "ndpr", "neodymium", "praseodymium", "dysprosium", "terbium",
        "gallium", "graphite_anode", "antimony", "tungsten", "cobalt", "lithium", "nickel",
    }  # fmt: skip
    assert missing == ["germanium: no stage has an input in the chain table"]
    cobalt = next(svg for anchor, _, svg, _ in drawn if anchor == "sankey-cobalt-refining")
    assert re.search(r">\d{3},\d{3} t Co content<", cobalt)  # the tonnes leaving mining, in its basis
    assert re.search(r">\d{3},\d{3} t<", cobalt)  # a band labelled in tonnes
    assert content.sankey_target(ds, "graphite_natural") == ("graphite_anode", "refining")


def marks_outside(svg: str) -> list[str]:
    """Legend swatches (12 x 12 rects) whose bottom is below the chart's viewBox."""
    height = float(re.search(r'viewBox="0 0 \d+ ([\d.]+)"', svg).group(1))
    swatches = re.findall(r'<rect x="[\d.]+" y="([\d.]+)" width="12" height="12"', svg)
    return [y for y in swatches if float(y) + 12 > height]


@pytest.mark.parametrize("material", ["cobalt", "lithium", "nickel"])
def test_stage_control_legend_fits_inside_the_chart(ds, material):
    svg = figures.stage_control(content.stage_bars(ds, material), "t")
    assert len(re.findall(r'width="12" height="12"', svg)) > 6  # enough producers to wrap the legend
    assert marks_outside(svg) == []


def price_shock(events: list) -> xr.Dataset:
    months = pd.date_range("2025-01-01", periods=4, freq="MS").values
    price = xr.DataArray(
        np.ones((2, 4, 2)), dims=("draw", "month", "market"), coords={"month": months, "market": ["inside", "outside"]}
    )
    return xr.Dataset({"price_ratio": price}, attrs={"events": json.dumps(events)})


def test_control_note_only_on_price_charts_of_scenarios_with_a_control():
    control = shock_charts.charts(price_shock([[1, "CHN export control"], [4, "CHN control lifted"]]), "price_ratio")
    outage = shock_charts.charts(price_shock([[1, "MMR outage"]]), "price_ratio")
    assert [c.note for c in control] == [shock_charts.CONTROL_NOTE] * 2
    assert [c.note for c in outage] == ["", ""]
    assert [c.marks for c in outage] == [[(1, "MMR outage")]] * 2 and outage[0].baseline == 1.0


def test_sankey_names_only_the_largest_bands_where_they_crowd():
    from critmin.report.content import Sankey, SankeyFlow
    from critmin.report.figures import LABEL_GAP, LABELS_PER_GAP, sankey

    origins = ["CHN", "USA", "AUS", "MMR", "THA", "VNM", "IND", "RUS"]
    flows = [
        SankeyFlow(0, 1, o, b, 1000.0 - 37 * i - 5 * j)
        for i, o in enumerate(origins)
        for j, b in enumerate(["CHN", "MYS"])
    ]
    svg = sankey(Sankey([("rare_earths", "mining"), ("ndpr", "separation")], flows, 2024, []), "crowded")
    labels = [(float(y), text) for y, text in re.findall(r'<text x="[\d.]+" y="([\d.]+)"[^>]*>([\d,]+ t)</text>', svg)]
    ys = sorted(y for y, _ in labels)
    assert 1 <= len(labels) <= LABELS_PER_GAP
    assert all(b - a >= LABEL_GAP for a, b in zip(ys, ys[1:], strict=False))
    assert "1,000 t" in [text for _, text in labels]  # the largest band is always named


def test_stage_bar_labels_stay_inside_their_segment():
    from critmin.report.content import StageBar
    from critmin.report.figures import stage_control, text_width

    shares = [("CHN", 0.703, 270_000.0), ("USA", 0.118, 45_500.0), ("AUS", 0.076, 29_000.0), ("MMR", 0.07, 27_000.0)]
    svg = stage_control([StageBar("rare_earths", "mining", "REO", 2024, 384_000.0, shares, [])], "t")
    segments = {
        float(x): float(w) for x, w in re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height', svg)
    }
    for x, size, weight, label in re.findall(
        r'<text x="([\d.]+)" y="[\d.]+" font-size="(\d+)" text-anchor="start" fill="#fff" font-weight="(\w+)">([^<]+)<',
        svg,
    ):
        left = max(s for s in segments if s <= float(x))
        drawn = text_width(label, int(size), bold=weight == "bold")
        assert float(x) + drawn <= left + segments[left], label
    assert ">USA<" in svg and ">USA 12%<" not in svg  # 59 px hold the code, not the code and share


def test_no_country_passes_on_more_than_it_makes_in_any_chain(ds):
    # flows are worked back from what buyers make; unchecked, Australia passed on 30,710 t REO of 29,000 mined.
    # Outflow <= output at every (country, step) is stronger than outflow <= inflow + output: the chart
    # attributes re-exports to the country that made the product.
    checked = 0
    for material in content.materials_with_data(ds):
        target = content.sankey_target(ds, material)
        if target is None:
            continue
        chart = content.chain_sankey(ds, target, year=2024)
        drawn = values(figures.sankey(chart, "t"))
        for i, step in enumerate(chart.steps[:-1]):
            made = ds.production.sel(material=step[0], stage=step[1], year=2024).to_series().fillna(0.0)
            for origin in {f.origin for f in chart.flows if f.upstream == i} - {content.UNASSIGNED}:
                out = sum(f.tonnes for f in chart.flows if f.upstream == i and f.origin == origin)
                plotted = sum(t for link, o, _, t in drawn if link == i and o == origin)
                assert out <= made.get(origin, 0.0) * (1 + 1e-9) + 1e-6, (target, step, origin, out)
                assert plotted <= made.get(origin, 0.0) + 0.05 * len(drawn), (target, step, origin, plotted)
                checked += 1
        # what a buyer uses is still all drawn: the part no producer's output covers comes from the band
        for i, (up, down) in enumerate(zip(chart.steps[:-1], chart.steps[1:], strict=True)):
            coefficient = float(ds.chain.sel(material=down[0], stage=down[1], input_material=up[0], input_stage=up[1]))
            used = sum(f.tonnes for f in chart.flows if f.upstream == i)
            made_down = ds.production.sel(material=down[0], stage=down[1], year=2024).to_series().dropna()
            assert used <= made_down.sum() * coefficient * (1 + 1e-9)
    assert checked > 60
    chart = content.chain_sankey(ds, ("ndfeb", "magnet"), year=2024)
    australia = sum(f.tonnes for f in chart.flows if f.upstream == 0 and f.origin == "AUS")
    assert australia == pytest.approx(29_000.0)  # all it mined, no more
    unassigned = sum(f.tonnes for f in chart.flows if f.upstream == 0 and f.origin == content.UNASSIGNED)
    assert unassigned > 0 and "drawn as 'stock / unassigned'" in content.sankey_title(chart)
    svg = figures.sankey(chart, content.sankey_title(chart))
    assert f">+ {figures.tonnes(unassigned)} unassigned<" in svg
