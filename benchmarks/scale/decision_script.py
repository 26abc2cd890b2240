"""The decision benchmark's routes as a :class:`StepRouter`, for the tools, minds and recall curves.

The routes are :func:`benchmarks.decision.texts.decision_routes` (root step 1 by scenario, steps 2
to 5, one reply per layer), so a point of a curve is the decision benchmark's cycle with one thing
scaled. The minds curve adds one line to the root's last step, a ``create_memory`` call, so that
afterwards each mind's store shows it decided on its own store and on no other's.
"""

from __future__ import annotations

from dataclasses import replace

from benchmarks.common.routes import ROOT_AGENT, StepRouter
from benchmarks.decision.texts import LAYERS, decision_routes

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
    root, *layers = decision_routes(scenario)
    if remember:
        *steps, last = root.replies
        last = last.replace("final_answer(decision)", REMEMBER_LINE + "final_answer(decision)")
        root = replace(root, replies=(*steps, last))
    return StepRouter([root, *layers])


def decision_calls(scenario: str) -> dict[str, int]:
    """Requests per cycle: five root steps, and one per layer unless the scenario is flat."""
    layers = {} if scenario == "smolagents-flat" else dict.fromkeys(LAYERS, 1)
    return {ROOT_AGENT: 5, **layers}
