"""The sandbox-cost benchmark on tiny sizes: the document's shape and its numbers, never its timings."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.sandbox.preflight import MECHANISMS
from benchmarks.sandbox.report import step_targets
from benchmarks.sandbox_cost import Sizes, run_benchmark
from orchestra.sandbox import Limits, choose

TINY = Sizes(steps=5, warmup_steps=2, repetitions=2, cycles=1, rounds=1, decision_warmup=1)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], str]:
    """One tiny run on every mechanism that can run here."""
    directory = tmp_path_factory.mktemp("sandbox-results")
    doc, text = run_benchmark(TINY, results_dir=directory, stem="sandbox-quick", quick=True)
    return directory, doc, text


def _require_bubblewrap() -> None:
    """Skip (fail under ORCHESTRA_REQUIRE_BUBBLEWRAP=1) when bubblewrap workers cannot start here."""
    isolation = choose("auto", Limits())
    reason = None
    if isolation.mechanism != "bubblewrap":
        reason = f"bubblewrap is not available: {isolation.reason}"
    if reason is None:
        return
    if os.environ.get("ORCHESTRA_REQUIRE_BUBBLEWRAP") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def _percentiles(figures: Any) -> Iterator[float]:
    """Every p50/p95 in a nested part of the document."""
    if isinstance(figures, dict):
        for key, value in figures.items():
            if key in {"p50_ms", "p95_ms"}:
                yield value
            else:
                yield from _percentiles(value)


def _numbers(value: Any) -> Iterator[float]:
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield float(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _numbers(item)
    elif isinstance(value, list):
        for item in value:
            yield from _numbers(item)


def _check_mechanism(doc: dict[str, Any], mechanism: str) -> None:
    steps, starts = doc["step_cost"][mechanism], doc["worker_start"][mechanism]
    assert steps["steps"] == TINY.steps
    assert steps["local"]["n"] == steps["sandbox"]["n"] == TINY.steps
    assert set(starts) == {"mechanism", "repetitions", "fork", "restart_after_kill", "cold_start"}
    assert starts["restart_after_kill"]["overrun"]["n"] == TINY.repetitions
    durations = list(_percentiles(steps)) + list(_percentiles(starts))
    assert len(durations) == 2 * (2 + 2 + 5 + 3)
    assert all(math.isfinite(value) and value > 0 for value in durations)
    for field in ("added_ms_p50", "added_ms_p95", "paired_added_ms_p50"):
        assert math.isfinite(steps[field])


def test_files_hold_the_document(run: tuple[Path, dict[str, Any], str]) -> None:
    """The JSON file is the document, the markdown file the printed text, with every part's heading."""
    directory, doc, text = run
    assert json.loads((directory / "sandbox-quick.json").read_text(encoding="utf-8")) == doc
    assert (directory / "sandbox-quick.md").read_text(encoding="utf-8") == text
    for heading in ("## Per code step", "## Worker start", "## Decision benchmark", "## Targets", "Method: "):
        assert heading in text
    assert doc["quick"] is True and doc["sizes"]["steps"] == TINY.steps


def test_every_number_is_finite(run: tuple[Path, dict[str, Any], str]) -> None:
    """No NaN or infinity anywhere (json.dumps would write them as non-JSON tokens)."""
    assert all(math.isfinite(value) for value in _numbers(run[1]))


def test_rlimits_figures(run: tuple[Path, dict[str, Any], str]) -> None:
    """rlimits always runs: every step and start figure is a positive finite duration."""
    assert run[1]["mechanisms"]["rlimits"] is True
    _check_mechanism(run[1], "rlimits")


def test_bubblewrap_figures(run: tuple[Path, dict[str, Any], str]) -> None:
    """Where bubblewrap workers can start, they were measured like rlimits'."""
    _require_bubblewrap()
    assert run[1]["mechanisms"]["bubblewrap"] is True
    _check_mechanism(run[1], "bubblewrap")
    assert run[1]["decision"]["mechanism"] == "bubblewrap"


def test_decision_rows(run: tuple[Path, dict[str, Any], str]) -> None:
    """Both executors ran the DAG; their overhead rows are positive, the differences finite."""
    decision = run[1]["decision"]
    assert set(decision["rows"]) == {"local", "sandbox"}
    for row in decision["rows"].values():
        assert row["cycles"] == TINY.cycles * TINY.rounds
        for field in ("p50_s", "p95_s", "overhead_ms_p50", "overhead_ms_p95", "framework_ms_p50"):
            assert math.isfinite(row[field]) and row[field] > 0
    assert all(math.isfinite(value) for value in decision["added"].values())
    assert "| sandbox - local |" in run[2]


def test_targets_follow_what_ran(run: tuple[Path, dict[str, Any], str]) -> None:
    """One target per mechanism: judged where it ran, 'not run' where it did not."""
    doc = run[1]
    assert [target["name"] for target in doc["targets"]] == [f"step_added_p50_{name}" for name in MECHANISMS]
    for target, name in zip(doc["targets"], MECHANISMS, strict=True):
        assert (target["met"] is None) == (not doc["mechanisms"][name])


def test_a_mechanism_that_did_not_run_is_not_judged() -> None:
    """Without figures the target is 'not run', never met or missed."""
    (target,) = step_targets({}, ("bubblewrap",))
    assert target.met is None and target.measured == "not run"
