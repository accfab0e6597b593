"""Outlook scenario files: every problem at once, with file, key and fix; and the command."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from critmin.cli import main
from critmin.errors import ScenarioError
from critmin.outlook import load_scenario, named_scenarios, read_scenario

BAD = """
name = "mine"
first_year = 2025
last_year = 2035
colour = "blue"

[[growth]]
material = "unobtainium"
sector = "wind"
rate = 3
first_year = 2031
last_year = 2030
source = "my-guess"

[[growth]]
sector = "wind"
rate = 0.05
first_year = 2025
last_year = 2030
source = "statista-iea-demand-2030"

[[incumbent]]
material = "ndpr"
stage = "smelting"
country = "CHN"
rate = 0.04
first_year = 2025
last_year = 2035
source = "reuters-china-ree-quota-2024"
"""


def test_every_problem_is_listed_at_once():
    with pytest.raises(ScenarioError) as caught:
        read_scenario(BAD, "mine.toml")
    assert [str(i) for i in caught.value.issues] == [
        "mine.toml, field 'colour': is not a known key. Fix: use only first_year, growth, incumbent, last_year, "
        "name, sources, title.",
        "mine.toml, field 'growth[0].material': 'unobtainium' is not known. Fix: use one of antimony, cobalt, "
        "dysprosium, gallium, germanium, graphite_anode, graphite_natural, lithium, ndfeb, ndpr, neodymium, "
        'nickel, praseodymium, rare_earths, terbium, tungsten or "*".',
        "mine.toml, field 'growth[0].rate': 3 is outside -0.5..1.0. Fix: give a yearly rate.",
        "mine.toml, field 'growth[0].source': 'my-guess' is not a known source. Fix: add it under [sources] as id = url.",
        "mine.toml, field 'growth[0].last_year': 2030 is before first_year 2031. Fix: swap the years.",
        "mine.toml, field 'incumbent[0].stage': 'smelting' is not known. Fix: use one of alloy, end_use, magnet, metal, "
        "mining, refining, separation.",
    ]


def test_overlapping_entries_are_refused():
    text = """name = "x"\nfirst_year = 2025\nlast_year = 2035
[[growth]]\nsector = "wind"\nrate = 0.05\nfirst_year = 2025\nlast_year = 2030\nsource = "a"
[[growth]]\nsector = "wind"\nrate = 0.02\nfirst_year = 2030\nlast_year = 2035\nsource = "a"
[sources]\na = "https://example.org/a"
"""
    with pytest.raises(ScenarioError) as caught:
        read_scenario(text, "x.toml")
    assert [str(i) for i in caught.value.issues] == [
        "x.toml, field 'growth[1]': covers years also covered by growth[0] for the same material, sector and "
        "region. Fix: make their year ranges disjoint."
    ]


def test_shipped_scenarios_load_and_differ():
    assert named_scenarios() == ("aps", "steps")
    steps, aps = load_scenario("steps"), load_scenario("aps")
    assert steps.rate("ndfeb", "automotive", "USA", 2027)[0] == 0.064
    assert aps.rate("ndfeb", "automotive", "USA", 2027)[0] == 0.082
    assert aps.rate("ndfeb", "defence", "EU27", 2033) == (0.074, "asm-outlook-nato-core")
    assert steps.rate("ndfeb", "defence", "EU27", 2033) == (0.02, "asm-outlook-default-growth")


def test_command_writes_every_file_with_sources(tmp_path, capsys):
    assert main(["outlook", "--draws", "20", "--to", "2030", "--out", str(tmp_path)]) == 0
    folder = tmp_path / "outlook"
    names = {p.name for p in folder.iterdir()}
    assert names == {
        "outlook.nc", "world.csv", "dependence.csv", "milestones.csv", "crma.csv", "demand.csv",
        "projects.csv", "sources.csv", "summary.md",
    }  # fmt: skip
    sources = pd.read_csv(folder / "sources.csv")
    used = set(pd.read_csv(folder / "projects.csv")["source_id"]) | set(
        pd.read_csv(folder / "demand.csv")["rate_source"]
    )
    assert used <= set(sources["source_id"])
    assert "| ndfeb/magnet | USA |" in capsys.readouterr().out


def test_command_refuses_a_bad_scenario_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "mine.toml"
    bad.write_text(BAD, encoding="utf-8")
    assert main(["outlook", "--scenario", str(bad), "--draws", "5", "--out", str(tmp_path / "res")]) == 2
    err = capsys.readouterr().err
    assert "6 problem(s) in input" in err and "'smelting' is not known" in err
    assert not (tmp_path / "res").exists()


def test_command_with_a_plan_writes_the_plan_and_its_effect(tmp_path, capsys):
    args = ["outlook", "--draws", "10", "--to", "2031", "--plan-year", "2030", "--plan-alpha", "0.9"]
    assert main([*args, "--plan-draws", "20", "--out", str(tmp_path)]) == 0
    folder = tmp_path / "outlook"
    targets = pd.read_csv(folder / "plan_targets.csv")
    assert len(targets) == 7 * 6  # every ally x the six key steps
    assert set(targets["status"]) <= {"met without plan", "met by plan", "no plan can meet", "not applicable"}
    unmeetable = targets.loc[targets["status"] == "no plan can meet", "reason"]
    assert unmeetable.str.startswith("with every candidate backed and every option at its cap (decided in 2026)").all()
    chosen = pd.read_csv(folder / "plan.csv")
    out = capsys.readouterr().out
    assert "## Cheapest plan" in out
    assert set(chosen["project_id"]) <= set(pd.read_csv(folder / "projects.csv")["project_id"])
    assert (folder / "milestones_plan.csv").exists()
    answer = pd.read_csv(folder / "answer.csv", dtype=str)
    assert list(answer.columns) == [
        "product", "target", "ally", "direct_pipeline", "direct_plan", "ultimate_pipeline", "ultimate_plan",
        "plan_status", "plan_buys", "plan_cost_usd", "plan_total_usd",
    ]  # fmt: skip
    assert set(answer["ally"]) == {"USA", "JPN", "EU27", "KOR", "IND", "AUS", "CAN"}
    assert {"NdFeB magnets", "NdPr oxide", "Dy oxide", "Tb oxide", "gallium, primary", "anode graphite"} <= set(
        answer["product"]
    )
    years = pd.concat([answer[c] for c in ("direct_pipeline", "direct_plan", "ultimate_pipeline", "ultimate_plan")])
    assert years.str.fullmatch(r"20\d\d|not by 2031").all()
    bought = pd.read_csv(folder / "plan_options.csv")
    total = chosen["capex_usd"].sum() + bought["cost_usd"].sum()
    assert float(answer["plan_total_usd"].iloc[0]) == pytest.approx(total, rel=1e-12)
    assert "Year dependence on China falls to 65% or below (median draw): pipeline alone -> plan" in out
    resilience = pd.read_csv(folder / "resilience.csv")
    assert list(resilience["scenario"].unique()) == ["heavy_ree_licensing_2025", "critical_minerals_ban_usa"]
    assert (resilience["draws"] == 20).all()
    assert "What the plan saves if a shock hits (its plan-year capacity added to today's network):" in out
    entered = pd.read_csv(folder / "resilience_plan.csv", keep_default_na=False)
    assert len(entered) == len(chosen) + len(bought)


def test_missing_scenario_is_one_problem_and_nothing_is_written(tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["outlook", "--scenario", "nosuch", "--draws", "5", "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "critmin outlook: 1 problem(s) in input; nothing was loaded:",
        "  nosuch, field '(file)': no such outlook scenario file, and no shipped outlook scenario of that name. "
        "Fix: give the path of a TOML outlook scenario file or one of the shipped ones: aps, steps.",
    ]
    assert not out.exists()


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--plan-share", "1.5", "argument --plan-share: 1.5 is not a share above 0 and at most 1"),
        ("--plan-alpha", "0", "argument --plan-alpha: 0.0 is not a share above 0 and at most 1"),
        ("--to", "2024", "argument --to: 2024 is below 2025"),
        ("--to", "2100", "argument --to: 2100 is after 2060"),
    ],
)
def test_bad_numbers_are_refused(tmp_path, capsys, flag, value, message):
    with pytest.raises(SystemExit) as stopped:
        main(["outlook", flag, value, "--out", str(tmp_path / "res")])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].endswith(message)
    assert not (tmp_path / "res").exists()


def test_a_package_without_demand_is_refused_by_outlook_and_report(tmp_path, capsys):
    chain = Path(__file__).parents[1] / "report" / "data" / "re_chain"
    out = tmp_path / "report"
    assert main(["report", "--data", str(chain), "--outlook", "--draws", "2", "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "critmin report: 1 problem(s) in input; nothing was loaded:",
        "  demand.csv, field '(file)': the outlook grows each country's demand, and there is none. "
        "Fix: add demand.csv (material, region, sector, year, value) to the data package, or use the packaged dataset.",
    ]
    assert not out.exists()


def test_unknown_shocks_are_reported_together_and_nothing_is_written(tmp_path, capsys):
    out = tmp_path / "res"
    args = ["outlook", "--draws", "2", "--plan-year", "2030", "--shocks", "nosuch", "heavy_ree_licensing_2025", "gone"]
    assert main([*args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "critmin outlook: 2 problem(s) in input; nothing was loaded:"
    assert err[1].startswith(
        "  nosuch, field '(file)': no such scenario file, and no library scenario of that name. "
        "Fix: give the path of a TOML scenario file or one of the library's: backtest_ga_ge_2023,"
    )
    assert err[2].startswith("  gone, field '(file)': no such scenario file")
    assert not out.exists()


def test_shocks_without_a_plan_are_refused_not_ignored(tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["outlook", "--draws", "2", "--shocks", "heavy_ree_licensing_2025", "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines()[1] == (
        "  command line, field '--shocks': shocks are run with and without the plan, and no --plan-year asked "
        "for a plan. Fix: add --plan-year YEAR, or leave out --shocks."
    )
    assert not out.exists()


def test_a_bad_options_file_is_reported_whole_and_nothing_is_written(tmp_path, capsys):
    bad = tmp_path / "opts.csv"
    shipped = resources.files("critmin.outlook").joinpath("data", "options.csv").read_text(encoding="utf-8")
    lines = shipped.splitlines()
    bad.write_text("\n".join([lines[0], lines[1].replace(",recycling,", ",reuse,", 1)]) + "\n", encoding="utf-8")
    out = tmp_path / "res"
    args = ["outlook", "--draws", "2", "--plan-year", "2030", "--options", str(bad), "--out", str(out)]
    assert main(args) == 2
    assert capsys.readouterr().err.splitlines() == [
        "critmin outlook: 1 problem(s) in input; nothing was loaded:",
        "  opts.csv, row 2, field 'kind': 'reuse' is not a kind. Fix: use one of recycling, substitution, new_build.",
    ]
    assert not out.exists()
