"""Tier-by-tier dependence on small networks solved by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from critmin.exposure import (
    chain_path,
    direct_dependence,
    exposure_any_stage,
    sourcing_matrix,
    ultimate_dependence,
)


def matrix(rows: list[list[float]], countries: list[str]) -> xr.DataArray:
    return xr.DataArray(
        np.array(rows, dtype=float),
        dims=("importer", "exporter"),
        coords={"importer": countries, "exporter": countries},
    )


JP = ["CHN", "JPN", "MYS"]
# DOMAIN §3.5 illustrative chain (made-up numbers): Japanese metal makers take oxide 60 % from
# China, 40 % from Malaysia; Japan's metal/alloy is 80 % Chinese, 20 % Japanese; Japan makes all
# its own magnets. China and Malaysia supply themselves.
JAPAN_CHAIN = [
    matrix([[1, 0, 0], [0.6, 0, 0.4], [0, 0, 1]], JP),  # oxide
    matrix([[1, 0, 0], [0.8, 0.2, 0], [0, 0, 1]], JP),  # metal / alloy
    matrix([[1, 0, 0], [0, 1, 0], [0, 0, 1]], JP),  # magnet
]


def test_domain_japan_example():
    # China-free share = 1 (own magnets) * 0.2 (own metal) * 0.4 (Malaysian oxide) = 0.08
    exposure = exposure_any_stage(JAPAN_CHAIN, "CHN").sel(importer="JPN").item()
    direct = direct_dependence(JAPAN_CHAIN[-1]).sel(importer="JPN", origin="CHN").item()
    assert exposure == pytest.approx(0.92)
    assert direct == 0.0
    assert exposure - direct == pytest.approx(0.92)  # all of it hidden
    # origin of Japan's magnets: 0.8 * China's oxide (all Chinese) + 0.2 * Japan's oxide (0.6 / 0.4)
    origin = ultimate_dependence(JAPAN_CHAIN).sel(importer="JPN")
    assert origin.sel(origin="CHN").item() == pytest.approx(0.92)
    assert origin.sel(origin="MYS").item() == pytest.approx(0.08)
    assert origin.sel(origin="JPN").item() == pytest.approx(0.0)


# Three countries, three stages, where a processing hub (B) is invisible in origin tracing:
#   mining:   A mines its own; B takes ore half from A, half from C; C mines its own
#   refining: A buys all refined product from B; B refines its own; C: 30 % from B, 70 % own
#   product:  everyone makes its own
ABC = ["A", "B", "C"]
HUB_CHAIN = [
    matrix([[1, 0, 0], [0.5, 0, 0.5], [0, 0, 1]], ABC),
    matrix([[0, 1, 0], [0, 1, 0], [0, 0.3, 0.7]], ABC),
    matrix([[1, 0, 0], [0, 1, 0], [0, 0, 1]], ABC),
]


def test_hub_network_origin_tracing_by_hand():
    o = ultimate_dependence(HUB_CHAIN)
    # A: all via B, whose ore is half A, half C -> (0.5, 0, 0.5)
    assert o.sel(importer="A").values.tolist() == pytest.approx([0.5, 0.0, 0.5])
    # C: 0.3 * B's ore (0.5 A, 0.5 C) + 0.7 * C's ore (all C) -> (0.15, 0, 0.85)
    assert o.sel(importer="C").values.tolist() == pytest.approx([0.15, 0.0, 0.85])
    assert o.sum("origin").values.tolist() == pytest.approx([1.0, 1.0, 1.0])


def test_hub_network_any_stage_exposure_by_hand():
    e = exposure_any_stage(HUB_CHAIN)
    # k = B. F_mining = (1, 1, 1): nobody mines in B.
    # F_refining: A = 0 (all from B); C = 0.7 * F_mining[C] = 0.7.  F_product = F_refining.
    assert e.sel(importer="A", origin="B").item() == pytest.approx(1.0)
    assert e.sel(importer="C", origin="B").item() == pytest.approx(0.3)
    # k = A. F_mining = (0, 0.5, 1); F_refining: A = F_m[B] = 0.5, C = 0.3*0.5 + 0.7*1 = 0.85;
    # F_product: A = 0 (A makes its own product, so it passes through A), C = 0.85
    assert e.sel(importer="A", origin="A").item() == pytest.approx(1.0)
    assert e.sel(importer="C", origin="A").item() == pytest.approx(0.15)
    # B's product never touches C at any stage except via B's ore: F_mining[B] for k = C is 0.5
    assert e.sel(importer="B", origin="C").item() == pytest.approx(0.5)


def test_hub_is_hidden_from_origin_and_direct_shares():
    # A's product: direct share of B is 0, upstream-most origin share of B is 0,
    # yet every tonne passed through B's refineries.
    direct = direct_dependence(HUB_CHAIN[-1]).sel(importer="A", origin="B").item()
    origin = ultimate_dependence(HUB_CHAIN).sel(importer="A", origin="B").item()
    exposure = exposure_any_stage(HUB_CHAIN, "B").sel(importer="A").item()
    assert (direct, origin, exposure) == (0.0, 0.0, pytest.approx(1.0))


def test_single_stage_dependence_is_the_matrix():
    m = JAPAN_CHAIN[0]
    xr.testing.assert_allclose(ultimate_dependence([m]), direct_dependence(m))
    assert exposure_any_stage([m], "CHN").sel(importer="JPN").item() == pytest.approx(0.6)


def test_exposure_selects_several_origins():
    e = exposure_any_stage(JAPAN_CHAIN, ["MYS", "CHN"])
    assert e["origin"].values.tolist() == ["MYS", "CHN"]
    # k = MYS: F_oxide[JPN] = 0.6, F_metal[JPN] = 0.8 * 1 + 0.2 * 0.6 = 0.92 -> E = 0.08
    assert e.sel(importer="JPN").values.tolist() == pytest.approx([0.08, 0.92])


def test_unknown_upstream_row_matters_only_where_it_is_used():
    oxide = JAPAN_CHAIN[0].copy()
    oxide.loc[{"importer": "MYS"}] = np.nan  # Malaysia's own oxide sourcing unknown
    chain = [oxide, *JAPAN_CHAIN[1:]]
    e = exposure_any_stage(chain, "CHN")
    assert e.sel(importer="JPN").item() == pytest.approx(0.92)  # Japan's metal uses no Malaysian oxide
    assert math.isnan(e.sel(importer="MYS").item())  # Malaysia's metal does
    assert math.isnan(ultimate_dependence(chain).sel(importer="MYS", origin="MYS").item())


def test_matrices_on_different_country_sets_are_aligned_by_label():
    # the upstream matrix lists only the countries that matter to it, in another order
    oxide = xr.DataArray(
        [[0.4, 0.6], [1.0, 0.0]],
        dims=("importer", "exporter"),
        coords={"importer": ["JPN", "MYS"], "exporter": ["MYS", "CHN"]},
    )
    oxide = oxide.reindex(importer=["MYS", "JPN", "CHN"], exporter=JP, fill_value=0.0)
    oxide.loc[{"importer": "CHN", "exporter": "CHN"}] = 1.0
    assert exposure_any_stage([oxide, *JAPAN_CHAIN[1:]], "CHN").sel(importer="JPN").item() == pytest.approx(0.92)


def test_sourcing_matrix_from_tonnes_by_hand():
    production = xr.DataArray([100.0, 20.0], dims="country", coords={"country": ["CHN", "AUS"]})
    trade = xr.DataArray(
        [[30.0, 5.0, np.nan], [10.0, np.nan, 5.0]],
        dims=("exporter", "importer"),
        coords={"exporter": ["CHN", "AUS"], "importer": ["JPN", "AUS", "USA"]},
    )
    m = sourcing_matrix(production, trade)
    assert m["exporter"].values.tolist() == ["AUS", "CHN", "JPN", "USA"]
    # AUS: domestic 20 - (10 + 5) = 5, imports 5 from CHN -> half and half
    assert m.sel(importer="AUS").values.tolist() == pytest.approx([0.5, 0.5, 0.0, 0.0])
    # JPN: 30 from CHN, 10 from AUS, no production
    assert m.sel(importer="JPN").values.tolist() == pytest.approx([0.25, 0.75, 0.0, 0.0])
    assert m.sel(importer="USA").values.tolist() == pytest.approx([1.0, 0.0, 0.0, 0.0])
    # CHN has no recorded imports: world production shares 20/120 and 100/120
    assert m.sel(importer="CHN").values.tolist() == pytest.approx([1 / 6, 5 / 6, 0.0, 0.0])
    assert m["assumed"].to_series().to_dict() == {
        "AUS": False,
        "CHN": True,
        "JPN": False,
        "USA": False,
    }


def test_sourcing_matrix_recorded_zero_imports_means_self_supply():
    production = xr.DataArray([100.0, 20.0], dims="country", coords={"country": ["CHN", "AUS"]})
    trade = xr.DataArray([[0.0]], dims=("exporter", "importer"), coords={"exporter": ["AUS"], "importer": ["CHN"]})
    m = sourcing_matrix(production, trade)
    assert m.sel(importer="CHN", exporter="CHN").item() == 1.0
    assert not bool(m["assumed"].sel(importer="CHN"))


def test_sourcing_matrix_ignores_self_trade_and_floors_domestic_supply():
    production = xr.DataArray([10.0, 50.0], dims="country", coords={"country": ["SGP", "CHN"]})
    trade = xr.DataArray(
        [[999.0, 30.0], [20.0, 0.0]],
        dims=("exporter", "importer"),
        coords={"exporter": ["SGP", "CHN"], "importer": ["SGP", "JPN"]},
    )
    m = sourcing_matrix(production, trade, countries=["KOR"])
    # SGP re-exports 30 > its 10 made: domestic 0, so its supply is the 20 it imports from CHN
    assert m.sel(importer="SGP").to_series().to_dict() == {
        "CHN": 1.0,
        "JPN": 0.0,
        "KOR": 0.0,
        "SGP": 0.0,
    }
    assert "KOR" in m["importer"].values
    assert bool(m["assumed"].sel(importer="KOR"))


def test_sourcing_matrix_keeps_extra_dims():
    production = xr.DataArray(
        [[100.0, 50.0], [10.0, 50.0]],
        dims=("country", "year"),
        coords={"country": ["CHN", "AUS"], "year": [2023, 2024]},
    )
    trade = xr.DataArray(
        [[[10.0, 0.0]], [[10.0, 10.0]]],
        dims=("exporter", "importer", "year"),
        coords={"exporter": ["CHN", "AUS"], "importer": ["JPN"], "year": [2023, 2024]},
    )
    m = sourcing_matrix(production, trade)
    assert m.sel(importer="JPN", exporter="CHN").values.tolist() == pytest.approx([0.5, 0.0])
    assert m.sel(importer="CHN", exporter="CHN").values.tolist() == pytest.approx([100 / 110, 0.5])


def test_sourcing_matrix_rejects_negative_trade():
    production = xr.DataArray([1.0], dims="country", coords={"country": ["CHN"]})
    trade = xr.DataArray([[-2.0]], dims=("exporter", "importer"), coords={"exporter": ["CHN"], "importer": ["JPN"]})
    with pytest.raises(
        ValueError,
        match=r"sourcing_matrix needs non-negative trade; found 1 negative value\(s\), "
        r"first at exporter='CHN', importer='JPN'",
    ):
        sourcing_matrix(production, trade)


def test_bad_matrices_raise_exact_errors():
    with pytest.raises(
        ValueError,
        match=r"ultimate_dependence: each importer's shares must sum to 1; "
        r"importer \['JPN'\] sum to \[0.9\]",
    ):
        ultimate_dependence([matrix([[1, 0], [0.5, 0.4]], ["CHN", "JPN"])])
    with pytest.raises(ValueError, match=r"exposure_any_stage: sourcing shares must lie in \[0, 1\]"):
        exposure_any_stage([matrix([[1, 0], [1.5, -0.5]], ["CHN", "JPN"])])
    with pytest.raises(ValueError, match="ultimate_dependence needs at least one sourcing matrix"):
        ultimate_dependence([])
    with pytest.raises(ValueError, match=r"direct_dependence: 'exporter' is not a dimension"):
        direct_dependence(xr.DataArray([1.0], dims="importer"))


CHAIN = pd.DataFrame(
    [
        ("ndfeb", "magnet", "ndfeb", "alloy", 1.05),
        ("ndfeb", "alloy", "ndpr", "metal", 0.30),
        ("ndfeb", "alloy", "dysprosium", "metal", 0.01),
        ("ndpr", "metal", "ndpr", "separation", 1.20),
        ("dysprosium", "metal", "dysprosium", "separation", 1.15),
        ("ndpr", "separation", "rare_earths", "mining", 5.0),
        ("dysprosium", "separation", "rare_earths", "mining", 60.0),
    ],
    columns=["material", "stage", "input_material", "input_stage", "value"],
)


def test_chain_path_follows_the_largest_input():
    assert chain_path(CHAIN, "ndfeb", "magnet") == [
        ("rare_earths", "mining"),
        ("ndpr", "separation"),
        ("ndpr", "metal"),
        ("ndfeb", "alloy"),
        ("ndfeb", "magnet"),
    ]
    assert chain_path(CHAIN, "rare_earths", "mining") == [("rare_earths", "mining")]


def test_chain_path_through_a_chosen_input():
    path = chain_path(CHAIN, "ndfeb", "magnet", via={("ndfeb", "alloy"): ("dysprosium", "metal")})
    assert path[:3] == [
        ("rare_earths", "mining"),
        ("dysprosium", "separation"),
        ("dysprosium", "metal"),
    ]


def test_chain_path_reads_a_labelled_chain_variable():
    links = CHAIN.set_index(["material", "stage", "input_material", "input_stage"])["value"]
    dataset = xr.Dataset({"chain": links.to_xarray()})  # padded with NaN: no link
    assert chain_path(dataset, "ndfeb", "magnet") == chain_path(CHAIN, "ndfeb", "magnet")
    renamed = CHAIN.rename(columns={"value": "input_per_output"})
    assert chain_path(renamed, "ndpr", "metal") == [
        ("rare_earths", "mining"),
        ("ndpr", "separation"),
        ("ndpr", "metal"),
    ]


def test_chain_path_errors():
    with pytest.raises(
        ValueError,
        match=r"chain_path: \('cobalt', 'metal'\) is not an input of \('ndfeb', 'alloy'\)",
    ):
        chain_path(CHAIN, "ndfeb", "magnet", via={("ndfeb", "alloy"): ("cobalt", "metal")})
    looped = pd.concat(
        [
            CHAIN,
            pd.DataFrame([("rare_earths", "mining", "ndfeb", "magnet", 9.0)], columns=CHAIN.columns),
        ]
    )
    with pytest.raises(ValueError, match="chain_path: the chain table has a cycle through"):
        chain_path(looped, "ndfeb", "magnet")
    with pytest.raises(ValueError, match="chain_path: chain table lacks column"):
        chain_path(CHAIN.drop(columns="value"), "ndfeb", "magnet")


def test_dependence_broadcasts_over_years():
    # 2024: Japan's oxide half Chinese, half Malaysian -> China-free share 0.2 * 0.5 = 0.1
    later = JAPAN_CHAIN[0].copy()
    later.loc[{"importer": "JPN"}] = [0.5, 0.0, 0.5]
    years = xr.DataArray([2023, 2024], dims="year", name="year")
    oxide = xr.concat([JAPAN_CHAIN[0], later], dim=years)
    chain = [oxide, *(xr.concat([m, m], dim=years) for m in JAPAN_CHAIN[1:])]
    e = exposure_any_stage(chain, "CHN").sel(importer="JPN")
    assert e.values.tolist() == pytest.approx([0.92, 0.90])
    origin = ultimate_dependence(chain).sel(importer="JPN", origin="MYS")
    assert origin.values.tolist() == pytest.approx([0.08, 0.10])
