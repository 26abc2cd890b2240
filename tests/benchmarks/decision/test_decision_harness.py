"""The whole harness in a tiny mode: two instant cycles per scenario, into a temporary results directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.decision.scenarios import SCENARIOS
from benchmarks.decision_latency import run_benchmark
from benchmarks.server.latency_model import INSTANT

FIELDS = (
    "p50_s",
    "p95_s",
    "overhead_ms_p50",
    "client_ms_p50",
    "framework_ms_p50",
    "critical_path_model_s",
    "llm_calls",
    "prompt_tokens",
    "completion_tokens",
    "budget_base_s",
    "budget_shortfall_s",
    "cost_per_1000_cycles_usd",
    "breakdown_mean_s",
)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], str]:
    """Run the benchmark once with ``INSTANT`` under both profile keys."""
    directory = tmp_path_factory.mktemp("results")
    doc, text, _ = run_benchmark(
        {"nano": INSTANT, "fast": INSTANT}, cycles=2, warmup=0, results_dir=directory, stem="latest"
    )
    return directory, doc, text


def test_json_has_the_promised_keys(results: tuple[Path, dict[str, Any], str]) -> None:
    """profile, machine, profiles, scenarios (nano) and scenarios_fast, each scenario with its figures."""
    directory, doc, _ = results
    written = json.loads((directory / "latest.json").read_text())
    assert written == json.loads(json.dumps(doc))
    assert {"profile", "machine", "profiles", "scenarios", "scenarios_fast", "targets"} <= set(written)
    assert written["profile"]["name"] == "instant" and set(written["profiles"]) == {"nano", "fast"}
    for key in ("scenarios", "scenarios_fast"):
        assert list(written[key]) == list(SCENARIOS)
        for figures in written[key].values():
            assert set(FIELDS) <= set(figures)
            assert figures["cycles"] == 2 and figures["root_steps"] == 5


def test_every_target_is_evaluated(results: tuple[Path, dict[str, Any], str]) -> None:
    """With both profiles run, no target is left "not run"."""
    _, doc, _ = results
    assert [target["name"] for target in doc["targets"]] == [
        "SC-003",
        "speedup",
        "budget",
        "overhead",
        "wall-vs-model",
        "tokens",
        "budget-fast",
    ]
    assert all(target["met"] in (True, False) for target in doc["targets"])


def test_overhead_splits_into_client_stack_and_framework(results: tuple[Path, dict[str, Any], str]) -> None:
    """Every model call was timed on the client side, and the two parts add up to the overhead."""
    _, doc, _ = results
    for figures in doc["scenarios"].values():
        breakdown = figures["breakdown_mean_s"]
        assert breakdown["overhead_client"] > 0
        assert breakdown["overhead_client"] + breakdown["overhead_framework"] == pytest.approx(
            breakdown["overhead"], abs=2e-4
        )


def test_markdown_and_chart_are_written(results: tuple[Path, dict[str, Any], str]) -> None:
    """The table names every scenario; the SVG has a bar per scenario and profile."""
    directory, _, text = results
    assert (directory / "latest.md").read_text() == text
    for scenario in SCENARIOS:
        assert f"| {scenario} |" in text
    svg = (directory / "latest.svg").read_text()
    assert svg.startswith("<svg") and svg.count("<title>") == 3 * 2 * len(SCENARIOS)
