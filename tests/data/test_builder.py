"""The dataset builder (tools/dataset/): reproducible bytes, the committed package, module size, the trade rule."""

from __future__ import annotations

import doctest
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGED = ROOT / "critmin" / "data" / "packaged"
PACKAGE_DIR = ROOT / "tools" / "dataset"
if str(ROOT) not in sys.path:  # tools/ is not installed: import it from the checkout, as tools/build_dataset.py does
    sys.path.insert(0, str(ROOT))

from tools.dataset.trade import FLOOR, RULE_SID, StageTrade, surplus_rule  # noqa: E402

MODULES = sorted(p.stem for p in PACKAGE_DIR.glob("*.py"))


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """One build through tools/build_dataset.py, one through ``python -m tools.dataset``, in separate directories."""
    script, module = tmp_path_factory.mktemp("script"), tmp_path_factory.mktemp("module")
    for cmd, out in (
        ([sys.executable, str(ROOT / "tools" / "build_dataset.py")], script),
        ([sys.executable, "-m", "tools.dataset"], module),
    ):
        subprocess.run([*cmd, "--out", str(out)], check=True, capture_output=True, cwd=ROOT)
    return _files(script), _files(module)


def test_two_builds_write_identical_bytes(two_builds):
    first, second = two_builds
    assert sorted(first) == sorted(second)
    assert len(first) == 24
    for name in first:
        assert first[name] == second[name], name


def test_fresh_build_equals_the_committed_package(two_builds):
    fresh, _ = two_builds
    committed = _files(PACKAGED)
    assert sorted(fresh) == sorted(committed)
    for name in committed:
        assert fresh[name] == committed[name], name


@pytest.mark.parametrize("module", MODULES)
def test_builder_module_is_under_500_lines(module):
    lines = (PACKAGE_DIR / f"{module}.py").read_text(encoding="utf-8").count("\n")
    assert lines <= 500, f"tools/dataset/{module}.py has {lines} lines"


def test_entry_point_is_thin():
    assert (ROOT / "tools" / "build_dataset.py").read_text(encoding="utf-8").count("\n") < 30


@pytest.mark.parametrize("module", [m for m in MODULES if not m.startswith("__")])
def test_builder_doctests_pass(module):
    result = doctest.testmod(importlib.import_module(f"tools.dataset.{module}"))
    assert result.failed == 0


def _stage(**kw: object) -> StageTrade:
    # CHN and AUS export; the USA makes nothing; CHN and AUS make more than they use.
    return StageTrade(
        material="m",
        stage="s",
        production={"CHN": 100.0, "AUS": 50.0},
        use_by_region={"USA": 60.0, "CHN": 40.0, "AUS": 10.0},
        chain_use={},
        **kw,
    )


def _flows(rows: list[dict[str, object]]) -> dict[tuple[object, object], tuple[object, object]]:
    return {(r["exporter"], r["importer"]): (r["value"], r["source_id"]) for r in rows}


def test_surplus_rule_splits_net_imports_by_exporter_surplus():
    flows = _flows(surplus_rule(_stage()))
    # USA need 60 split 60:40 by the surplus of CHN (100 - 40) and AUS (50 - 10)
    assert flows[("CHN", "USA")] == (pytest.approx(36.0), RULE_SID)
    assert flows[("AUS", "USA")] == (pytest.approx(24.0), RULE_SID)
    # self-sufficient users import the floor share of their use from the others' surplus
    assert flows[("AUS", "CHN")] == (pytest.approx(FLOOR.value * 40.0), FLOOR.source_id)
    assert flows[("CHN", "AUS")] == (pytest.approx(FLOOR.value * 10.0), FLOOR.source_id)
    assert len(flows) == 4


def test_measured_flows_enter_as_fixed_flows_and_the_rule_fills_the_rest():
    rows = surplus_rule(_stage(fixed={"USA": {"AUS": (20.0, "baci-2024", "AUS->USA measured 20")}}))
    flows = _flows(rows)
    # the measured 20 t plus a rule part of the remaining need 40 (split 60:40): partly an estimate, graded as one
    assert flows[("AUS", "USA")] == (pytest.approx(20.0 + 16.0), RULE_SID)
    assert flows[("CHN", "USA")] == (pytest.approx(24.0), RULE_SID)
    assert sum(v for (_, imp), (v, _) in flows.items() if imp == "USA") == pytest.approx(60.0)
    note = next(r["note"] for r in rows if (r["exporter"], r["importer"]) == ("AUS", "USA"))
    assert note == (
        "AUS->USA measured 20; + AUS->USA rule part = remaining need 40 (net imports = use 60 - output 0 = 60) "
        "x AUS surplus 40 / eligible surplus 100 = 16 -> total 36"
    )


def test_fixed_flows_to_other_importers_are_written_only_when_listed():
    fixed = {"MYS": {"AUS": (5.0, "baci-2024", "AUS->MYS measured 5")}}
    assert ("AUS", "MYS") not in _flows(surplus_rule(_stage(fixed=fixed)))
    assert _flows(surplus_rule(_stage(fixed=fixed, extra_importers=("MYS",))))[("AUS", "MYS")] == (5.0, "baci-2024")


def test_measured_export_totals_replace_the_surplus_as_weights_and_caps():
    # USA need 60; measured exports of the stage's other products: CHN 10, AUS 30, SGP (no output) 20
    rows = surplus_rule(_stage(export_weights={"CHN": 10.0, "AUS": 30.0, "SGP": 20.0}))
    flows = _flows(rows)
    assert flows[("CHN", "USA")][0] == pytest.approx(10.0)
    assert flows[("AUS", "USA")][0] == pytest.approx(30.0)
    assert flows[("SGP", "USA")][0] == pytest.approx(20.0)
    note = next(r["note"] for r in rows if (r["exporter"], r["importer"]) == ("SGP", "USA"))
    assert "x SGP measured exports 20 / eligible measured exports 60 = 20" in note


def test_a_banned_exporter_gets_no_rule_part():
    flows = _flows(surplus_rule(_stage(banned=frozenset({"CHN"}))))
    assert ("CHN", "USA") not in flows
    assert flows[("AUS", "USA")][0] == pytest.approx(40.0)  # AUS's whole surplus; the rest of the need is unmet


def test_rule_only_to_keeps_an_exporters_unmeasured_exports_for_one_importer():
    flows = _flows(surplus_rule(_stage(rule_only_to={"CHN": "JPN"})))
    assert ("CHN", "USA") not in flows
    assert flows[("AUS", "USA")][0] == pytest.approx(40.0)


def test_notes_are_cut_between_words_and_marked() -> None:
    # The Sources page showed "fn12: estimat" and "read via thir": notes cut mid-word read as defects.
    from tools.dataset.common import clip

    assert clip("read via third-party reporting of the table", 20) == "read via..."
    assert clip("(whole column marked estimated in source); fn12: estimated", 50).endswith("source)...")
    assert clip("x" * 30, 10) == "xxxxxxx..."
    production = (ROOT / "critmin" / "data" / "packaged" / "production.csv").read_text()
    assert "fn12: estimat\"" not in production and "read via thir\"" not in production
