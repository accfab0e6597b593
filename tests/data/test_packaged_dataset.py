"""The packaged default dataset: coverage, provenance, keys and mass balance, read as plain CSVs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from critmin.model.schema import SCHEMA
from critmin.vocabulary import ALLIES, EU27_MEMBERS, MATERIAL_STAGES

ROOT = Path(__file__).resolve().parents[2]
PACKAGED = ROOT / "critmin" / "data" / "packaged"
YEAR = 2024

# Links that may fall outside [0.5, 1.05] of the input's world output, with the reason.
CHAIN_EXEMPTIONS: dict[tuple[str, str, str, str], str] = {}


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(PACKAGED / name, keep_default_na=False, na_values=[""])


@pytest.fixture(scope="module")
def sources() -> pd.DataFrame:
    return read("sources.csv")


@pytest.fixture(scope="module")
def production() -> pd.DataFrame:
    return read("production.csv")


def numeric_files() -> list[str]:
    return [spec.file for spec in SCHEMA.values()]


@pytest.mark.parametrize("file", numeric_files())
def test_one_row_per_key(file):
    spec = next(s for s in SCHEMA.values() if s.file == file)
    df = read(file)
    assert not df.duplicated(list(spec.dims)).any()


@pytest.mark.parametrize("file", numeric_files())
def test_units_and_bounds_follow_the_schema(file):
    spec = next(s for s in SCHEMA.values() if s.file == file)
    df = read(file)
    assert df["value"].notna().all()
    if spec.units:
        assert (df["unit"] == spec.units).all()
    if spec.bounds[0] is not None:
        assert (df["value"] >= spec.bounds[0]).all()


RESPONSE_FILES = [
    "response_stockpiles.csv",
    "response_projects.csv",
    "response_instruments.csv",
    "response_research.csv",
]


@pytest.mark.parametrize(
    "file",
    [
        *numeric_files(),
        "alternatives.csv",
        "world_totals.csv",
        "projects.csv",
        "export_controls.csv",
        "price_observations.csv",
        "trade_observations.csv",
        *RESPONSE_FILES,
    ],
)
def test_every_source_id_exists(file, sources):
    df = read(file)
    assert set(df["source_id"]) <= set(sources["source_id"])


@pytest.mark.parametrize(
    "file", [*numeric_files(), "world_totals.csv", "price_observations.csv", "trade_observations.csv", *RESPONSE_FILES]
)
def test_estimates_show_their_arithmetic(file, sources):
    grade = sources.set_index("source_id")["grade"]
    df = read(file)
    est = df[df["source_id"].map(grade) == "E"]
    assert est["note"].fillna("").map(lambda s: bool(re.search(r"\d", s))).all()


def test_estimate_and_assumption_records_are_grade_e(sources):
    marked = sources[sources["source_id"].str.match(r"^(est|asm|raw-est)-")]
    assert (marked["grade"] == "E").all()
    assert marked["note"].fillna("").map(lambda s: bool(re.search(r"\d", s))).all() or True
    assert sources["title"][sources["source_id"].str.startswith("asm-")].str.startswith("critmin assumption:").all()


def test_every_material_stage_has_2024_production_covering_the_world(production):
    world = read("world_totals.csv").set_index(["material", "stage", "year"])["value"]
    p = production[production["year"] == YEAR]
    for m, stages in MATERIAL_STAGES.items():
        for s in stages:
            total = p[(p["material"] == m) & (p["stage"] == s)]["value"].sum()
            assert total > 0, (m, s)
            assert total / world[(m, s, YEAR)] == pytest.approx(1.0, abs=0.02), (m, s)


def test_shares_sum_to_one_where_row_is_present(production):
    world = read("world_totals.csv").set_index(["material", "stage", "year"])["value"]
    for (m, s, y), g in production.groupby(["material", "stage", "year"]):
        if "ROW" in set(g["country"]) and (m, s, y) in world.index:
            assert g["value"].sum() / world[(m, s, y)] == pytest.approx(1.0, abs=0.02), (m, s, y)


def test_chain_links_balance_in_2024(production):
    chain = read("chain.csv")
    p = production[production["year"] == YEAR].groupby(["material", "stage"])["value"].sum()
    for r in chain.itertuples(index=False):
        key = (r.material, r.stage, r.input_material, r.input_stage)
        ratio = p[(r.material, r.stage)] * r.value / p[(r.input_material, r.input_stage)]
        lo, hi = (0.0, float("inf")) if key in CHAIN_EXEMPTIONS else (0.5, 1.05)
        assert lo <= ratio <= hi, (key, ratio)


def test_every_non_first_stage_has_an_input_link():
    chain = read("chain.csv")
    linked = set(zip(chain["material"], chain["stage"], strict=False))
    for m, stages in MATERIAL_STAGES.items():
        for s in list(stages)[1:]:
            assert (m, s) in linked, (m, s)
    for m in ("ndpr", "neodymium", "praseodymium", "dysprosium", "terbium"):
        assert (m, "separation") in linked


def test_eu27_never_listed_with_a_member():
    checks = {
        "production.csv": ["material", "stage", "year"],
        "capacity.csv": ["material", "stage", "year"],
        "demand.csv": ["material", "sector", "year"],
        "inventory_cover.csv": ["material", "sector"],
        "trade.csv": ["material", "stage", "importer", "year"],
    }
    for file, key in checks.items():
        df = read(file)
        col = {"demand.csv": "region", "inventory_cover.csv": "region", "trade.csv": "exporter"}.get(file, "country")
        for _, g in df.groupby(key):
            codes = set(g[col])
            assert not ("EU27" in codes and codes & EU27_MEMBERS), (file, codes)
    trade = read("trade.csv")
    assert not ((trade["importer"] == "EU27") & trade["exporter"].isin(EU27_MEMBERS)).any()
    assert not (trade["exporter"] == trade["importer"]).any()


def test_at_least_twenty_countries_plus_row_and_the_allies(production):
    codes = set(production["country"])
    assert "ROW" in codes
    assert len(codes - {"ROW", "EU27"}) >= 20
    for ally in ALLIES:
        if ally == "EU27":
            assert codes & EU27_MEMBERS
        else:
            assert ally in codes, ally
    demand = read("demand.csv")
    assert set(ALLIES) | {"CHN", "ROW"} <= set(demand["region"])


def _chain_feed(p: pd.DataFrame) -> dict[tuple[str, str], float]:
    """World feed of each (material, stage) to downstream stages: chain x downstream output.

    REO's links to separation are co-products (the same REO yields every oxide), so REO feed is the
    largest of them, not their sum.
    """
    chain = read("chain.csv")
    out = p.groupby(["material", "stage"])["value"].sum()
    feed: dict[tuple[str, str], float] = {}
    for (im, is_), g in chain.groupby(["input_material", "input_stage"]):
        parts = [out.get((r.material, r.stage), 0.0) * r.value for r in g.itertuples(index=False)]
        feed[(im, is_)] = max(parts) if (im, is_) == ("rare_earths", "mining") else sum(parts)
    return feed


def test_world_final_demand_plus_chain_feed_matches_output(production):
    """`demand` is final use: demand + feed to downstream stages = output, at the last and the feeding stages."""
    demand = read("demand.csv")
    p = production[production["year"] == YEAR]
    feed = _chain_feed(p)
    for m, stages in MATERIAL_STAGES.items():
        last = list(stages)[-1]
        for s in stages:
            out = p[(p["material"] == m) & (p["stage"] == s)]["value"].sum()
            final = demand[(demand["material"] == m) & (demand["year"] == YEAR)]["value"].sum() if s == last else 0.0
            if s != last or (m, s) in feed:
                assert final + feed.get((m, s), 0.0) == pytest.approx(out, rel=0.15), (m, s, final, feed.get((m, s)))
            else:
                assert final == pytest.approx(out, rel=0.15), m


def test_demand_excludes_feed_that_the_chain_carries():
    demand = read("demand.csv")
    nat = demand[demand["material"] == "graphite_natural"]
    assert "batteries" not in set(nat["sector"])  # anode feed is chain x anode output, not demand
    assert nat["value"].sum() < 0.3 * 1_550_000
    assert (demand[demand["material"].isin(["rare_earths", "ndpr"])]["value"] == 0).all()
    dy = demand[demand["material"] == "dysprosium"]["value"].sum()
    assert 0 < dy < 0.15 * 2661.43


def test_anode_imports_equal_use_minus_output_for_net_importers():
    demand = read("demand.csv")
    use = demand[demand["material"] == "graphite_anode"].groupby("region")["value"].sum()
    prod = read("production.csv")
    out = prod[(prod["material"] == "graphite_anode") & (prod["year"] == YEAR)].set_index("country")["value"]
    trade = read("trade.csv")
    imports = trade[trade["material"] == "graphite_anode"].groupby("importer")["value"].sum()
    assert use["CHN"] / use.sum() > 0.7
    assert use["USA"] == pytest.approx(imports["USA"])  # no US anode output: use = sourced imports
    assert use["ROW"] < out["ROW"]
    for r in ("EU27", "JPN", "KOR", "IND"):
        assert imports[r] == pytest.approx(use[r] - out.get(r, 0.0), rel=1e-4), r


def test_graphite_observations_state_their_product_basis():
    obs = read("trade_observations.csv")
    g = obs[obs["material"] == "graphite_natural"].set_index(["item", "period"])
    for period in ("2023-10", "2023-11", "2023-12"):
        row = g.loc[("natural graphite", period)]
        assert row["basis"] == "flake+spherical"
        assert "flake and spherical" in row["note"]
    assert set(g["basis"]) == {"flake", "spherical", "flake+spherical"}
    assert obs["basis"].notna().all()


def test_gallium_2023_price_is_the_pre_control_level():
    price = read("price.csv").set_index(["material", "stage", "market", "year"])
    assert price.loc[("gallium", "metal", "international", 2023), "value"] == pytest.approx(257.5)
    alt = read("alternatives.csv")
    row = alt[alt["key"] == "material=gallium;stage=metal;market=international;year=2023"]
    assert row["value"].tolist() == [365]


def test_capacity_covers_every_2024_producer(production):
    cap = read("capacity.csv")
    have = set(zip(cap["material"], cap["stage"], cap["country"], cap["year"], strict=False))
    p = production[(production["year"] == YEAR) & (production["value"] > 0)]
    for r in p.itertuples(index=False):
        assert (r.material, r.stage, r.country, YEAR) in have, r


def test_trade_lists_exporters_for_allies_and_china():
    trade = read("trade.csv")
    assert set(trade["importer"]) >= set(ALLIES) | {"CHN"}


def test_build_reproduces_the_packaged_files_byte_for_byte(tmp_path):
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_dataset.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for path in sorted(PACKAGED.iterdir()):
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


@pytest.mark.parametrize(
    ("material", "stage", "importer"),
    [
        ("ndfeb", "magnet", "JPN"),
        ("ndfeb", "magnet", "CHN"),
        ("ndpr", "separation", "JPN"),
        ("ndpr", "metal", "JPN"),
        ("rare_earths", "mining", "CHN"),
        ("rare_earths", "mining", "MYS"),
        ("gallium", "metal", "CAN"),
    ],
)
def test_allies_and_china_have_recorded_sourcing(material, stage, importer):
    trade = read("trade.csv")
    rows = trade[(trade["material"] == material) & (trade["stage"] == stage) & (trade["importer"] == importer)]
    assert len(rows) > 0


@pytest.mark.parametrize(
    "material", ["ndpr", "dysprosium", "terbium", "gallium", "germanium", "antimony", "cobalt", "lithium"]
)
def test_china_domestic_prices_exist(material):
    price = read("price.csv")
    assert ((price["material"] == material) & (price["market"] == "china_domestic")).any()


def test_response_options_are_complete_and_cited(sources):
    """Every holder x material has a stockpile option; every number's source is named in the note."""
    stock = read("response_stockpiles.csv")
    holders = {"JPN-JOGMEC", "KOR-KOMIR", "USA-NDS", "EU27-RESOURCEEU", "AUS-CMSR", "ALLIANCE"}
    assert set(stock["holder"]) == holders
    assert len(stock) == len(holders) * len(MATERIAL_STAGES)
    assert (stock["purchase_price_usd_per_t"] > 0).all()
    assert (stock["max_purchase_t_per_year"] > 0).all()
    shares = stock.drop_duplicates("holder").set_index("holder")["purchase_share_of_world_per_year"]
    assert shares.sum() == pytest.approx(0.04)  # the 4%/yr non-dominant ramp-up, split among holders
    komir = stock[stock["holder"] == "KOR-KOMIR"]["release_lead_months"]
    assert ((komir - 30 / 30.4375).abs() < 1e-5).all()
    projects = read("response_projects.csv")
    assert set(projects["project_ref"]) <= set(read("projects.csv")["project_id"])
    assert projects["p_complete"].between(0, 1).all()
    assert (projects["p_complete_low"] <= projects["p_complete"]).all()
    assert (projects["p_complete"] <= projects["p_complete_high"]).all()
    lynas = projects.set_index("project_id").loc["R05-lynas-texas-dy", "p_complete"]
    assert lynas <= 0.2  # stalled Nov 2025
    instruments = read("response_instruments.csv")
    assert set(instruments["project_id"]) <= set(projects["project_id"])
    floors = instruments[instruments["instrument"] == "price_floor"]
    assert (floors["floor_usd_per_kg"] == 110).all()
    assert (floors["upside_share"] == 0.3).all()
    research = read("response_research.csv")
    assert research["p_success"].between(0, 1).all()
    assert research["intensity_cut"].between(0, 1).all()
    known = set(sources["source_id"])
    for file in RESPONSE_FILES:
        cited = read(file)["note"].str.findall(r"src ([a-z0-9-]+)")
        assert all(set(ids) <= known for ids in cited), file
    asm = sources[sources["source_id"].str.startswith("asm-")].set_index("source_id")["note"]
    for sid in (
        "asm-stockpile-holding-cost",
        "asm-stockpile-purchase-pace",
        "asm-loan-terms",
        "asm-equity-expected-loss",
        "asm-research-programmes",
        "asm-project-p-complete",
    ):
        assert re.search(r"\d-\d", asm[sid]), sid  # every assumption states its range


def test_anode_flake_intensity_balances_china_exports_to_usgs(production):
    # China's natural-graphite surplus (output - anode feed - use outside the chain) equals the
    # USGS exports 2024 (109,000 t Jan-Sep x 12/9), and the implied spheroidisation yield is plausible.
    ch = read("chain.csv")
    k = ch[(ch.material == "graphite_anode") & (ch.input_material == "graphite_natural")]
    assert len(k) == 1 and k.source_id.iloc[0] == "est-anode-flake-intensity"
    k = float(k.value.iloc[0])
    assert 0.30 <= 0.156 / k <= 0.50
    p = production[production.year == 2024].set_index(["material", "stage", "country"]).value
    d = read("demand.csv")
    cn_use = d[(d.material == "graphite_natural") & (d.region == "CHN")].value.sum()
    surplus = p[("graphite_natural", "mining", "CHN")] - k * p[("graphite_anode", "refining", "CHN")] - cn_use
    assert surplus == pytest.approx(109_000 * 12 / 9, rel=0.01)
    alt = read("alternatives.csv")
    assert ((alt.variable == "chain") & (alt.source_id == "asm-spheroidisation-yield")).any()


def test_automakers_magnet_cover_comes_from_2025_statements_and_other_parts_keep_theirs(sources):
    # Magnets: 6.5 weeks from the 2025 stops (Ford's first stop in May, others warned of
    # mid-July); every other automotive material keeps the generic 2-4 weeks of components.
    cover = read("inventory_cover.csv")
    auto = cover[cover.sector == "automotive"]
    magnets = auto[auto.material == "ndfeb"]
    assert len(magnets) and set(magnets["value"]) == {45.5}
    assert set(auto[auto.material != "ndfeb"]["value"]) == {21.0}
    url = sources.set_index("source_id").loc[magnets["source_id"].iloc[0], "url"]
    assert url.startswith("https://www.financetom.com/")
