"""The heartbeat's actions: ACT walks a decision's plan through one handler per action.

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

from orchestra.heartbeat.actions import beliefs, goals, memory, outreach, upkeep
from orchestra.heartbeat.actions.act import ActionOutcome, ActReport, act
from orchestra.heartbeat.actions.registry import HANDLERS, ActionCall, ActionHandler, handles, run_action
from orchestra.services.energy import ACTION_COSTS

_FAMILIES = (beliefs, goals, memory, outreach, upkeep)
"""Imported for their registrations: each family's handlers register themselves on import."""

if set(HANDLERS) != set(ACTION_COSTS):
    unmatched = sorted(set(ACTION_COSTS) ^ set(HANDLERS))
    raise RuntimeError(f"actions without a handler, or handlers without a cost: {unmatched}")

__all__ = [
    "HANDLERS",
    "ActReport",
    "ActionCall",
    "ActionHandler",
    "ActionOutcome",
    "act",
    "handles",
    "run_action",
]
