"""The Decision a heartbeat's DECIDE phase must produce, and the check that holds the root to it.

The root CodeAgent ends with ``final_answer(decision)``; :func:`check_decision` runs as a
smolagents ``final_answer_check``, so an invalid decision goes back to the agent as an error to
correct within its step limit instead of being passed on to ACT.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from orchestra.services.energy import ACTION_COSTS
from orchestra.services.vocabulary import GOAL_ACTIONS


class PlannedAction(BaseModel):
    """One action of the plan, executed through the services in ACT."""

    model_config = ConfigDict(extra="forbid")

    action: str = Field(description="One of the energy table's actions, e.g. recall, reflect, rest.")
    params: dict[str, Any] = Field(default_factory=dict, description="Arguments of the action.")
    reason: str = Field("", description="Why this action, in one sentence.")

    @field_validator("action")
    @classmethod
    def _known_action(cls, value: str) -> str:
        if value not in ACTION_COSTS:
            raise ValueError(f"unknown action {value!r}; valid: {', '.join(ACTION_COSTS)}")
        return value


class GoalChange(BaseModel):
    """A change to one goal, applied in ACT (free of energy)."""

    model_config = ConfigDict(extra="forbid")

    goal_id: str = Field(description="The goal's id, from list_goals.")
    action: Literal["promote", "demote", "complete", "abandon", "add_progress"] = Field(
        description="What to do to the goal."
    )
    note: str | None = Field(None, description="A note recorded with the change.")


assert set(GOAL_ACTIONS) == {"promote", "demote", "complete", "abandon", "add_progress"}


class Decision(BaseModel):
    """What the heartbeat decided: the plan ACT executes and RECORD keeps."""

    model_config = ConfigDict(extra="forbid")

    reasoning: str = Field(min_length=1, description="Why this plan, citing the evidence.")
    emotional_state: float = Field(ge=-1, le=1, description="-1 (distressed) to 1 (content).")
    confidence: float = Field(ge=0, le=1, description="0 (guessing) to 1 (certain).")
    focus_goal_id: str | None = Field(None, description="The goal this beat serves, if any.")
    actions: list[PlannedAction] = Field(
        default_factory=list, description="In order; trimmed to the energy budget."
    )
    goal_changes: list[GoalChange] = Field(default_factory=list, description="Goal updates to apply.")


def parse_decision(answer: Any) -> Decision:
    """A Decision from a final answer: a dict, a Decision, or JSON text.

    Raises:
        ValueError: naming every field that is wrong, so the agent can fix it.
    """
    if isinstance(answer, Decision):
        return answer
    if isinstance(answer, str):
        try:
            answer = json.loads(answer)
        except json.JSONDecodeError:
            raise ValueError(
                "final_answer must be a dict (or JSON object) with keys reasoning, emotional_state, "
                "confidence, focus_goal_id, actions, goal_changes"
            ) from None
    try:
        return Decision.model_validate(answer)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or 'decision'}: {item['msg']}"
            for item in error.errors(include_url=False)
        )
        raise ValueError(f"invalid decision: {problems}") from None


def check_decision(final_answer: Any, memory: Any = None, agent: Any = None) -> bool:
    """smolagents final_answer check: raise with the problems, so the root corrects its answer."""
    parse_decision(final_answer)
    return True


DECISION_FORMAT = """Finish with final_answer(decision) where decision is a dict:
{"reasoning": str, "emotional_state": float -1..1, "confidence": float 0..1,
 "focus_goal_id": str or None, "actions": [{"action": str, "params": dict, "reason": str}],
 "goal_changes": [{"goal_id": str, "action": "promote"|"demote"|"complete"|"abandon"|"add_progress",
                   "note": str}]}
Actions run in order and stop at the first one the energy left cannot pay for.
Example:
final_answer({"reasoning": "Energy is high and no goal is active: recall, then note it.",
 "emotional_state": 0.1, "confidence": 0.6, "focus_goal_id": None,
 "actions": [{"action": "recall", "params": {"query": "open questions"}, "reason": "context first"},
             {"action": "remember", "params": {"content": "I looked."}, "reason": "keep it"}],
 "goal_changes": []})"""
