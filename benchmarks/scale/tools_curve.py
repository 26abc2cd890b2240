"""Curve 1: 37 → 100 → 200 tools bridged from one MCP server, in orchestra's DAG and in one flat agent.

The MCP server is orchestra's own with filler tools added (:mod:`benchmarks.scale.filler_server`),
imported through orchestra's MCP tool source exactly as a config's ``tools.sources`` entry would.
orchestra's layers and root take only the tools they name, so their prompts should not grow with
the server; the flat smolagents agent is given every bridged tool, so its prompt grows with each
one. The bridge's own import (connect, list, wrap) is timed separately per size.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import structlog
from smolagents import MultiStepAgent

from benchmarks.common.scenario import Scenario
from benchmarks.common.tool_timer import ToolTimer
from benchmarks.decision.scenarios import OrchestraScenario, SmolagentsScenario, smolagents_flat
from benchmarks.decision.store import seed_store
from benchmarks.scale.config import scale_config
from benchmarks.scale.cycle import run_point
from benchmarks.scale.decision_script import decision_calls, decision_router
from benchmarks.scale.figures import point_figures
from benchmarks.scale.filler_server import mcp_source
from benchmarks.scale.growth import growth_table
from benchmarks.scale.plan import Plan
from benchmarks.scale.spec import LATENCY_COLUMNS, Column, CurveSpec, Line, Table, latency_lines
from orchestra.config import Config, McpServerConfig
from orchestra.tools.mcp_bridge import BridgedTool, McpConnection

log = structlog.get_logger(__name__)

SCENARIOS: tuple[str, ...] = ("orchestra-dag", "smolagents-flat")

SPEC = CurveSpec(
    name="tools",
    title="Decision latency as the MCP server's tools grow",
    size_header="tools",
    x_title="tools bridged from the MCP server",
    y_title="seconds",
    tables=(
        Table(
            series=SCENARIOS,
            columns=(
                *LATENCY_COLUMNS,
                Column("prompt tok / cycle", "prompt_tokens"),
                Column("root prompt tok", "root_prompt_tokens"),
                Column("largest agent's tools", "largest_agent_tools"),
            ),
        ),
        Table(
            series=("bridge",),
            columns=(
                Column("tools imported", "tools"),
                Column("connect + list s p50", "connect_list_s_p50"),
                Column("wrap ms p50", "wrap_ms_p50"),
            ),
            caption="Bridge import: start the server over stdio, handshake, list and adapt its tools "
            "(smolagents' MCP adapter), then wrap each in orchestra's BridgedTool.",
        ),
    ),
    lines=(
        *latency_lines(SCENARIOS),
        Line(label="bridge import", series="bridge", key="connect_list_s_p50", dashed=True),
    ),
)


def tools_config(tools: int, api_base: str, store: Path) -> Config:
    """The DAG config with the built-in tool and ``tools`` tools from the filler MCP server.

    Args:
        tools: Tools the server offers (37 services plus fillers).
        api_base: The model server's base URL.
        store: The seeded store (the server's and the fallback's).

    Returns:
        The validated config.
    """
    return scale_config(
        api_base, store, sources=[{"python": "orchestra.tools.builtin"}, mcp_source(store, tools)]
    )


def agents_of(scenario: Scenario) -> list[MultiStepAgent]:
    """Every agent of a built scenario (the root first)."""
    if isinstance(scenario, OrchestraScenario):
        return [scenario.hierarchy.root, *scenario.hierarchy.layers.values()]
    if isinstance(scenario, SmolagentsScenario):
        return [scenario.root, *scenario.root.managed_agents.values()]
    raise TypeError(f"unknown scenario type {type(scenario).__name__}")


def largest_toolset(scenario: Scenario) -> int:
    """Tools of the agent given the most (``final_answer`` not counted)."""
    return max(len([name for name in agent.tools if name != "final_answer"]) for agent in agents_of(scenario))


def bridge_import(store: Path, tools: int, repeats: int) -> dict[str, Any]:
    """Time the bridge's import of a ``tools``-tool server: connect + list, then wrap.

    Args:
        store: The store the server opens.
        tools: Tools the server offers.
        repeats: How many imports to time (each starts its own server).

    Returns:
        Tools imported, and p50 of the connect-and-list seconds and of the wrap milliseconds.
    """
    config = McpServerConfig(**mcp_source(store, tools)["mcp"])
    connect_s, wrap_s, imported = [], [], 0
    for _ in range(repeats):
        connection = McpConnection(config)
        try:
            started = time.perf_counter()
            remote = connection.connect()
            listed = time.perf_counter()
            bridged = [BridgedTool(tool, connection, None) for tool in remote]
            wrap_s.append(time.perf_counter() - listed)
            connect_s.append(listed - started)
            imported = len(bridged)
        finally:
            connection.close()
    return {
        "tools": imported,
        "connect_list_s_p50": round(statistics.median(connect_s), 3),
        "wrap_ms_p50": round(statistics.median(wrap_s) * 1000, 2),
    }


def measure_tools_point(tools: int, scenario: str, plan: Plan, store: Path) -> dict[str, Any]:
    """One scenario at one size: its figures, its root's prompt tokens and its largest tool set.

    Args:
        tools: Tools the server offers.
        scenario: ``orchestra-dag`` or ``smolagents-flat``.
        plan: Cycles, warm-up and profile.
        store: A seeded store for this scenario alone.

    Returns:
        The point's figures.
    """
    built: list[Scenario] = []

    def build(api_base: str, timer: ToolTimer) -> Scenario:
        config = tools_config(tools, api_base, store)
        made: Scenario = (
            OrchestraScenario(config, timer)
            if scenario == "orchestra-dag"
            else smolagents_flat(config, api_base, timer)
        )
        built.append(made)
        return made

    samples = run_point(
        build,
        decision_router(scenario),
        decision_calls(scenario),
        plan,
        label=f"{scenario} with {tools} tools",
    )
    figures = point_figures(samples)
    figures["root_prompt_tokens"] = figures["prompt_tokens_by_agent"].get("root", 0)
    figures["largest_agent_tools"] = largest_toolset(built[0])
    return figures


def run_tools(plan: Plan) -> dict[str, Any]:
    """The whole curve.

    Args:
        plan: Sizes, cycles, profile.

    Returns:
        ``sizes``, ``points`` (size → ``orchestra-dag`` / ``smolagents-flat`` / ``bridge`` → figures)
        and ``growth``.
    """
    points: dict[str, dict[str, Any]] = {}
    for tools in plan.tools:
        with tempfile.TemporaryDirectory(prefix="scale-tools-") as directory:
            point: dict[str, Any] = {
                "bridge": bridge_import(seed_store(Path(directory) / "bridge.db"), tools, plan.bridge_repeats)
            }
            for scenario in SCENARIOS:
                store = seed_store(Path(directory) / f"{scenario}.db")
                point[scenario] = measure_tools_point(tools, scenario, plan, store)
                log.info(
                    "scale_point",
                    curve="tools",
                    size=tools,
                    scenario=scenario,
                    p50_s=point[scenario]["p50_s"],
                )
        points[str(tools)] = point
    return {"unit": "tool", "sizes": list(plan.tools), "points": points, "growth": tools_growth(points)}


def tools_growth(points: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Per tool: latency, prompt tokens and overhead of each scenario, and the bridge import.

    Args:
        points: The curve's points.

    Returns:
        Growth figures (see :mod:`benchmarks.scale.growth`), JSON-ready.
    """
    wanted = [
        (scenario, key, f"{scenario}: {label}")
        for scenario in SCENARIOS
        for key, label in (
            ("p50_s", "decision p50 s"),
            ("prompt_tokens", "prompt tokens per cycle"),
            ("overhead_ms_p50", "overhead ms p50"),
        )
    ]
    wanted.append(("bridge", "connect_list_s_p50", "bridge import s (connect + list)"))
    return growth_table(points, wanted, unit="tool")
