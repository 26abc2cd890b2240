"""The decision benchmark's replies as :class:`StepRouter` routes, for the tools, minds and recall curves.

The same texts as :mod:`benchmarks.decision.texts` (root step 1 by scenario, steps 2 to 5, one reply
per layer), so a point of a curve is the decision benchmark's cycle with one thing scaled. The minds
curve adds one line to the root's last step, a ``create_memory`` call, so that afterwards each
mind's store shows it decided on its own store and on no other's.
"""

from __future__ import annotations

from benchmarks.common.routes import ROOT_AGENT, Route, StepRouter
from benchmarks.decision.texts import (
    DAG_STEP_1,
    FLAT_STEP_1,
    LAYER_MARKERS,
    LAYERS,
    MANAGED_STEP_1,
    ROOT_MARKER,
    layer_reply,
    root_replies,
)

REMEMBER_LINE = (
    'create_memory(content="Decided at this beat: draft the short benchmark summary.", '
    'memory_type="episodic", importance=0.4)\n'
)
"""Inserted before the root's ``final_answer(decision)`` when ``remember`` is set."""


def decision_router(scenario: str, *, remember: bool = False) -> StepRouter:
    """The routes of one decision scenario.

    Args:
        scenario: ``orchestra-dag``, ``orchestra-chain``, ``smolagents-managed`` or ``smolagents-flat``.
        remember: Make the root's last step write one memory.

    Returns:
        The router.
    """
    step_1 = {"smolagents-managed": MANAGED_STEP_1, "smolagents-flat": FLAT_STEP_1}.get(scenario, DAG_STEP_1)
    root = root_replies(step_1)
    if remember:
        root[-1] = root[-1].replace("final_answer(decision)", REMEMBER_LINE + "final_answer(decision)")
    routes = [Route(agent=ROOT_AGENT, marker=ROOT_MARKER, replies=tuple(root))]
    if scenario != "smolagents-flat":
        routes += [
            Route(agent=name, marker=LAYER_MARKERS[name], replies=(layer_reply(name),)) for name in LAYERS
        ]
    return StepRouter(routes)


def decision_calls(scenario: str) -> dict[str, int]:
    """Requests per cycle: five root steps, and one per layer unless the scenario is flat."""
    layers = {} if scenario == "smolagents-flat" else dict.fromkeys(LAYERS, 1)
    return {ROOT_AGENT: 5, **layers}
