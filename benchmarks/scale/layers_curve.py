"""Curve 2: 3 → 5 → 9 layers in a wide DAG, orchestra's dispatch against smolagents' managed agents.

orchestra runs the ``k - 1`` feeders at once (started while the root's first model call is in
flight) and then the sink, so its critical path should stay at two layer calls whatever ``k``;
plain smolagents calls the layers one after another, so its path grows by a call per layer. Both
pay for a sink prompt that carries every feeder's report and a root prompt that lists every layer.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import structlog

from benchmarks.common.scenario import Scenario
from benchmarks.common.tool_timer import ToolTimer
from benchmarks.decision.scenarios import OrchestraScenario
from benchmarks.decision.store import seed_store
from benchmarks.scale.cycle import run_point
from benchmarks.scale.figures import point_figures
from benchmarks.scale.growth import growth_table
from benchmarks.scale.plan import Plan
from benchmarks.scale.spec import LATENCY_COLUMNS, Column, CurveSpec, Table, latency_lines
from benchmarks.scale.wide import SINK, expected_calls, smolagents_wide, wide_config, wide_router

log = structlog.get_logger(__name__)

SCENARIOS: tuple[str, ...] = ("orchestra-dag", "smolagents-managed")

SPEC = CurveSpec(
    name="layers",
    title="Decision latency as the DAG widens (k - 1 feeders into one sink)",
    size_header="layers",
    x_title="layers in the wide DAG",
    y_title="seconds",
    tables=(
        Table(
            series=SCENARIOS,
            columns=(
                *LATENCY_COLUMNS,
                Column("crit. calls", "critical_path_calls"),
                Column("prompt tok / cycle", "prompt_tokens"),
                Column("sink prompt tok", "sink_prompt_tokens"),
                Column("root prompt tok", "root_prompt_tokens"),
            ),
        ),
    ),
    lines=latency_lines(SCENARIOS),
)


def measure_layers_point(k: int, scenario: str, plan: Plan, store: Path) -> dict[str, Any]:
    """One scenario with ``k`` layers.

    Args:
        k: Layers in the wide DAG.
        scenario: ``orchestra-dag`` or ``smolagents-managed``.
        plan: Cycles, warm-up and profile.
        store: A seeded store for this scenario alone.

    Returns:
        The point's figures, with the sink's and the root's prompt tokens per cycle.
    """

    def build(api_base: str, timer: ToolTimer) -> Scenario:
        config = wide_config(k, api_base, store)
        if scenario == "orchestra-dag":
            return OrchestraScenario(config, timer)
        return smolagents_wide(config, api_base, timer)

    samples = run_point(
        build, wide_router(k, scenario), expected_calls(k), plan, label=f"{scenario} with {k} layers"
    )
    figures = point_figures(samples)
    figures["layers"] = k
    figures["sink_prompt_tokens"] = figures["prompt_tokens_by_agent"].get(SINK, 0)
    figures["root_prompt_tokens"] = figures["prompt_tokens_by_agent"].get("root", 0)
    return figures


def run_layers(plan: Plan) -> dict[str, Any]:
    """The whole curve.

    Args:
        plan: Sizes, cycles, profile.

    Returns:
        ``sizes``, ``points`` (size → scenario → figures) and ``growth``.
    """
    points: dict[str, dict[str, Any]] = {}
    for k in plan.layers:
        points[str(k)] = {}
        with tempfile.TemporaryDirectory(prefix="scale-layers-") as directory:
            for scenario in SCENARIOS:
                store = seed_store(Path(directory) / f"{scenario}.db")
                points[str(k)][scenario] = measure_layers_point(k, scenario, plan, store)
                log.info(
                    "scale_point",
                    curve="layers",
                    size=k,
                    scenario=scenario,
                    p50_s=points[str(k)][scenario]["p50_s"],
                )
    return {"unit": "layer", "sizes": list(plan.layers), "points": points, "growth": layers_growth(points)}


def layers_growth(points: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Per layer: latency, overhead and prompt tokens of each scenario.

    Args:
        points: The curve's points.

    Returns:
        Growth figures, JSON-ready.
    """
    wanted = [
        (scenario, key, f"{scenario}: {label}")
        for scenario in SCENARIOS
        for key, label in (
            ("p50_s", "decision p50 s"),
            ("overhead_ms_p50", "overhead ms p50"),
            ("prompt_tokens", "prompt tokens per cycle"),
        )
    ]
    return growth_table(points, wanted, unit="layer")
