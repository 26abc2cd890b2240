"""What the method signatures cannot say to other MCP clients: enums, bounds, annotations, result shapes.

The services check every value themselves (and their messages are what a client reads on a
bad call); the schema hints here only tell a client up front what those checks accept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from mcp.types import ToolAnnotations
from pydantic import Field
from typing_extensions import TypedDict

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


# ------------------------------------------------------------------------------ result shapes


class CreatedMemory(TypedDict):
    """What ``create_memory`` returns."""

    memory_id: str
    memory_type: str
    importance: float
    created_at: str
    embedded: bool
    embedding_model: str | None


class Memory(TypedDict):
    """A stored memory as ``get_memory`` returns it."""

    memory_id: str
    content: str
    memory_type: str
    importance: float
    metadata: dict[str, Any]
    project_id: str | None
    session_id: str | None
    created_at: str
    updated_at: str
    embedding_model: str | None


class SearchHit(TypedDict):
    """One ``search_memories`` result."""

    memory_id: str
    content: str
    memory_type: str
    importance: float
    score: float
    method: str
    metadata: dict[str, Any]
    created_at: str


class RecalledMemory(TypedDict):
    """One memory ``semantic_recall`` found."""

    memory_id: str
    memory_type: Annotated[str, Field(json_schema_extra={"enum": list(MEMORY_TYPES)})]
    content: str
    importance: float
    score: float
    similarity: float


class Recall(TypedDict):
    """What ``semantic_recall`` returns as data: its text, the method that ranked, and the memories."""

    result: str
    method: str
    fallback_reason: str | None
    memories: list[RecalledMemory]


RESULTS: dict[str, Any] = {
    "create_memory": CreatedMemory,
    "get_memory": Memory | None,
    "search_memories": list[SearchHit],
    "semantic_recall": Recall,
}
VALUES: dict[str, str] = {"semantic_recall": "result"}
"""Tools whose output schema carries ``MCP_VALUE_KEY``, and the property it names."""
"""Return types richer than the service's ``dict[str, Any]``, by tool."""
