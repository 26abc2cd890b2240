"""The closed vocabularies of the cognitive surface (reference §1), in one place."""

from __future__ import annotations

MEMORY_TYPES: tuple[str, ...] = ("episodic", "semantic", "procedural", "strategic")

LAYERS: tuple[str, ...] = ("sensorimotor", "perceptual", "conceptual", "abstract", "metacognitive")
"""The five ThoughtSeed layers, bottom-up."""

GOAL_PRIORITIES: tuple[str, ...] = ("active", "queued", "backburner")
GOAL_SOURCES: tuple[str, ...] = ("curiosity", "user_request", "identity", "derived", "external")
GOAL_ACTIONS: tuple[str, ...] = ("promote", "demote", "complete", "abandon", "add_progress")

MODEL_DOMAINS: tuple[str, ...] = ("user", "self", "world", "task_specific")
MODEL_STATUSES: tuple[str, ...] = ("draft", "active", "deprecated")
DOMAIN_LAYER: dict[str, str] = {
    "user": "conceptual",
    "self": "metacognitive",
    "world": "abstract",
    "task_specific": "perceptual",
}
"""Layer at which a model's prediction thoughtseeds compete."""

BASIN_STATES: tuple[str, ...] = ("dormant", "activating", "active", "saturated", "decaying", "inhibited")

MCP_VALUE_KEY = "x-orchestra-value"
"""Output-schema keyword naming the property of a structured result that an agent is handed.

Some tools answer both a prompt and a program: ``semantic_recall``'s value is text (what the
in-process tool returns) and other MCP clients also read its memories as data. Its output
schema says ``"x-orchestra-value": "result"``; orchestra's bridge hands the agent that
property, so the agent sees the same value over MCP as in process.
"""
