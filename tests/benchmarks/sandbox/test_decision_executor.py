"""The decision benchmark's executor switch: the orchestra scenarios' ``agents.executor``."""

from __future__ import annotations

from pathlib import Path

from benchmarks.decision.scenarios import bench_config
from benchmarks.decision_latency import EXECUTORS

API_BASE = "http://127.0.0.1:9/v1"


def test_default_is_what_users_get(tmp_path: Path) -> None:
    """Without overrides the shipped config's default holds, and the flag's default is the same."""
    assert bench_config("thoughtseed.yaml", API_BASE, tmp_path / "store.db").agents.executor == "sandbox"
    assert EXECUTORS[0] == "sandbox"


def test_override_reaches_the_config(tmp_path: Path) -> None:
    """``agents.executor=local`` is applied after the benchmark's own settings, on both graphs."""
    for yaml_name in ("thoughtseed.yaml", "chain.yaml"):
        config = bench_config(yaml_name, API_BASE, tmp_path / "store.db", ["agents.executor=local"])
        assert config.agents.executor == "local"
        assert config.models["default"].api_base == API_BASE
