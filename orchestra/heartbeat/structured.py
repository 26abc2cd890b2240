"""Constrained decisions: the Decision written through the provider's structured output.

A small model that consulted its layers well can still fail to write a Decision the check
accepts (0 of 3 with SmolLM2-135M). With ``root.structured_decision`` the root works as usual but
finishes with its notes, and one more call to the root's model writes the Decision under a JSON
schema the server enforces as a grammar (OpenAI, vLLM, llama.cpp, Ollama). A grammar bounds
neither a float's range nor which ids exist, so the schema enumerates them: the actions, the goal
ids that exist now, and the bounded numbers in steps of 0.1; lists have a maximum length.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from smolagents import ChatMessage, MessageRole, Model

from orchestra.errors import describe
from orchestra.heartbeat.decision import Decision, parse_decision
from orchestra.services.energy import ACTION_COSTS
from orchestra.services.vocabulary import GOAL_ACTIONS

MAX_ACTIONS = 5
MAX_GOAL_CHANGES = 3

NOTES_FORMAT = """Consult your layers and tools, then finish with final_answer(notes): a short text of \
what you found and what this mind should do now, naming the evidence. The decision itself is \
written from your notes afterwards, as JSON under a schema; do not write it yourself."""

_SYSTEM = """You write the decision of a mind's heartbeat as one JSON object that matches the given \
schema. Use only actions from the schema, put each action's arguments in params, and give one \
reason per action. Base the decision on the situation and the root's notes."""


def steps(low: float, high: float) -> list[float]:
    """``low`` to ``high`` in steps of 0.1, as the enum a grammar can enforce."""
    count = round((high - low) * 10)
    return [round(low + index / 10, 1) for index in range(count + 1)]


def decision_schema(goal_ids: list[str]) -> dict[str, Any]:
    """The JSON schema of a Decision, closed over what exists now.

    Args:
        goal_ids: the open goals' ids: the only values ``focus_goal_id`` and goal changes may name.
    """
    goal_id: dict[str, Any] = {"enum": [*goal_ids, None]} if goal_ids else {"type": "null"}
    change = {
        "type": "object",
        "properties": {
            "goal_id": {"enum": goal_ids} if goal_ids else {"type": "string"},
            "action": {"enum": list(GOAL_ACTIONS)},
            "note": {"type": "string"},
        },
        "required": ["goal_id", "action", "note"],
    }
    return {
        "type": "object",
        "properties": {
            "reasoning": {"type": "string"},
            "emotional_state": {"enum": steps(-1.0, 1.0)},
            "confidence": {"enum": steps(0.0, 1.0)},
            "focus_goal_id": goal_id,
            "actions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "action": {"enum": list(ACTION_COSTS)},
                        "params": {"type": "object"},
                        "reason": {"type": "string"},
                    },
                    "required": ["action", "params", "reason"],
                },
                "minItems": 1,
                "maxItems": MAX_ACTIONS,
            },
            "goal_changes": {
                "type": "array",
                "items": change,
                "maxItems": MAX_GOAL_CHANGES if goal_ids else 0,
            },
        },
        "required": [
            "reasoning",
            "emotional_state",
            "confidence",
            "focus_goal_id",
            "actions",
            "goal_changes",
        ],
    }


def response_format(schema: dict[str, Any]) -> dict[str, Any]:
    """OpenAI's ``response_format`` for ``schema``; a profile translates it for servers that differ."""
    # not "strict": OpenAI's strict mode refuses a free-form object (each action's params); grammar-based
    # servers (vLLM, llama.cpp, Ollama) enforce the schema either way
    return {"type": "json_schema", "json_schema": {"name": "decision", "schema": schema, "strict": False}}


@dataclass(kw_only=True)
class StructuredDecision:
    """What the structured call produced: a decision, or why there is none, and what it cost."""

    decision: Decision | None
    error: str | None
    seconds: float
    input_tokens: int
    output_tokens: int

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the beat's record."""
        return {
            "ok": self.decision is not None,
            "error": self.error,
            "seconds": round(self.seconds, 4),
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
        }


def write_decision(model: Model, situation: str, notes: str, goal_ids: list[str]) -> StructuredDecision:
    """One structured call: the situation and the root's notes in, a checked Decision out.

    Never raises for the model's sake: a failed call or an answer that is not a valid decision is
    reported in ``error``, so DECIDE can fall back and say why.
    """
    # smolagents' models take content as a list of parts (and flatten it for servers that need it)
    prompt = f"{situation}\n\nThe root's notes:\n{notes}\n\nThe decision:"
    messages = [
        ChatMessage(role=MessageRole.SYSTEM, content=[{"type": "text", "text": _SYSTEM}]),
        ChatMessage(role=MessageRole.USER, content=[{"type": "text", "text": prompt}]),
    ]
    started = time.monotonic()
    try:
        reply = model.generate(messages, response_format=response_format(decision_schema(goal_ids)))
    except Exception as failure:
        return StructuredDecision(
            decision=None,
            error=describe(failure),
            seconds=time.monotonic() - started,
            input_tokens=0,
            output_tokens=0,
        )
    usage = reply.token_usage
    tokens = (usage.input_tokens, usage.output_tokens) if usage else (0, 0)
    text = reply.content if isinstance(reply.content, str) else json.dumps(reply.content)
    try:
        decision: Decision | None = parse_decision(text)
        problem = None
    except ValueError as invalid:
        decision, problem = None, f"the structured answer was not a valid decision: {invalid}"
    return StructuredDecision(
        decision=decision,
        error=problem,
        seconds=time.monotonic() - started,
        input_tokens=tokens[0],
        output_tokens=tokens[1],
    )
