"""Who stops is decided per firm class; sector operating levels come from the data."""

import numpy as np
import pytest

from critmin.scenarios import parse_scenario
from critmin.shock import simulate
from critmin.shock.context import build_context
from critmin.shock.events import batch_parameters, draw_values
from critmin.shock.network import build_network
from critmin.shock.parameters import parameter_table
from critmin.shock.reference import reference_run
from critmin.shock.simulate import run_batch
from tests.shock.scenario_text import export_control, header
from tests.shock.tiny import germanium


def halt(destination: str, parameters: str = "", announced: int = 2) -> str:
    fields = {"materials": '["germanium"]', "destinations": f'["{destination}"]', "announced": announced}
    fields |= {"effective": 2, "licensing_delay_months": 0, "approval_path": "[0.0]", "leakage": 0.0}
    text = export_control(header(9), **fields, transit_days=0)
    return text + '\n[policy]\nsubstitution = false\nallocation = "pro_rata"\n' + parameters


HAND = "\n[parameters]\nmin_operating_level = 0.5\nsole_sourcing = 1.0\nfirm_cover_spread = 0.8\nramp_up_rate = 0.0\n"


def test_each_share_of_output_stops_in_the_month_solved_by_hand():
    # JPN buys 80 % of its germanium from CHN. With sole_sourcing = 1 the firms that buy from
    # CHN (0.8 of output) get nothing from month 2. Cover 2.5 months, spread 0.8: the four
    # classes hold 2.5 x (0.4, 0.8, 1.2, 1.6) = 1, 2, 3, 4 months and use one a month, so a
    # class holding n months runs in months 2 .. n + 1 and stops in month n + 2 (stock 0 < 0.5).
    # Stopped share: 0.2 in month 3, 0.4 in 4, 0.6 in 5, 0.8 from 6 (firms buying from the USA
    # keep running): 5 % and 25 % ... first reached in months 3, 4 and 50 % in month 5.
    out = simulate(build_network(germanium()), parse_scenario(halt("JPN", HAND)))
    share = out.stopped.sel(country="JPN", sector="automotive", material="germanium").isel(draw=0)
    np.testing.assert_allclose(share.values, [0, 0, 0, 0.2, 0.4, 0.6, 0.8, 0.8, 0.8], atol=1e-12)
    offsets = out.output_stop_offset.sel(country="JPN", sector="automotive").isel(draw=0)
    assert offsets.sel(output_share=[0.05, 0.25, 0.5]).values.tolist() == [3, 4, 5]
    months = out.output_stop_month.sel(country="JPN", sector="automotive").isel(draw=0).values
    assert [str(m)[:7] for m in months] == ["2024-04", "2024-05", "2024-06"]
    assert int(out.first_stop_offset.sel(country="JPN", sector="automotive").isel(draw=0)) == 3
    assert out.output_stop_month.attrs["description"].startswith("first month in which at least")
    assert out.output_stop_offset.attrs["units"] == "month"


def test_a_country_making_most_of_its_own_still_has_firms_that_stop():
    # The USA makes 300 of the 360 t it uses; China's 60 t are cut. Pooled, the USA would have
    # 5/6 of its need and never fall below an operating level of 0.5; its firms tied to Chinese
    # supply run out of their own cover and stop.
    # No redirection (ramp_up_rate = 0): US producers cannot replace the refused orders.
    out = simulate(build_network(germanium()), parse_scenario(halt("USA", "\n[parameters]\nramp_up_rate = 0.0\n")))
    usa = out.sel(country="USA", sector="automotive").isel(draw=0)
    assert int(usa.first_stop_offset) >= 2
    assert 0 < float(usa.stopped.max()) < 0.25
    assert int(usa.output_stop_offset.sel(output_share=0.5)) == -1
    assert np.isnat(usa.output_stop_month.sel(output_share=0.5).values)


def test_the_automotive_operating_level_is_read_from_the_data():
    net = build_network(germanium({"min_operating_level_all": 0.6, "min_operating_level_automotive": 0.9}))
    assert net.parameters["min_operating_level[automotive]"] == 0.9
    assert net.parameters["min_operating_level[electronics]"] == 0.6
    assert net.provenance["min_operating_level[automotive]"] == (
        "dataset parameter 'min_operating_level_automotive', material 'all'"
    )
    assert net.provenance["min_operating_level[electronics]"] == (
        "dataset parameter 'min_operating_level_all', material 'all' (the min_operating_level value)"
    )
    table = parameter_table(
        germanium({"min_operating_level_all": 0.6, "min_operating_level_automotive": 0.9})
    ).splitlines()
    row = next(r for r in table if r.startswith("| min_operating_level[automotive]"))
    assert "| 0.9 | dataset parameter 'min_operating_level_automotive', material 'all' |" in row


@pytest.mark.parametrize(("automotive", "share"), [(0.9, 0.6), (0.6, 0.4)])
def test_the_sector_level_from_the_data_decides_when_a_class_stops(automotive, share):
    # As in the hand-solved test, but spread 0.6: the classes of JPN's firms tied to CHN hold
    # 2.5 x (0.55, 0.85, 1.15, 1.45) = 1.375, 2.125, 2.875, 3.625 months and get nothing from
    # month 2. The third class has 0.875 left in month 4: below the automotive row's 0.9 it
    # stops (3 of 4 classes, 0.6 of output), at the `all` value 0.6 it runs (0.4 stopped).
    ds = germanium({"min_operating_level_all": 0.6, "min_operating_level_automotive": automotive})
    text = halt("JPN", "\n[parameters]\nsole_sourcing = 1.0\nfirm_cover_spread = 0.6\nramp_up_rate = 0.0\n")
    out = simulate(build_network(ds), parse_scenario(text))
    jp = out.stopped.sel(country="JPN", sector="automotive", material="germanium").isel(draw=0)
    assert float(jp.isel(month=4)) == pytest.approx(share, abs=1e-12)


def test_a_scenario_level_overrides_every_sector():
    ds = germanium({"min_operating_level_all": 0.6, "min_operating_level_automotive": 0.9})
    net = build_network(ds)
    out = run_batch(net, parse_scenario(halt("JPN", "\n[parameters]\nmin_operating_level = 0.3\n")), [0])
    assert out["parameter_min_operating_level"].tolist() == [0.3]
    s = parse_scenario(halt("JPN", "\n[parameters]\nmin_operating_level = 0.3\n"))
    ctx = build_context(net, s, batch_parameters(net.parameters, s, draw_values(s, [0]), 1))
    assert ctx.firms.min_level.tolist() == [[0.3] * len(net.sectors)]


def test_reference_agrees_on_the_firm_classes():
    net = build_network(germanium({"min_operating_level_automotive": 0.9}))
    s = parse_scenario(halt("all", announced=1).replace('["all"]', '"all"'))
    fast, slow = run_batch(net, s, [0]), reference_run(net, s, [0])
    for name, expected in slow.items():
        np.testing.assert_allclose(fast[name], expected, rtol=1e-9, atol=1e-9, err_msg=name)
    assert 0 < slow["stopped"].max() < 1


def test_the_parameters_command_prints_each_sector_level_with_its_origin(capsys):
    from critmin.cli import main

    assert main(["parameters"]) == 0
    out = capsys.readouterr().out
    row = next(r for r in out.splitlines() if r.startswith("| min_operating_level[automotive]"))
    assert row.startswith(
        "| min_operating_level[automotive] | 0.9 | dataset parameter 'min_operating_level_automotive'"
    )


def test_firm_classes_hold_their_sectors_own_cover():
    ds = germanium()
    ds["inventory_cover"].loc[{"material": "germanium", "region": "JPN", "sector": "automotive"}] = 40.0
    net = build_network(ds)
    s = parse_scenario(halt("JPN", "\n[parameters]\nfirm_cover_spread = 0.0\n"))
    ctx = build_context(net, s, batch_parameters(net.parameters, s, draw_values(s, [0]), 1))
    pair = int(ctx.pair_of[net.item_index("germanium", "refining"), net.countries.index("JPN")])
    sectors = list(net.sectors)
    np.testing.assert_allclose(ctx.firms.stock0[0, pair, sectors.index("automotive"), 0], 40.0 / (365.25 / 12))


def test_results_record_each_sector_level_and_its_origin():
    net = build_network(germanium({"min_operating_level_all": 0.6, "min_operating_level_automotive": 0.9}))
    data = simulate(net, parse_scenario(halt("JPN")))
    assert data.attrs["parameter:min_operating_level[automotive]"] == (
        "0.9 (dataset parameter 'min_operating_level_automotive', material 'all')"
    )
    fixed = simulate(net, parse_scenario(halt("JPN", "\n[parameters]\nmin_operating_level = 0.3\n")))
    assert fixed.attrs["parameter:min_operating_level[automotive]"] == "0.3 (scenario min_operating_level)"
