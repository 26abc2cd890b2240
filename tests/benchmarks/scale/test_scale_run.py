"""A whole scale run, tiny and instant: every curve measured, checked and written.

The curves' own pieces are tested beside their modules (``test_scale_tools``, ``test_scale_layers``);
this runs :func:`benchmarks.scale.cli.run_plan` over all four with tiny sizes on the instant
profile and checks what the minds and recall curves did and what the run wrote.
"""

from __future__ import annotations

import json
import sqlite3
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from benchmarks.common.cycle import CycleFailed, CycleSample
from benchmarks.common.scenario import RootRun
from benchmarks.decision.scenarios import bench_config
from benchmarks.decision.store import seed_store
from benchmarks.decision.texts import ROOT_MARKER
from benchmarks.scale.bulk import add_memories, recall_queries, time_recalls
from benchmarks.scale.cli import run_plan
from benchmarks.scale.config import scale_config
from benchmarks.scale.cycle import check
from benchmarks.scale.decision_script import decision_router
from benchmarks.scale.minds_curve import mind_model
from benchmarks.scale.plan import CURVES, make_plan
from benchmarks.server.latency_model import FAST, INSTANT
from benchmarks.server.reply_scripts import ScriptExhausted

PLAN = replace(
    make_plan(INSTANT, quick=True),
    tools=(37, 38),
    layers=(2, 3),
    minds=(1, 3),
    recall=(100, 400),
    recall_queries=5,
)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str, Path]:
    """One tiny run of every curve, written to a temporary directory."""
    directory = tmp_path_factory.mktemp("scale")
    doc, text = run_plan(PLAN, directory, "scale-test")
    return doc, text, directory


def test_every_curve_has_a_point_per_size_and_series(run: tuple[dict[str, Any], str, Path]) -> None:
    doc, _, _ = run
    assert list(doc["curves"]) == list(CURVES)
    expected_series = {
        "tools": {"orchestra-dag", "smolagents-flat", "bridge"},
        "layers": {"orchestra-dag", "smolagents-managed"},
        "minds": {"orchestra-dag"},
        "recall": {"orchestra-dag"},
    }
    for name, curve in doc["curves"].items():
        assert curve["sizes"] == list(getattr(PLAN, name))
        assert set(curve["points"]) == {str(size) for size in curve["sizes"]}
        for point in curve["points"].values():
            assert set(point) == expected_series[name]
        assert curve["growth"] and all(item["sizes"] == curve["sizes"] for item in curve["growth"])


def test_each_concurrent_mind_decided_in_five_steps_on_its_own_store(
    run: tuple[dict[str, Any], str, Path],
) -> None:
    three = run[0]["curves"]["minds"]["points"]["3"]["orchestra-dag"]
    assert three["calls_by_agent"]["root"] == 5 and three["llm_calls"] == 10
    assert three["memories_written_by_mind"] == [1, 1, 1]  # one memory per round, none in another's store
    assert three["cycles"] == 3  # one round of three minds
    assert three["decisions_per_s"] > 0 and three["round_s_p50"] >= three["p50_s"]


def test_recall_was_timed_over_the_grown_store_and_the_decision_ran_on_it(
    run: tuple[dict[str, Any], str, Path],
) -> None:
    for size, point in run[0]["curves"]["recall"]["points"].items():
        figures = point["orchestra-dag"]
        assert figures["memories"] == int(size) and figures["recall_queries"] == 5
        assert 0 < figures["recall_ms_p50"] <= figures["recall_ms_p95"]
        assert figures["calls_by_agent"]["root"] == 5 and figures["tool_calls_per_cycle"] >= 3


def test_the_json_markdown_and_one_chart_per_curve_are_written(run: tuple[dict[str, Any], str, Path]) -> None:
    doc, text, directory = run
    assert json.loads((directory / "scale-test.json").read_text()) == doc
    assert set(doc) >= {"profile", "machine", "curves", "method", "cycles", "warmup", "quick"}
    assert (directory / "scale-test.md").read_text() == text
    for name in CURVES:
        assert f"## {name}: " in text and f"(scale-test-{name}.svg)" in text
        svg = ET.fromstring((directory / f"scale-test-{name}.svg").read_text())
        lines = svg.findall("{http://www.w3.org/2000/svg}polyline")
        assert len(lines) >= 2
    assert "## Super-linear growth" in text


def test_bulk_memories_are_found_by_recall(tmp_path: Path) -> None:
    store = seed_store(tmp_path / "store.db")
    assert add_memories(store, 300) >= 0
    with sqlite3.connect(store) as connection:
        assert connection.execute("SELECT COUNT(*) FROM memories WHERE id LIKE 'bulk-%'").fetchone()[0] == 300
        found = connection.execute("SELECT COUNT(*) FROM memories_fts WHERE memories_fts MATCH 'benchmark'")
        assert found.fetchone()[0] > 0
    assert len(time_recalls(store, recall_queries(4))) == 4
    assert recall_queries(3) == recall_queries(3)


def test_scale_config_is_the_decision_benchmarks_own(tmp_path: Path) -> None:
    """With no replacements a curve runs the very config the decision benchmark runs."""
    store = tmp_path / "store.db"
    ours = scale_config("http://127.0.0.1:9/v1", store)
    theirs = bench_config("thoughtseed.yaml", "http://127.0.0.1:9/v1", store)
    assert ours.model_dump() == theirs.model_dump()  # every setting (not where the file was read)
    assert scale_config("http://x/v1", store, model_id=mind_model(4)).models["default"].model == (
        "openai/bench-mind-4"
    )


def test_the_stateless_script_refuses_a_step_too_many() -> None:
    router = decision_router("smolagents-flat")
    system = {"role": "system", "content": f"You are ... {ROOT_MARKER} ..."}
    steps = [{"role": "assistant", "content": "..."}] * 5
    with pytest.raises(ScriptExhausted, match="step 6"):
        router.reply([system, *steps])
    with pytest.raises(ScriptExhausted, match="no route"):
        router.reply([{"role": "system", "content": "someone else"}])


def test_a_cycle_that_strays_from_the_script_fails() -> None:
    sample = CycleSample(
        wall_s=1.0,
        model_critical_s=0.9,
        tool_s=0.0,
        tool_critical_s=0.0,
        overhead_s=0.1,
        llm_calls=9,
        critical_calls=5,
        prompt_tokens=1,
        completion_tokens=1,
        root_steps=5,
        calls_by_agent={"root": 5, "perceptual": 2},
    )
    result = RootRun(
        ok=True, answer=None, error=None, root_steps=5, client_prompt_tokens=1, client_completion_tokens=1
    )
    with pytest.raises(CycleFailed, match="requests by agent"):
        check(sample, result, [], {"root": 5, "perceptual": 1}, label="mind 2")
    with pytest.raises(CycleFailed, match="root took 4 steps"):
        check(sample, replace(result, root_steps=4), [], {"root": 5, "perceptual": 2})


def test_the_full_plan_is_the_issues() -> None:
    plan = make_plan(FAST)
    assert (plan.tools, plan.layers, plan.minds, plan.recall) == (
        (37, 100, 200),
        (3, 5, 9),
        (1, 8, 32),
        (1_000, 10_000, 100_000),
    )
    with pytest.raises(ValueError, match="unknown curve"):
        make_plan(FAST, curves=("tools", "nope"))


def test_the_cli_runs_the_chosen_curves_and_writes_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``python -m benchmarks.scale --profile instant --curves minds --quick``, in process."""
    from benchmarks.scale.cli import main

    assert main(["--quick", "--profile", "instant", "--curves", "minds", "--results", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "scale-quick.json").read_text())
    assert list(doc["curves"]) == ["minds"] and doc["quick"] is True and doc["profile"]["name"] == "instant"
    assert (tmp_path / "scale-quick-minds.svg").exists()
    assert "Wrote " in capsys.readouterr().out


def test_the_decision_benchmark_hands_scale_to_the_curves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``decision_latency --scale --quick`` runs the scale curves (on fast) instead of the scenarios."""
    import benchmarks.scale.cli as cli
    from benchmarks import decision_latency

    asked: dict[str, Any] = {}

    def fake_run_scale(**options: Any) -> tuple[dict[str, Any], str]:
        asked.update(options)
        return {}, "scale report"

    monkeypatch.setattr(cli, "run_scale", fake_run_scale)
    assert decision_latency.main(["--scale", "--quick", "--results", str(tmp_path)]) == 0
    assert asked == {"quick": True, "cycles": None, "warmup": None, "results": tmp_path}
    assert "scale report" in capsys.readouterr().out


def test_rerendering_recomputes_the_same_report_from_the_json(run: tuple[dict[str, Any], str, Path]) -> None:
    from benchmarks.scale.cli import rerender

    doc, text, directory = run
    assert rerender(directory, "scale-test") == (doc, text)
    with pytest.raises(FileNotFoundError, match="run the curves first"):
        rerender(directory, "scale-missing")
