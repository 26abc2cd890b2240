"""The layers curve's wide DAG: ``k - 1`` parallel feeder layers that all feed one sink layer.

A wide graph is where orchestra's dispatch should pay off most (every feeder runs at once, the root
calls only the sink) and where its costs show: the sink's prompt carries every feeder's report, the
root's prompt lists every layer, and ``k`` agents share one process. The plain smolagents
comparison gets the very same layers (names, descriptions, instructions, tools, step limits) as
managed agents and calls them one after another, handing the sink the feeders' reports.

Each synthetic layer takes one scripted step: a ``Thought``, one cheap tool call and
``final_answer``, at least 60 completion tokens like the decision benchmark's layer replies. Its
instructions carry a unique marker (``You are the <name> layer``, the pattern of
:data:`benchmarks.decision.texts.LAYER_MARKERS`) so the model server can route by it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.common.routes import ROOT_AGENT, Route, StepRouter
from benchmarks.common.tool_timer import ToolTimer
from benchmarks.decision.scenarios import SmolagentsScenario, smolagents_managed
from benchmarks.decision.texts import ROOT_MARKER, ROOT_STEPS_2_TO_5
from benchmarks.scale.config import scale_config
from orchestra.config import Config

SINK = "integrator"
"""The sink layer every feeder feeds."""

FEEDER_TOOL = "get_energy_status"
SINK_TOOL = "list_goals"

_SWEEP_TASK = (
    "Heartbeat check-in: report how things stand and where attention should go, for a decision about "
    "what this mind does now."
)


def feeders(k: int) -> list[str]:
    """The feeder layers of a ``k``-layer wide DAG.

    Args:
        k: Layers in all (at least 2: one feeder and the sink).

    Returns:
        ``feeder_1`` … ``feeder_{k-1}``.
    """
    if k < 2:
        raise ValueError(f"a wide DAG needs at least 2 layers, not {k}")
    return [f"feeder_{index}" for index in range(1, k)]


def marker(layer: str) -> str:
    """The text that identifies ``layer``'s system prompt."""
    return f"You are the {layer} layer"


def wide_layers(k: int) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The ``layers`` section and ``graph.feeds`` edges of a ``k``-layer wide DAG.

    Args:
        k: Layers in all.

    Returns:
        Layer name → layer config (feeders first, the sink last), and the feeds edges.
    """
    layers: dict[str, dict[str, Any]] = {}
    for index, name in enumerate(feeders(k), start=1):
        layers[name] = {
            "kind": "code",
            "max_steps": 3,
            "tools": [FEEDER_TOOL],
            "description": f"Feeder layer {index}: reads the mind's energy gauge and reports it. "
            f"The {SINK} layer calls it; call the {SINK} instead.",
            "instructions": f"{marker(name)} of a wide hierarchy. Read your gauge once with your tool and "
            "report it in two sentences with its numbers.",
        }
    layers[SINK] = {
        "kind": "code",
        "max_steps": 3,
        "tools": [SINK_TOOL],
        "description": "Integrator layer: combines every feeder layer's reading with the goals into one "
        "report of the mind's state. Call it for the whole picture.",
        "instructions": f"{marker(SINK)} of a wide hierarchy. Combine the feeders' reports with the "
        "goals and say where attention should go, in under 100 words.",
    }
    return layers, [f"{name} -> {SINK}" for name in feeders(k)]


def wide_config(k: int, api_base: str, store_path: Path) -> Config:
    """The decision benchmark's DAG config with its layers replaced by a ``k``-layer wide DAG.

    Args:
        k: Layers in all.
        api_base: The model server's base URL.
        store_path: The seeded store.

    Returns:
        The validated config.
    """
    layers, feeds = wide_layers(k)
    return scale_config(api_base, store_path, layers=layers, feeds=feeds)


def _code(thought: str, body: str) -> str:
    return f"Thought: {thought}\n<code>\n{body.strip()}\n</code>"


def feeder_reply(layer: str) -> str:
    """A feeder's one step: read the energy gauge, report it."""
    return _code(
        f"I am {layer}, one of several parallel feeders. I read the mind's energy gauge once and report "
        "the level with what it affords, so the integrator can weigh my reading against the others.",
        f"""
energy = {FEEDER_TOOL}()
final_answer(
    f"{layer}: energy {{energy['current_energy']}} of {{energy['max_energy']}}; affordable now: "
    f"{{', '.join(energy['affordable_actions'][:4]) or 'nothing'}}. No change this layer can see since "
    "the last beat."
)
""",
    )


def sink_reply(k: int) -> str:
    """The sink's one step: read the goals, combine them with the feeders' reports."""
    return _code(
        f"The {k - 1} feeder reports agree on the energy level. I list the goals to say which one the "
        "mind can afford to serve this beat, then report the combined picture to the root.",
        f"""
goals = {SINK_TOOL}(limit=5)
titles = [goal["title"] for goal in goals["goals"]]
final_answer(
    f"Combined {k - 1} feeder readings: energy is steady and affords a recall and a reflection. "
    f"Goals: {{', '.join(titles) or 'none'}}. Attention should go to the first active goal; nothing "
    "calls for reaching out before the user returns."
)
""",
    )


def dag_step_1() -> str:
    """orchestra's root step 1: one call to the sink, which runs every feeder first."""
    return _code(
        f"A heartbeat needs the hierarchy's view before I plan. Calling the {SINK} layer runs every "
        "feeder layer first, all at once, and hands it their reports, so one call gives me the "
        "integrated picture.",
        f"""
report = {SINK}(task="{_SWEEP_TASK}")
print(report)
""",
    )


def managed_step_1(k: int) -> str:
    """Plain smolagents' root step 1: every feeder in turn, then the sink with their reports."""
    calls = "\n".join(f"reports.append({name}(task=task))" for name in feeders(k))
    return _code(
        "A heartbeat needs every layer's view before I plan. I call the feeder layers one after "
        f"another and hand the {SINK} their reports, so it can combine the whole picture.",
        f"""
task = "{_SWEEP_TASK}"
reports = []
{calls}
report = {SINK}(task=task + "\\n\\nReports that feed you:\\n" + "\\n".join(reports))
print(report)
""",
    )


def wide_router(k: int, scenario: str) -> StepRouter:
    """The script of one ``k``-layer scenario (``orchestra-dag`` or ``smolagents-managed``).

    Args:
        k: Layers in all.
        scenario: Which root step 1 to script.

    Returns:
        The router: the root's five steps, one step per layer.
    """
    step_1 = dag_step_1() if scenario == "orchestra-dag" else managed_step_1(k)
    routes = [Route(agent=ROOT_AGENT, marker=ROOT_MARKER, replies=(step_1, *ROOT_STEPS_2_TO_5))]
    routes += [Route(agent=name, marker=marker(name), replies=(feeder_reply(name),)) for name in feeders(k)]
    routes.append(Route(agent=SINK, marker=marker(SINK), replies=(sink_reply(k),)))
    return StepRouter(routes)


def expected_calls(k: int) -> dict[str, int]:
    """Requests per cycle: five root steps, one per layer."""
    return {ROOT_AGENT: 5, SINK: 1, **dict.fromkeys(feeders(k), 1)}


def smolagents_wide(config: Config, api_base: str, timer: ToolTimer) -> SmolagentsScenario:
    """The decision benchmark's ``smolagents-managed`` root over every layer of a wide config, in order.

    Args:
        config: A wide config (read for each layer's description, instructions, tools and steps).
        api_base: The model server's base URL.
        timer: Records every tool call.

    Returns:
        The scenario (smolagents' default prompts, like ``smolagents-managed``).
    """
    return smolagents_managed(config, api_base, timer, layers=list(config.layers))
