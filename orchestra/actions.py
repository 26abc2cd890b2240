"""ACT: execute a heartbeat's decision through the cognitive services, within its energy.

Energy rules (reference §2, §3): with energy below ``rest_below`` (2) the beat rests and
nothing else runs. Otherwise the plan runs in order; the first action whose cost is more
than the energy left is skipped together with every later action, even cheaper ones.
Energy is spent only when an action completes, so a failing action (bad params or a
service refusing) costs nothing and the walk goes on. Goal changes are free and are
applied after the actions, resting or not.

Params are written by a model, so every handler checks them: a missing or ill-typed
param, or one the action does not accept, fails the action with a message naming it
(``remember needs params.content (a non-empty string)``). Memories written by actions
carry ``metadata`` ``{"source": "heartbeat", "beat": n, "action": name}``.

Handlers (params with defaults; a param without one is required):

| action (cost) | params | effect |
|---|---|---|
| observe (0) | — | snapshot: energy, goal counts, memory count, memories of the |
| | | last 24 h, pending predictions, sync queue length |
| review_goals (0) | priority=None, include_completed=False, | ``list_goals`` |
| | limit=20 | |
| remember (0) | content, memory_type="episodic", | ``create_memory`` |
| | importance=0.5, metadata=None | |
| rest (0) | — | nothing; reports the energy left |
| recall (1) | query, top_k=5, threshold=0.7, | ``semantic_recall`` (prompt text) |
| | memory_types=None | |
| connect (1) | basin_id, strength=0.5 | ``activate_basin`` |
| reprioritize (1) | goal_id, direction ("promote"/"demote"), | ``update_goal`` |
| | note=None | |
| archive_semantic (1) | content or memory_id, importance=0.6 | a semantic memory of the content |
| | | (or of that memory's content) |
| maintain (2) | — | ``check_destruction``; ``sync_now`` unless an alert is up; |
| | | ``get_sync_status`` |
| reflect (2) | goal_id=first active goal, note=None | a strategic memory on the goal (progress, age, |
| | | related memories) and an ``add_progress`` note |
| prune_episodic (2) | older_than_days=30, keep=200, | deletes episodic memories older than the cutoff |
| | max_delete=sync destruction threshold | and not among the newest ``keep``, oldest first |
| brainstorm_goals (3) | goals=None (titles or {title, | ``create_goal`` per title; without titles, 1 to 3 |
| | description}), priority="queued", | derived from the week's most important memories |
| | source="curiosity" | (else active basins); the heartbeat's own records |
| | | are not used |
| inquire_shallow (3) | question, top_k=5, threshold=0.5 | ``semantic_recall`` + ``search_memories`` |
| revise_model (3) | model_id, trigger_description, | ``revise_mental_model`` |
| | add_basins=None, remove_basins=None | |
| revise_belief (3) | domain, belief (object; text becomes | ``update_belief`` |
| | {"statement": text}), confidence=0.5 | |
| synthesize (4) | topic, top_k=5, threshold=0.5, | searches the topic; a semantic memory combining |
| | importance=0.7 | the contents found (fails when none is found) |
| reach_out_user (5) | message, importance=0.6 | no outbound channel exists: an episodic memory with |
| | | metadata {"outbox": "user", "delivered": false} |
| inquire_deep (6) | question, top_k=10, threshold=0.3 | ``semantic_recall`` + ``list_mental_models``; |
| | | a strategic memory of the findings |
| reach_out_public (7) | message, importance=0.6 | as reach_out_user, with {"outbox": "public"} |
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

import structlog

from orchestra.decision import Decision
from orchestra.errors import ServiceError
from orchestra.services.energy import ACTION_COSTS
from orchestra.services.surface import CognitiveServices
from orchestra.services.vocabulary import GOAL_PRIORITIES, GOAL_SOURCES, MEMORY_TYPES

log = structlog.get_logger(__name__)

OutcomeStatus = Literal["done", "skipped", "failed"]
_MAX_BRAINSTORM = 10
_WORD = re.compile(r"[^\W_]+")


@dataclass(kw_only=True)
class ActionOutcome:
    """What happened to one planned action (or to the rest a resting beat takes)."""

    action: str
    """The action's name, a key of the energy table."""
    params: dict[str, Any]
    """The params it was planned with."""
    reason: str
    """Why it was planned (from the decision), or why it was skipped."""
    cost: int
    """Energy spent on it: its table cost when done, 0 when skipped or failed."""
    status: OutcomeStatus
    """"done", "skipped" or "failed"."""
    result: Any = None
    """The handler's JSON-ready result when done."""
    error: str | None = None
    """Why it failed or was skipped."""
    seconds: float = 0.0
    """Wall time of the handler."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


@dataclass(kw_only=True)
class ActReport:
    """Everything ACT did in one beat, for RECORD."""

    energy_before: int
    """Energy when ACT started."""
    energy_after: int
    """Energy when ACT finished."""
    executed: list[ActionOutcome] = field(default_factory=list)
    """Actions that completed, in order."""
    skipped: list[ActionOutcome] = field(default_factory=list)
    """Actions not attempted (unaffordable, or the beat rested)."""
    failed: list[ActionOutcome] = field(default_factory=list)
    """Actions that raised; nothing was spent on them."""
    goal_changes: list[dict[str, Any]] = field(default_factory=list)
    """Each goal change with its result or error."""
    touched_goal_ids: list[str] = field(default_factory=list)
    """Goals read closely, created or changed by this beat, first touch first."""
    rested: bool = False
    """True when energy was below the rest threshold and the beat only rested."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


# -- params -------------------------------------------------------------------------------


_MISSING = object()


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(kw_only=True)
class ActionCall:
    """One action being executed: its services, checked params, and the beat's bookkeeping."""

    services: CognitiveServices
    """The services the handler works through."""
    action: str
    """The action's name."""
    params: dict[str, Any]
    """The raw params from the decision."""
    beat: int
    """The heartbeat number (stamped on memories the action writes)."""
    touched: list[str] = field(default_factory=list)
    """Goal ids this call touched; ACT merges them into the report."""

    def _get(self, name: str, default: Any, expected: str, valid: Callable[[Any], bool]) -> Any:
        """The param, ``default`` when absent or null (required when ``_MISSING``)."""
        value = self.params.get(name)
        if value is None:
            if default is _MISSING:
                raise ServiceError(f"{self.action} needs params.{name} ({expected})")
            return default
        if not valid(value):
            raise ServiceError(f"{self.action}: params.{name} must be {expected}, got {value!r}")
        return value

    def text(self, name: str) -> str:
        """A required non-empty string param."""
        return str(self._get(name, _MISSING, "a non-empty string", _is_text)).strip()

    def maybe_text(self, name: str) -> str | None:
        """An optional non-empty string param (``None`` when absent or null)."""
        value = self._get(name, None, "a non-empty string", _is_text)
        return None if value is None else str(value).strip()

    def number(self, name: str, default: float, low: float, high: float) -> float:
        """A number in [low, high]."""
        expected = f"a number from {low:g} to {high:g}"
        return float(self._get(name, default, expected, lambda v: _is_number(v) and low <= v <= high))

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        """An integer in [low, high]."""
        expected = f"an integer from {low} to {high}"
        valid = lambda v: _is_number(v) and isinstance(v, int) and low <= v <= high  # noqa: E731
        return int(self._get(name, default, expected, valid))

    def flag(self, name: str, default: bool) -> bool:
        """A boolean."""
        return bool(self._get(name, default, "true or false", lambda v: isinstance(v, bool)))

    def choice(self, name: str, choices: tuple[str, ...], default: Any = _MISSING) -> Any:
        """One of ``choices`` (``default`` when absent; required without one)."""
        expected = "one of " + ", ".join(repr(c) for c in choices)
        return self._get(name, default, expected, lambda v: v in choices)

    def texts(self, name: str) -> list[str] | None:
        """An optional list of non-empty strings."""
        valid = lambda v: isinstance(v, list) and all(_is_text(x) for x in v)  # noqa: E731
        value = self._get(name, None, "a list of non-empty strings", valid)
        return None if value is None else [str(v).strip() for v in value]

    def mapping(self, name: str) -> dict[str, Any] | None:
        """An optional JSON object."""
        value = self._get(name, None, "a JSON object", lambda v: isinstance(v, dict))
        return None if value is None else dict(value)

    def touch(self, goal_id: str) -> None:
        """Note that this action touched a goal."""
        if goal_id not in self.touched:
            self.touched.append(goal_id)

    def provenance(self, **extra: Any) -> dict[str, Any]:
        """Metadata stamped on memories this action writes."""
        return {"source": "heartbeat", "beat": self.beat, "action": self.action, **extra}


HandlerFn = Callable[[ActionCall], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, kw_only=True)
class ActionHandler:
    """How one action of the energy table is executed."""

    action: str
    """The action's name."""
    params: tuple[str, ...]
    """Every param it accepts; any other key fails the action."""
    run: HandlerFn
    """The coroutine doing the work; returns a JSON-ready result."""


HANDLERS: dict[str, ActionHandler] = {}
"""Action name -> handler, one per action of the energy table."""


def _handler(action: str, *params: str) -> Callable[[HandlerFn], HandlerFn]:
    def register(fn: HandlerFn) -> HandlerFn:
        if action not in ACTION_COSTS or action in HANDLERS:
            raise ValueError(f"handler for {action!r}: not in the energy table or registered twice")
        HANDLERS[action] = ActionHandler(action=action, params=params, run=fn)
        return fn

    return register


# -- handlers: cost 0 ---------------------------------------------------------------------


@_handler("observe")
async def _observe(call: ActionCall) -> dict[str, Any]:
    s = call.services
    recent = await s.memory.recent(hours=24.0, limit=1000)
    sync = await s.get_sync_status()
    return {
        "energy": await s.energy.current(),
        "goal_counts": await s.goals.counts(),
        "memory_count": await s.memory.count(),
        "memories_last_24h": len(recent),
        "pending_predictions": len(await s.mental_models.pending_predictions(limit=1000)),
        "sync_queue_length": sync["queue_length"],
    }


@_handler("review_goals", "priority", "include_completed", "limit")
async def _review_goals(call: ActionCall) -> dict[str, Any]:
    listing = await call.services.list_goals(
        priority=call.choice("priority", GOAL_PRIORITIES, None),
        include_completed=call.flag("include_completed", False),
        limit=call.integer("limit", 20, 1, 1000),
    )
    return listing


@_handler("remember", "content", "memory_type", "importance", "metadata")
async def _remember(call: ActionCall) -> dict[str, Any]:
    metadata = {**(call.mapping("metadata") or {}), **call.provenance()}
    return await call.services.create_memory(
        call.text("content"),
        memory_type=call.choice("memory_type", MEMORY_TYPES, "episodic"),
        importance=call.number("importance", 0.5, 0.0, 1.0),
        metadata=metadata,
    )


@_handler("rest")
async def _rest(call: ActionCall) -> dict[str, Any]:
    return {"rested": True, "energy": await call.services.energy.current()}


# -- handlers: cost 1 ---------------------------------------------------------------------


@_handler("recall", "query", "top_k", "threshold", "memory_types")
async def _recall(call: ActionCall) -> dict[str, Any]:
    query = call.text("query")
    text = await call.services.semantic_recall(
        query,
        top_k=call.integer("top_k", 5, 1, 100),
        threshold=call.number("threshold", 0.7, 0.0, 1.0),
        memory_types=call.texts("memory_types"),
    )
    return {"query": query, "recall": text}


@_handler("connect", "basin_id", "strength")
async def _connect(call: ActionCall) -> dict[str, Any]:
    return await call.services.activate_basin(
        call.text("basin_id"), strength=call.number("strength", 0.5, 0.01, 1.0)
    )


@_handler("reprioritize", "goal_id", "direction", "note")
async def _reprioritize(call: ActionCall) -> dict[str, Any]:
    goal_id = call.text("goal_id")
    direction = call.choice("direction", ("promote", "demote"))
    result = await call.services.update_goal(goal_id, direction, call.maybe_text("note"))
    call.touch(goal_id)
    return result


@_handler("archive_semantic", "content", "memory_id", "importance")
async def _archive_semantic(call: ActionCall) -> dict[str, Any]:
    content = call.maybe_text("content")
    memory_id = call.maybe_text("memory_id")
    if (content is None) == (memory_id is None):
        raise ServiceError("archive_semantic needs exactly one of params.content or params.memory_id")
    extra: dict[str, Any] = {}
    if memory_id is not None:
        source = await call.services.get_memory(memory_id)
        if source is None:
            raise ServiceError(f"archive_semantic: no memory with id {memory_id!r}")
        content, extra = str(source["content"]), {"archived_from": memory_id}
    result = await call.services.create_memory(
        str(content),
        memory_type="semantic",
        importance=call.number("importance", 0.6, 0.0, 1.0),
        metadata=call.provenance(**extra),
    )
    return {**result, **extra}


# -- handlers: cost 2 ---------------------------------------------------------------------


@_handler("maintain")
async def _maintain(call: ActionCall) -> dict[str, Any]:
    s = call.services
    destruction = await s.check_destruction()
    sync = None if destruction["alert"] else await s.sync_now()
    return {"destruction": destruction, "sync": sync, "sync_status": await s.get_sync_status()}


@_handler("reflect", "goal_id", "note")
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


@_handler("prune_episodic", "older_than_days", "keep", "max_delete")
async def _prune_episodic(call: ActionCall) -> dict[str, Any]:
    s = call.services
    older_than_days = call.number("older_than_days", 30.0, 0.0, 36500.0)
    keep = call.integer("keep", 200, 0, 1_000_000)
    # One prune stays within the destruction guard's threshold, so it cannot trip the
    # alert (and pause sync) on its own.
    max_delete = call.integer("max_delete", s.settings.sync.destruction_threshold, 1, 1000)
    cutoff = time.time() - older_than_days * 86400
    rows = await asyncio.to_thread(
        s.store.query,
        "SELECT id FROM (SELECT id, created_at FROM memories WHERE memory_type = 'episodic' "
        "ORDER BY created_at DESC LIMIT -1 OFFSET ?) WHERE created_at < ? ORDER BY created_at LIMIT ?",
        (keep, cutoff, max_delete),
    )
    deleted = [row["id"] for row in rows if await s.memory.delete(row["id"])]
    return {
        "deleted": len(deleted),
        "deleted_ids": deleted,
        "older_than_days": older_than_days,
        "kept_newest": keep,
        "max_delete": max_delete,
        "memory_count": await s.memory.count(),
    }


# -- handlers: cost 3 ---------------------------------------------------------------------


@_handler("brainstorm_goals", "goals", "priority", "source")
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


@_handler("inquire_shallow", "question", "top_k", "threshold")
async def _inquire_shallow(call: ActionCall) -> dict[str, Any]:
    question = call.text("question")
    top_k = call.integer("top_k", 5, 1, 100)
    threshold = call.number("threshold", 0.5, 0.0, 1.0)
    recall = await call.services.semantic_recall(question, top_k=top_k, threshold=threshold)
    hits = await call.services.search_memories(question, limit=top_k, threshold=threshold)
    return {"question": question, "recall": recall, "memories": hits}


@_handler("revise_model", "model_id", "trigger_description", "add_basins", "remove_basins")
async def _revise_model(call: ActionCall) -> dict[str, Any]:
    return await call.services.revise_mental_model(
        call.text("model_id"),
        call.text("trigger_description"),
        add_basins=call.texts("add_basins"),
        remove_basins=call.texts("remove_basins"),
    )


@_handler("revise_belief", "domain", "belief", "confidence")
async def _revise_belief(call: ActionCall) -> dict[str, Any]:
    belief = call.params.get("belief")
    if isinstance(belief, str) and belief.strip():
        belief = {"statement": belief.strip()}
    if not isinstance(belief, dict) or not belief:
        raise ServiceError(
            "revise_belief needs params.belief (a non-empty JSON object, or a statement as text)"
        )
    return await call.services.update_belief(
        call.text("domain"), belief, confidence=call.number("confidence", 0.5, 0.0, 1.0)
    )


# -- handlers: cost 4+ --------------------------------------------------------------------


@_handler("synthesize", "topic", "top_k", "threshold", "importance")
async def _synthesize(call: ActionCall) -> dict[str, Any]:
    topic = call.text("topic")
    hits = await call.services.search_memories(
        topic, limit=call.integer("top_k", 5, 1, 100), threshold=call.number("threshold", 0.5, 0.0, 1.0)
    )
    if not hits:
        raise ServiceError(f"synthesize found no memories about {topic!r} to combine")
    content = f"Synthesis on {topic!r} from {len(hits)} memories:\n" + "\n".join(
        f"- {' '.join(h['content'].split())}" for h in hits
    )
    sources = [h["memory_id"] for h in hits]
    memory = await call.services.create_memory(
        content,
        memory_type="semantic",
        importance=call.number("importance", 0.7, 0.0, 1.0),
        metadata=call.provenance(topic=topic, source_memory_ids=sources),
    )
    return {"memory_id": memory["memory_id"], "topic": topic, "combined": len(hits), "sources": sources}


async def _reach_out(call: ActionCall, audience: str) -> dict[str, Any]:
    message = call.text("message")
    memory = await call.services.create_memory(
        message,
        memory_type="episodic",
        importance=call.number("importance", 0.6, 0.0, 1.0),
        metadata=call.provenance(outbox=audience, delivered=False),
    )
    return {
        "memory_id": memory["memory_id"],
        "audience": audience,
        "delivered": False,
        "note": f"no outbound channel to the {audience} is configured; the message is stored in the "
        f"outbox as an episodic memory (metadata.outbox={audience!r}, delivered=false)",
    }


@_handler("reach_out_user", "message", "importance")
async def _reach_out_user(call: ActionCall) -> dict[str, Any]:
    return await _reach_out(call, "user")


@_handler("reach_out_public", "message", "importance")
async def _reach_out_public(call: ActionCall) -> dict[str, Any]:
    return await _reach_out(call, "public")


@_handler("inquire_deep", "question", "top_k", "threshold")
async def _inquire_deep(call: ActionCall) -> dict[str, Any]:
    s = call.services
    question = call.text("question")
    recall = await s.semantic_recall(
        question, top_k=call.integer("top_k", 10, 1, 100), threshold=call.number("threshold", 0.3, 0.0, 1.0)
    )
    models = (await s.list_mental_models(limit=20))["models"]
    words = set(_WORD.findall(question.lower()))
    relevant = [
        m for m in models if words & set(_WORD.findall(f"{m['name']} {m['description'] or ''}".lower()))
    ]
    findings = [line for line in recall.splitlines()[1:] if line != "No memories matched."]
    model_lines = [
        f"- {m['name']} ({m['domain']}, accuracy {m['accuracy']}, {m['status']})" for m in relevant or models
    ]
    content = "\n".join(
        [
            f"Deep inquiry: {question}",
            f"Recalled {len(findings)} memories:" if findings else "No memory answered it.",
            *findings,
            ("Relevant mental models:" if relevant else f"Mental models ({len(models)}), none named in it:"),
            *(model_lines or ["- none"]),
        ]
    )
    memory = await s.create_memory(
        content, memory_type="strategic", importance=0.7, metadata=call.provenance(question=question)
    )
    return {
        "memory_id": memory["memory_id"],
        "question": question,
        "recall": recall,
        "recalled": len(findings),
        "mental_models": len(models),
        "relevant_models": [m["model_id"] for m in relevant],
    }


assert set(HANDLERS) == set(ACTION_COSTS), set(ACTION_COSTS) ^ set(HANDLERS)


def _clip(text: str, size: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= size else flat[: size - 1].rstrip() + "…"


def _first_sentence(text: str) -> str:
    flat = " ".join(text.split())
    match = re.match(r"(.+?[.!?])(\s|$)", flat)
    return match.group(1) if match else flat


# -- ACT ----------------------------------------------------------------------------------


async def run_action(
    services: CognitiveServices, action: str, params: dict[str, Any], *, beat: int = 0
) -> tuple[dict[str, Any], list[str]]:
    """Execute one action's handler (no energy bookkeeping).

    Args:
        services: the services to work through.
        action: a name from the energy table.
        params: the action's params (see the module's table).
        beat: heartbeat number stamped on memories it writes.

    Returns:
        The handler's JSON-ready result and the goal ids it touched.

    Raises:
        ServiceError: unknown action, a param it does not accept, missing or invalid params,
            or a service refusing the call.
    """
    handler = HANDLERS.get(action)
    if handler is None:
        raise ServiceError(f"unknown action {action!r}; valid actions: {', '.join(ACTION_COSTS)}")
    unknown = sorted(set(params) - set(handler.params))
    if unknown:
        accepted = ", ".join(handler.params) or "none"
        raise ServiceError(f"{action} does not accept params {', '.join(unknown)}; accepted: {accepted}")
    call = ActionCall(services=services, action=action, params=params, beat=beat)
    result = await handler.run(call)
    return result, call.touched


async def act(
    services: CognitiveServices, decision: Decision, *, beat: int, rest_below: int = 2
) -> ActReport:
    """Execute a decision's actions within the energy left, then apply its goal changes.

    Args:
        services: the services to act through.
        decision: the plan from DECIDE.
        beat: the heartbeat number (stamped on memories actions write, and logged).
        rest_below: with less energy than this the beat only rests.

    Returns:
        What ran, what was skipped or failed, the goal changes, and energy before and after.
    """
    energy = await services.energy.current()
    report = ActReport(energy_before=energy, energy_after=energy)
    touched: list[str] = []

    if energy < rest_below:
        report.rested = True
        why = f"resting: energy below {rest_below}"
        report.skipped = [_skipped(p.action, p.params, why) for p in decision.actions]
        report.executed.append(
            await _execute(services, "rest", {}, f"energy {energy} below {rest_below}", beat)
        )
    else:
        left = energy
        for index, planned in enumerate(decision.actions):
            cost = ACTION_COSTS[planned.action]
            if cost > left:
                why = f"unaffordable: costs {cost}, {left} left"
                report.skipped = [_skipped(p.action, p.params, why) for p in decision.actions[index:]]
                log.info("act.stopped", beat=beat, action=planned.action, cost=cost, left=left)
                break
            outcome = await _execute(services, planned.action, planned.params, planned.reason, beat, touched)
            if outcome.status == "failed":
                report.failed.append(outcome)
                continue
            try:
                left = await services.energy.spend(planned.action)
            except ServiceError as exc:
                # Another process spent the energy meanwhile: the work is done, unpaid.
                log.warning("act.spend_failed", beat=beat, action=planned.action, error=str(exc))
                outcome.cost = 0
                left = await services.energy.current()
            report.executed.append(outcome)

    for change in decision.goal_changes:
        entry: dict[str, Any] = change.model_dump()
        try:
            entry["result"] = await services.update_goal(change.goal_id, change.action, change.note)
            entry["status"] = "done"
            if change.goal_id not in touched:
                touched.append(change.goal_id)
        except ServiceError as exc:
            entry["status"], entry["error"] = "failed", str(exc)
            log.info("act.goal_change_failed", beat=beat, goal_id=change.goal_id, error=str(exc))
        report.goal_changes.append(entry)

    report.touched_goal_ids = touched
    report.energy_after = await services.energy.current()
    log.info(
        "act.done",
        beat=beat,
        energy_before=report.energy_before,
        energy_after=report.energy_after,
        executed=[o.action for o in report.executed],
        skipped=len(report.skipped),
        failed=[o.action for o in report.failed],
        rested=report.rested,
    )
    return report


def _skipped(action: str, params: dict[str, Any], why: str) -> ActionOutcome:
    return ActionOutcome(action=action, params=params, reason=why, cost=0, status="skipped", error=why)


async def _execute(
    services: CognitiveServices,
    action: str,
    params: dict[str, Any],
    reason: str,
    beat: int,
    touched: list[str] | None = None,
) -> ActionOutcome:
    """Run one handler; a raise becomes a failed outcome (cost 0), never an exception."""
    started = time.perf_counter()
    outcome = ActionOutcome(action=action, params=params, reason=reason, cost=0, status="done")
    try:
        result, goals = await run_action(services, action, params, beat=beat)
    except ServiceError as exc:
        outcome.status, outcome.error = "failed", str(exc)
        log.info("act.action_failed", beat=beat, action=action, error=str(exc))
    except Exception as exc:  # a handler bug must not end the beat; it is logged with its trace
        outcome.status, outcome.error = "failed", f"{type(exc).__name__}: {exc}"
        log.exception("act.action_crashed", beat=beat, action=action)
    else:
        outcome.result, outcome.cost = result, ACTION_COSTS[action]
        if touched is not None:
            touched.extend(g for g in goals if g not in touched)
    outcome.seconds = round(time.perf_counter() - started, 6)
    return outcome
