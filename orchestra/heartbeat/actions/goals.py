"""Goal actions: review, reprioritize, reflect on, and brainstorm goals."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from orchestra.errors import ServiceError
from orchestra.heartbeat.actions.registry import ActionCall, handles
from orchestra.services.surface import CognitiveServices
from orchestra.services.vocabulary import GOAL_PRIORITIES, GOAL_SOURCES

_MAX_BRAINSTORM = 10


@handles("review_goals", "priority", "include_completed", "limit")
async def _review_goals(call: ActionCall) -> dict[str, Any]:
    listing = await call.services.list_goals(
        priority=call.choice("priority", GOAL_PRIORITIES, None),
        include_completed=call.flag("include_completed", False),
        limit=call.integer("limit", 20, 1, 1000),
    )
    return listing


@handles("reprioritize", "goal_id", "direction", "note")
async def _reprioritize(call: ActionCall) -> dict[str, Any]:
    goal_id = call.text("goal_id")
    direction = call.choice("direction", ("promote", "demote"))
    result = await call.services.update_goal(goal_id, direction, call.maybe_text("note"))
    call.touch(goal_id)
    return result


@handles("reflect", "goal_id", "note")
async def _reflect(call: ActionCall) -> dict[str, Any]:
    s = call.services
    goal_id = call.maybe_text("goal_id")
    note = call.maybe_text("note")
    if goal_id is None:
        active = (await s.list_goals(priority="active", limit=1))["goals"]
        if not active:
            raise ServiceError("reflect needs params.goal_id: there is no active goal to reflect on")
        goal = active[0]
    else:
        matches = [g for g in (await s.list_goals(limit=1000))["goals"] if g["goal_id"] == goal_id]
        if not matches:
            raise ServiceError(f"reflect: no open goal with id {goal_id!r}")
        goal = matches[0]
    related = await s.search_memories(goal["title"], limit=3, threshold=0.5)
    progress = goal["progress"]
    age_days = (datetime.now().astimezone() - datetime.fromisoformat(goal["created_at"])).days
    lines = [
        f"Reflection on goal {goal['title']!r} ({goal['priority']}, open {age_days} days, "
        f"{len(progress)} progress notes).",
        f"Last progress: {progress[-1]['note']}" if progress else "No progress recorded yet.",
    ]
    if related:
        lines.append("Related memories: " + " | ".join(_clip(m["content"], 120) for m in related))
    else:
        lines.append("No stored memory relates to it yet.")
    if note:
        lines.append(f"Thought: {note}")
    memory = await s.create_memory(
        "\n".join(lines),
        memory_type="strategic",
        importance=0.6,
        metadata=call.provenance(goal_id=goal["goal_id"]),
    )
    update = await s.update_goal(
        goal["goal_id"],
        "add_progress",
        note or f"reflected at beat {call.beat} (memory {memory['memory_id']})",
    )
    call.touch(goal["goal_id"])
    return {
        "goal_id": goal["goal_id"],
        "memory_id": memory["memory_id"],
        "related_memories": len(related),
        "progress_notes": len(update["progress"]),
    }


@handles("brainstorm_goals", "goals", "priority", "source")
async def _brainstorm_goals(call: ActionCall) -> dict[str, Any]:
    s = call.services
    priority = call.choice("priority", GOAL_PRIORITIES, "queued")
    source = call.choice("source", GOAL_SOURCES, "curiosity")
    proposals = _goal_proposals(call)
    derived_from = "params"
    if proposals is None:
        proposals, derived_from = await _derive_goals(s)
        if not proposals:
            raise ServiceError(
                "brainstorm_goals found no recent memories or active basins to derive goals from; "
                "pass params.goals (a list of titles)"
            )
    created = []
    for title, description in proposals:
        goal = await s.create_goal(title, description=description, priority=priority, source=source)
        call.touch(goal["goal_id"])
        created.append({"goal_id": goal["goal_id"], "title": goal["title"]})
    return {"created": created, "derived_from": derived_from}


def _goal_proposals(call: ActionCall) -> list[tuple[str, str | None]] | None:
    value = call.params.get("goals")
    if value is None:
        return None
    expected = f"a list of 1 to {_MAX_BRAINSTORM} titles or {{title, description}} objects"
    if not isinstance(value, list) or not 1 <= len(value) <= _MAX_BRAINSTORM:
        raise ServiceError(f"brainstorm_goals: params.goals must be {expected}, got {value!r}")
    out: list[tuple[str, str | None]] = []
    for item in value:
        if isinstance(item, str) and item.strip():
            out.append((item.strip(), None))
        elif isinstance(item, dict) and isinstance(item.get("title"), str) and item["title"].strip():
            description = item.get("description")
            out.append((item["title"].strip(), str(description) if description else None))
        else:
            raise ServiceError(f"brainstorm_goals: params.goals must be {expected}; bad item {item!r}")
    return out


async def _derive_goals(s: CognitiveServices) -> tuple[list[tuple[str, str | None]], str]:
    """Up to 3 goal titles from the week's most important memories, else the active basins.

    Memories the heartbeat wrote about itself (metadata ``kind`` or ``source`` "heartbeat")
    are left out.
    """
    existing = {g["title"].lower() for g in (await s.list_goals(limit=1000))["goals"]}
    # The beat's own records (RECORD's narrative, memories actions wrote) would only
    # breed goals about the heartbeat itself.
    recent = [
        m
        for m in await s.memory.recent(hours=24.0 * 7, limit=100)
        if "heartbeat" not in (m["metadata"].get("kind"), m["metadata"].get("source"))
    ]
    recent.sort(key=lambda m: m["importance"], reverse=True)
    proposals: list[tuple[str, str | None]] = []
    for memory in recent:
        title = "Follow up: " + _clip(_first_sentence(memory["content"]), 80)
        if title.lower() not in existing and title not in (p[0] for p in proposals):
            proposals.append((title, f"From memory {memory['memory_id']}: {_clip(memory['content'], 300)}"))
        if len(proposals) == 3:
            return proposals, "recent_memories"
    if proposals:
        return proposals, "recent_memories"
    for basin in await s.get_active_basins(limit=3):
        title = f"Explore what drives the {basin['basin_id']!r} basin"
        if title.lower() not in existing:
            proposals.append((title, f"Basin {basin['basin_id']} is {basin['state']}."))
    return proposals, "active_basins"


def _clip(text: str, size: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= size else flat[: size - 1].rstrip() + "…"


def _first_sentence(text: str) -> str:
    flat = " ".join(text.split())
    match = re.match(r"(.+?[.!?])(\s|$)", flat)
    return match.group(1) if match else flat
