"""The knobs of each side, in one place: what the generated configs change in ``configs/thoughtseed.yaml``.

Both sides keep the shipped layers, graph, tools and prompts; only what is listed here differs from
the shipped file. ``SHARED`` points the default profile at the local server and gives both sides the
same generous limits (a 135M model on 2 CPU cores evaluates about 140 prompt tokens a second, so the
shipped 30 s request timeout would measure this machine, not orchestra). ``BEFORE`` is the
documented cure for a local server before issue 10 (plain-text message content); ``AFTER`` adds the
issue's knobs. Keys are dotted paths as ``orchestra --set`` takes them; ``{api_base}`` is filled in at
run time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Knobs = dict[str, Any]
"""Dotted config key → value."""

SHARED: Knobs = {
    "models.default.model": "openai/smollm2",
    "models.default.api_base": "{api_base}",
    "models.default.api_key": "none",
    "models.default.timeout_s": 300,
    "models.default.total_timeout_s": 600,
    "heartbeat.deadline_s": 300,
}
"""Both sides: the local server, and limits generous enough for the model to finish a beat.

The deadline: a before beat on this model reaches any deadline (its layers queue for the one slot
behind each other and the root), so the deadline bounds the before side's DECIDE figure and the
run's length; an after beat takes 2-3 minutes here. With 300 s the before figure is a lower bound
and the DECIDE ratio an upper bound."""

BEFORE: Knobs = {
    "models.default.params": {"flatten_messages_as_text": True},
}
"""The code before issue 10: without plain-text content the server answers list content with a 500."""

AFTER_STRUCTURED: Knobs = {
    "root.structured_decision": True,
    "models.default.structured_output": "json_object",
}
"""The constrained decision: the Decision written by one call under a JSON schema (llama-cpp-python's
server takes it as ``response_format: {type: json_object, schema}``)."""

AFTER: Knobs = {
    **AFTER_STRUCTURED,
    "models.default.max_concurrent": 1,
    "agents.prefetch_upstream": False,
    "agents.max_memory_steps": 4,
}
"""Issue 10's knobs: constrained decisions, one request at a time, no prefetch, a short memory window."""

DEADLINE_S = 15.0
"""``heartbeat.deadline_s`` of the deadline check: a beat this model cannot finish in time."""

SIDES = ("before", "after")


def side_knobs(side: str, extra: Mapping[str, Any] | None = None) -> Knobs:
    """Every knob a side's measured beats and runs use, shared ones first, then the side's, then ``extra``.

    Args:
        side: ``before`` or ``after``.
        extra: ``--set`` / ``--after-set`` values for this side (win over everything).

    Returns:
        Dotted key → value.

    Raises:
        ValueError: Unknown side.
    """
    if side not in SIDES:
        raise ValueError(f"unknown side {side!r}; valid: {', '.join(SIDES)}")
    own = BEFORE if side == "before" else AFTER
    return {**SHARED, **own, **dict(extra or {})}


def without(knobs: Mapping[str, Any], dropped: Mapping[str, Any]) -> Knobs:
    """``knobs`` less the keys of ``dropped`` (the after side when main lacks the structured knobs)."""
    return {key: value for key, value in knobs.items() if key not in dropped}
