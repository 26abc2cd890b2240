"""The tools curve's pieces: filler tools, the filler MCP server through the bridge, flat vs DAG prompts."""

from __future__ import annotations

import keyword
from pathlib import Path
from typing import Any

import pytest

from benchmarks.decision.store import seed_store
from benchmarks.scale.filler_server import SERVICE_TOOLS, mcp_source
from benchmarks.scale.fillers import filler_specs
from benchmarks.scale.plan import make_plan
from benchmarks.scale.tools_curve import bridge_import, measure_tools_point, tools_growth
from benchmarks.server.latency_model import INSTANT
from orchestra.config import McpServerConfig
from orchestra.services.surface import TOOL_NAMES
from orchestra.tools.mcp_bridge import McpConnection

SIZES = (37, 40)


class TestFillers:
    """Plausible, typed, distinct, deterministic."""

    def test_names_are_unique_identifiers_apart_from_the_services(self) -> None:
        names = [spec.name for spec in filler_specs(163)]
        assert len(set(names)) == 163
        assert not set(names) & set(TOOL_NAMES)
        assert all(name.isidentifier() and not keyword.iskeyword(name) for name in names)

    def test_two_or_three_typed_documented_parameters(self) -> None:
        for spec in filler_specs(163):
            assert 2 <= len(spec.params) <= 3
            assert {param.kind for param in spec.params} <= {str, int, float, bool}
            assert spec.docstring.startswith(spec.summary) and "Args:" in spec.docstring
            assert all(f"    {param.name}: " in spec.docstring for param in spec.params)

    def test_deterministic_prefixes(self) -> None:
        assert filler_specs(10) == filler_specs(50)[:10]
        with pytest.raises(ValueError):
            filler_specs(10_000)


def test_the_server_offers_every_tool_and_the_bridge_imports_them(tmp_path: Path) -> None:
    """37 services plus N - 37 fillers, all imported; a service and a filler both answer."""
    store = seed_store(tmp_path / "store.db")
    connection = McpConnection(McpServerConfig(**mcp_source(store, 40)["mcp"]))
    try:
        tools = {tool.name: tool for tool in connection.connect()}
        assert len(tools) == 40
        assert set(TOOL_NAMES) <= set(tools)
        assert set(tools) - set(TOOL_NAMES) == {spec.name for spec in filler_specs(40 - SERVICE_TOOLS)}
        assert connection.call("get_energy_status", {})["current_energy"] >= 0
        filler = filler_specs(1)[0]
        assert filler.name in connection.call(filler.name, {"limit": 3, "since": "2026-01-01"})
    finally:
        connection.close()
    timed = bridge_import(store, 38, repeats=1)
    assert timed["tools"] == 38 and set(timed) == {"tools", "connect_list_s_p50", "wrap_ms_p50"}


@pytest.fixture(scope="module")
def points(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Both scenarios at both sizes, one instant cycle each, tools bridged from the filler server."""
    directory = tmp_path_factory.mktemp("tools")
    plan = make_plan(INSTANT, quick=True, cycles=1, warmup=0)
    return {
        str(size): {
            scenario: measure_tools_point(
                size, scenario, plan, seed_store(directory / f"{scenario}-{size}.db")
            )
            for scenario in ("orchestra-dag", "smolagents-flat")
        }
        for size in SIZES
    }


def test_flat_agent_gets_every_bridged_tool_and_its_prompt_grows(points: dict[str, dict[str, Any]]) -> None:
    """The flat agent holds N + 1 tools (the built-in too); three more tools cost it prompt tokens."""
    small, large = points["37"]["smolagents-flat"], points["40"]["smolagents-flat"]
    assert (small["largest_agent_tools"], large["largest_agent_tools"]) == (38, 41)
    assert (
        large["prompt_tokens"] - small["prompt_tokens"] > 5 * 3 * 40
    )  # five calls, three tools, 40+ tokens each


def test_dag_agents_keep_their_own_tools_and_their_prompts_stay_flat(
    points: dict[str, dict[str, Any]],
) -> None:
    """No orchestra agent sees the fillers: same largest tool set, same prompts (up to the observation's digits)."""
    small, large = points["37"]["orchestra-dag"], points["40"]["orchestra-dag"]
    assert small["largest_agent_tools"] == large["largest_agent_tools"] == 4
    assert abs(large["prompt_tokens"] - small["prompt_tokens"]) < 100
    assert small["calls_by_agent"]["root"] == 5 and small["llm_calls"] == 10


def test_growth_covers_both_scenarios_and_the_bridge(points: dict[str, dict[str, Any]]) -> None:
    with_bridge = {size: {**point, "bridge": {"connect_list_s_p50": 0.5}} for size, point in points.items()}
    metrics = [item["metric"] for item in tools_growth(with_bridge)]
    assert metrics == [
        "orchestra-dag: decision p50 s",
        "orchestra-dag: prompt tokens per cycle",
        "orchestra-dag: overhead ms p50",
        "smolagents-flat: decision p50 s",
        "smolagents-flat: prompt tokens per cycle",
        "smolagents-flat: overhead ms p50",
        "bridge import s (connect + list)",
    ]
