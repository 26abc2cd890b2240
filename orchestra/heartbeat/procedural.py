"""The legacy procedural decision (reference §3): the heartbeat's fallback when no model answers.

The rules, each applied when its condition holds, in this order:

1. no open goals -> ``brainstorm_goals`` (titles derived from recent memories in ACT);
2. open goals not updated for ``stale_after_days`` (7) days and not yet on the backburner
   -> goal changes that ``demote`` them down to the backburner (one demote per rung);
3. the first active goal that is not stale -> ``reflect`` on it (it is also the focus);
4. mental models flagged for revision (accuracy below 0.5), least accurate first, at
   most 2 -> ``revise_model`` each;
5. none of the above -> ``rest``.

The plan is not trimmed here: ACT runs it in order within the energy left.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import structlog

from orchestra.heartbeat.decision import Decision, GoalChange, PlannedAction
from orchestra.services.surface import CognitiveServices

log = structlog.get_logger(__name__)

PROCEDURAL_CONFIDENCE = 0.5
"""Rules read state but weigh nothing, so the fallback claims middling confidence."""
_LADDER_STEPS = {"active": 2, "queued": 1, "backburner": 0}
"""Demotions from each priority down to the backburner."""


async def procedural_decision(
    services: CognitiveServices,
    *,
    reason: str,
    stale_after_days: float = 7.0,
    max_revisions: int = 2,
) -> Decision:
    """Decide by the legacy rules, from stored goals and mental models.

    Args:
        services: the services whose state the rules read (nothing is written).
        reason: why the fallback ran (e.g. the model error); quoted in ``reasoning``.
        stale_after_days: goals not updated for this long go to the backburner.
        max_revisions: most models revised in one beat.

    Returns:
        A valid decision: reasoning naming every rule that fired, emotional state 0,
        confidence 0.5, the reflected goal as focus.
    """
    goals = (await services.list_goals(limit=1000))["goals"]
    cutoff = time.time() - stale_after_days * 86400
    actions: list[PlannedAction] = []
    changes: list[GoalChange] = []
    fired: list[str] = []

    if not goals:
        actions.append(PlannedAction(action="brainstorm_goals", params={}, reason="there are no open goals"))
        fired.append("no open goals, so brainstorm new ones from recent memories")

    stale = [g for g in goals if _updated(g) < cutoff]
    for goal in stale:
        steps = _LADDER_STEPS[goal["priority"]]
        days = int((time.time() - _updated(goal)) // 86400)
        note = f"untouched for {days} days; moved to the backburner by the procedural fallback"
        changes.extend(GoalChange(goal_id=goal["goal_id"], action="demote", note=note) for _ in range(steps))
        if steps:
            fired.append(f"goal {goal['title']!r} untouched for {days} days, so demote it to the backburner")

    stale_ids = {g["goal_id"] for g in stale}
    focus = next((g for g in goals if g["priority"] == "active" and g["goal_id"] not in stale_ids), None)
    if focus is not None:
        actions.append(
            PlannedAction(
                action="reflect",
                params={"goal_id": focus["goal_id"]},
                reason=f"reflect on the first active goal, {focus['title']!r}",
            )
        )
        fired.append(f"reflect on the first active goal {focus['title']!r}")

    for model in await services.mental_models.needing_revision(limit=max_revisions):
        trigger = (
            f"accuracy {model['accuracy']} below 0.5 over {model['resolved_predictions']} resolved "
            "predictions (procedural fallback)"
        )
        actions.append(
            PlannedAction(
                action="revise_model",
                params={"model_id": model["model_id"], "trigger_description": trigger},
                reason=f"model {model['name']!r} is flagged for revision",
            )
        )
        fired.append(f"revise mental model {model['name']!r} (accuracy {model['accuracy']})")

    if not actions and not changes:
        actions.append(PlannedAction(action="rest", params={}, reason="no rule called for action"))
        fired.append("nothing needs doing, so rest")

    reasoning = f"Procedural fallback ({reason}). Rules fired: " + "; ".join(fired) + "."
    log.info("procedural.decided", reason=reason, actions=[a.action for a in actions], changes=len(changes))
    return Decision(
        reasoning=reasoning,
        emotional_state=0.0,
        confidence=PROCEDURAL_CONFIDENCE,
        focus_goal_id=focus["goal_id"] if focus else None,
        actions=actions,
        goal_changes=changes,
    )


def _updated(goal: dict[str, Any]) -> float:
    return datetime.fromisoformat(goal["updated_at"]).timestamp()
