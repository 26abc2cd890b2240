"""What the method signatures cannot say to other MCP clients: enums, bounds, annotations.

The services check every value themselves (and their messages are what a client reads on a
bad call); the schema hints here only tell a client up front what those checks accept.
Result shapes are in ``_results``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mcp.types import ToolAnnotations

from orchestra.services.vocabulary import (
    GOAL_ACTIONS,
    GOAL_PRIORITIES,
    GOAL_SOURCES,
    LAYERS,
    MEMORY_TYPES,
    MODEL_DOMAINS,
    MODEL_STATUSES,
)

_UNIT = {"minimum": 0.0, "maximum": 1.0}
_LIMIT = {"minimum": 1, "maximum": 1000}

_BY_NAME: dict[str, dict[str, Any]] = {
    "memory_type": {"enum": list(MEMORY_TYPES)},
    "memory_types": {"items": {"enum": list(MEMORY_TYPES)}, "minItems": 1},
    "layer": {"enum": list(LAYERS)},
    "priority": {"enum": list(GOAL_PRIORITIES)},
    "source": {"enum": list(GOAL_SOURCES)},
    "action": {"enum": list(GOAL_ACTIONS)},
    "domain": {"enum": list(MODEL_DOMAINS)},
    "status": {"enum": list(MODEL_STATUSES)},
    "importance": _UNIT,
    "threshold": _UNIT,
    "confidence": _UNIT,
    "limit": _LIMIT,
    "top_k": {"minimum": 1, "maximum": 100},
    "batch_size": {"minimum": 1, "maximum": 10000},
    "offset": {"minimum": 0},
    "strength": {"exclusiveMinimum": 0.0, "maximum": 1.0},
    "basin_ids": {"minItems": 1},
}
"""Hints by parameter name: the names mean the same thing in every tool, except as below."""

_BY_TOOL: dict[tuple[str, str], dict[str, Any]] = {
    ("update_belief", "domain"): {"pattern": "^[a-z][a-z0-9_]*$"},  # free identifiers, not model domains
}

_READ_ONLY = frozenset(
    {
        "search_memories",
        "get_memory",
        "get_consciousness_state",
        "assess_coherence",
        "get_active_basins",
        "query_basin_landscape",
        "query_journey_history",
        "get_sync_status",
        "semantic_recall",
        "get_heartbeat_status",
        "get_energy_status",
        "list_goals",
        "list_mental_models",
        "get_mental_model",
        "get_models_by_winners",
    }
)
_DESTRUCTIVE = frozenset({"update_belief", "update_goal", "revise_mental_model", "bootstrap_recovery"})
"""Tools that replace or remove what was there (a belief, a goal's state, basins, local memories)."""
_IDEMPOTENT = frozenset(
    {
        "get_or_create_journey",
        "pause_sync",
        "resume_sync",
        "acknowledge_destruction_alert",
        "pause_heartbeat",
        "resume_heartbeat",
        "check_destruction",
    }
)
_OPEN_WORLD = frozenset({"sync_now", "resume_sync", "bootstrap_recovery", "get_sync_status"})
"""Tools that talk to the remote store; the rest touch only the local one."""


def parameter_hints(tool: str, parameter: str) -> Callable[[dict[str, Any]], None] | None:
    """A ``json_schema_extra`` that adds this parameter's enum or bounds (to the non-null branch)."""
    hints = _BY_TOOL.get((tool, parameter), _BY_NAME.get(parameter))
    if hints is None:
        return None

    def apply(schema: dict[str, Any]) -> None:
        branches = [branch for branch in schema.get("anyOf", []) if branch.get("type") != "null"]
        target = branches[0] if branches else schema
        for key, value in hints.items():
            if key == "items":
                target.setdefault("items", {}).update(value)
            else:
                target[key] = value

    return apply


def tool_annotations(tool: str) -> ToolAnnotations:
    """readOnly / destructive / idempotent / openWorld hints for ``tool``."""
    read_only = tool in _READ_ONLY
    return ToolAnnotations(
        readOnlyHint=read_only,
        destructiveHint=None if read_only else tool in _DESTRUCTIVE,
        idempotentHint=None if read_only else tool in _IDEMPOTENT,
        openWorldHint=tool in _OPEN_WORLD,
    )

