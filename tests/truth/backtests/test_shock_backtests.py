"""IN-SAMPLE backtests: past export-control episodes, one parameter set for all (the dataset's
``parameters`` rows where present, else the PARAMETERS defaults; see
``critmin.shock.parameter_table``).

These are in sample: the delays, approval paths, rush size, leakage, restocking rate, price lag
and price form were set on these same episodes, and the graphite rush and leakage are that
episode's own figures; the 2010 test compares months in order, not levels. The out-of-sample
backtests (scenarios written on the announcement day, level bands written before the run,
leave-one-episode-out calibration) are in ``tests/truth/episodes`` and ``critmin backtest --loo``.

Each test names the observed figure, its source and the band the model must hit.
"""

import numpy as np
import pytest

from critmin.scenarios import load_scenario
from critmin.shock import run

pytestmark = pytest.mark.backtest


def exports(out, materials, destination=None):
    edges = (out.exporter == "CHN") & (out.importer != "CHN") & out.edge_material.isin(materials)
    if destination is not None:
        edges &= out.importer == destination
    return out.shipments.where(edges, 0.0).sum("edge").isel(draw=0)


def test_ree_halt_to_japan_2010(packaged):
    # Japan's imports from China 2,246 t (Sep) -> 1,278 (Oct) -> 634 (Nov) -> 4,080 (Dec 2010):
    # https://news.metal.com/newscontent/100015474/Japan-Rare-Earths-Imports-from-China-Plunge-in-Nov
    # http://www.ibtimes.com/japan-rare-earths-imports-china-jump-dec-261495
    # Band: Oct and Nov below Sep; Dec above Nov and at least Sep (rebound).
    # Price: barely moved at the cut, rose ~3 months later (MINING.COM, DOMAIN 4.1); band: the
    # outside price in the first halted month is within 5% of baseline and peaks 2-5 months on.
    out = run(packaged, load_scenario("backtest_ree_japan_2010"), draws=1)
    jp = (
        exports(out, ["rare_earths", "ndpr", "neodymium", "praseodymium", "dysprosium", "terbium"], "JPN")
        .sel(month=slice("2010-09", "2010-12"))
        .values
    )
    assert jp[1] < jp[0] and jp[2] < jp[0]
    assert jp[3] > jp[2] and jp[3] >= 0.9 * jp[0]
    price = out.price_ratio.sel(market="outside").isel(draw=0).max(["material", "stage"])
    assert float(price.sel(month="2010-10").max()) < 1.05
    rise = price.sel(month=slice("2010-10", None)).values
    assert 2 <= int(np.argmax(rise > 1.05)) <= 5 or rise.max() <= 1.05


@pytest.mark.xfail(
    strict=True,
    reason="a known miss, kept visible: written as on 3 Jul 2023 (every licence granted within the legal "
    "45 working days), the queue clears by October and the outside Ga price peaks near 1.0 against the "
    "observed x2.14; Nov 2023 exports at 13-27% say far fewer licences were granted, which no one knew "
    "on the announcement day (see critmin backtest --loo, band ga_outside_price)",
)
def test_ga_ge_licensing_2023(packaged):
    # Exports zero in Aug 2023, first licences ~7 weeks after 1 Aug:
    # https://rawmaterials.net/lengthy-licensing-procedures-china-did-not-export-gallium-and-germanium-in-august/
    # Rotterdam Ga USD 250-265/kg (30 Jun) -> 500-600 (mid-Dec): x2.14 at the midpoints; China
    # domestic Ga -9% in Aug:
    # https://fastmarkets.com/insights/a-make-or-break-year-for-non-chinese-gallium-market-2024-preview
    # Bands: Aug exports <= 10% of June; outside Ga price ratio 1.6-3.0 by Dec-Jan (5-6 months
    # after the effective date); inside (China domestic) price ratio <= 1.0 throughout.
    out = run(packaged, load_scenario("backtest_ga_ge_2023"), draws=1)
    ex = exports(out, ["gallium", "germanium"])
    assert float(ex.sel(month="2023-08").sum()) <= 0.10 * float(ex.sel(month="2023-06").sum())
    ga = out.price_ratio.sel(material="gallium").isel(draw=0).max("stage")
    peak = float(ga.sel(market="outside", month=slice("2023-12", "2024-01")).max())
    assert 1.6 <= peak <= 3.0
    assert float(ga.sel(market="inside").max()) <= 1.0 + 1e-9
    usd = out.price.sel(material="gallium", stage="metal").isel(draw=0)
    assert float(usd.sel(price_market="international").isel(month=0)) > 0  # USD/kg series


def test_graphite_licensing_2023(packaged):
    # China's natural graphite exports (flake + spherical, the series of the observation):
    # ~17,000 t/month normal (Jan-Oct 2023), >45,000 t in Nov 2023 (x2.65), 3,973 t in Dec
    # (-91%): https://directorstalk.net/?p=861590 ;
    # https://www.fastmarkets.com/insights/chinas-graphite-exports-plunge-in-december-after-introduction-of-export-controls
    # (rows in critmin/data/packaged/trade_observations.csv). Bands: Nov/normal 2.0-2.8;
    # Dec/normal <= 0.2. The model's natural graphite exports are compared (the anode stage,
    # mostly synthetic, is another series), with the anode stage included as a second check.
    out = run(packaged, load_scenario("backtest_graphite_2023"), draws=1)
    for materials in (["graphite_natural"], ["graphite_natural", "graphite_anode"]):
        ex = exports(out, materials)
        normal = float(ex.sel(month="2023-09").sum())
        assert 2.0 <= float(ex.sel(month="2023-11").sum()) / normal <= 2.8, materials
        assert float(ex.sel(month="2023-12").sum()) / normal <= 0.2, materials


def test_graphite_baseline_is_monthly_and_of_the_observed_order(packaged):
    # Observed ~17,000 t/month of natural graphite exports (directorstalk above). The model's
    # baseline must be per month (demand is t/year in the dataset) and within a factor of 3:
    # the dataset carries spherical graphite in the anode stage, so flake alone is lower.
    out = run(packaged, load_scenario("backtest_graphite_2023"), draws=1)
    normal = float(exports(out, ["graphite_natural"]).sel(month="2023-09").sum())
    assert 17_000 / 3 <= normal <= 17_000 * 3
