"""EU supply risk (2017 method) and criticality: hand-computed values and exact errors.

No published 2023 SR is reproduced here: DOMAIN §3.3 lists the published SR/EI pairs but not
their inputs (EU-sourcing shares, governance scores, trade factors, EOL-RIR, SI_SR), and
reconstructing those would be fitting, not checking. The published pairs are used only for the
criticality rule, which needs nothing else.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from critmin.exposure import eu_critical, eu_supply_risk, eu_supply_risk_table, hhi_wgi_t

COUNTRIES = {"country": ["CHN", "AUS", "FIN"]}


def test_hhi_wgi_t_by_hand():
    shares = xr.DataArray([0.7, 0.2, 0.1], dims="country", coords=COUNTRIES)
    governance = xr.DataArray([6.0, 2.0, 1.0], dims="country", coords=COUNTRIES)
    trade = xr.DataArray([1.2, 0.8, 0.8], dims="country", coords=COUNTRIES)
    # 0.49*6*1.2 + 0.04*2*0.8 + 0.01*1*0.8 = 3.528 + 0.064 + 0.008 = 3.600
    assert float(hhi_wgi_t(shares, governance, trade)) == pytest.approx(3.6)
    # with t = 1 everywhere: 2.94 + 0.08 + 0.01 = 3.03
    assert float(hhi_wgi_t(shares, governance)) == pytest.approx(3.03)


def test_hhi_wgi_t_equals_eu_percent_formula():
    # EU: sum of (100 s)^2 * W * t over 10,000 -> (4900*6 + 400*2 + 100*1) / 10,000 = 3.03
    shares = xr.DataArray([0.7, 0.2, 0.1], dims="country", coords=COUNTRIES)
    governance = xr.DataArray([6.0, 2.0, 1.0], dims="country", coords=COUNTRIES)
    percent = float(((100 * shares) ** 2 * governance).sum()) / 10_000
    assert float(hhi_wgi_t(shares, governance)) == pytest.approx(percent)


def test_missing_governance_makes_index_unknown_not_smaller():
    shares = xr.DataArray([0.7, 0.2, 0.1], dims="country", coords=COUNTRIES)
    governance = xr.DataArray([6.0, 2.0], dims="country", coords={"country": ["CHN", "AUS"]})
    assert math.isnan(float(hhi_wgi_t(shares, governance)))


def test_eu_supply_risk_by_hand():
    # (5.0 * 0.6/2 + 3.0 * (1 - 0.6/2)) * (1 - 0.1) * 0.9 = (1.5 + 2.1) * 0.81 = 2.916
    assert float(eu_supply_risk(5.0, 3.0, 0.6, 0.1, 0.9)) == pytest.approx(2.916)
    # IR = 1: half global, half EU sourcing: (4*0.5 + 2*0.5) * 1 * 1 = 3.0
    assert float(eu_supply_risk(4.0, 2.0, 1.0, 0.0, 1.0)) == pytest.approx(3.0)
    # IR = 0 uses only EU sourcing; full recycling removes all risk
    assert float(eu_supply_risk(4.0, 2.0, 0.0, 0.0, 1.0)) == pytest.approx(2.0)
    assert float(eu_supply_risk(4.0, 2.0, 0.5, 1.0, 1.0)) == 0.0


def test_eu_supply_risk_broadcasts_over_materials():
    materials = {"material": ["gallium", "nickel"]}
    gs = xr.DataArray([5.0, 1.0], dims="material", coords=materials)
    sr = eu_supply_risk(gs, 3.0, 0.6, 0.1, 0.9)
    # nickel: (1*0.3 + 3*0.7) * 0.81 = 2.4 * 0.81 = 1.944
    assert sr.sel(material="nickel").item() == pytest.approx(1.944)


def test_eu_critical_thresholds_are_inclusive():
    sr = xr.DataArray([1.0, 0.99, 3.9, 0.5], dims="material")
    ei = xr.DataArray([2.8, 9.0, 2.79, 5.7], dims="material")
    assert eu_critical(sr, ei).values.tolist() == [True, False, False, False]


@pytest.mark.parametrize(
    ("material", "sr", "ei", "critical"),
    [("gallium", 3.9, 3.7, True), ("tungsten", 1.2, 8.7, True), ("nickel", 0.5, 5.7, False)],
)
def test_published_2023_pairs_classify_as_published(material, sr, ei, critical):
    # DOMAIN §3.3: 2023 SR/EI pairs; nickel is "not critical on SR"
    assert bool(eu_critical(sr, ei)) is critical


def test_eu_supply_risk_table_adds_sr_and_critical():
    rows = pd.DataFrame(
        {
            "material": ["a", "b", "c"],
            "hhi_gs": [5.0, 1.0, 2.0],
            "hhi_eu": [3.0, 1.0, 2.0],
            "import_reliance": [0.6, 0.0, 0.5],
            "eol_rir": [0.1, 0.0, 0.0],
            "si_sr": [0.9, 0.8, 1.0],
            "ei": [3.0, 6.0, np.nan],
        }
    )
    out = eu_supply_risk_table(rows)
    assert out["sr"].tolist() == pytest.approx([2.916, 0.8, 2.0])
    assert out["critical"].tolist()[:2] == [True, False]
    assert out["critical"].isna().tolist() == [
        False,
        False,
        True,
    ]  # EI unknown: criticality unknown
    assert "sr" not in rows.columns  # input untouched
    assert "critical" not in eu_supply_risk_table(rows.drop(columns="ei")).columns


def test_bad_inputs_raise_exact_errors():
    with pytest.raises(ValueError, match=r"eu_supply_risk: import_reliance must lie in \[0, 1\]; found 1.2..1.2"):
        eu_supply_risk(5.0, 3.0, 1.2, 0.1, 0.9)
    with pytest.raises(ValueError, match="eu_supply_risk needs non-negative hhi_eu"):
        eu_supply_risk(5.0, -3.0, 0.5, 0.1, 0.9)
    with pytest.raises(ValueError, match="eu_critical: SR and EI must be known"):
        eu_critical(float("nan"), 3.0)
    with pytest.raises(ValueError, match="eu_supply_risk_table: missing column"):
        eu_supply_risk_table(pd.DataFrame({"material": ["a"], "hhi_gs": [1.0]}))
    shares = xr.DataArray([0.7, 0.5], dims="country", coords={"country": ["CHN", "AUS"]})
    governance = xr.DataArray([6.0, 2.0], dims="country", coords={"country": ["CHN", "AUS"]})
    with pytest.raises(ValueError, match="hhi_wgi_t: shares along 'country' sum to more than 1"):
        hhi_wgi_t(shares, governance)
    with pytest.raises(ValueError, match=r"hhi_wgi_t: governance must lie in \[0, 10\]"):
        hhi_wgi_t(shares / 2, governance * 2)
    with pytest.raises(ValueError, match="hhi_wgi_t: trade_factor must be positive"):
        hhi_wgi_t(shares / 2, governance, 0.0)
