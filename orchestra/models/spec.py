"""What a model factory may know about the agent it serves, and the factory's shape."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from smolagents import Model, Tool


@dataclass(frozen=True, kw_only=True)
class AgentSpec:
    """What a model factory may know about the agent it serves."""

    name: str
    """Agent name: a layer name, or ``consciousness`` for the root."""
    profile: str
    """The model profile the config names for this agent."""
    tools: tuple[Tool, ...] = ()
    """Tools the agent can call."""
    layers: tuple[str, ...] = ()
    """Layers the agent manages (the root), in the order it should call them."""
    tool_calling: bool = False
    """True for a ToolCallingAgent (JSON tool calls), False for a CodeAgent (code blocks)."""


class ModelFactory(Protocol):
    """Builds the model for one agent; tests pass their own to script every agent."""

    def __call__(self, spec: AgentSpec) -> Model: ...
