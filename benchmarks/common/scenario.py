"""What the cycle runner runs: a scenario, built once, and what one of its cycles produced.

Both suites' scenarios (orchestra's hierarchy, plain smolagents agents, the scale curves' variants)
answer to this one protocol, so one runner measures them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, kw_only=True)
class RootRun:
    """What one cycle of a scenario produced."""

    ok: bool
    """False when the root raised or hit its step limit."""
    answer: Any
    """The root's final answer (the Decision dict)."""
    error: str | None
    """Why it failed, else None."""
    root_steps: int
    """The root's action steps."""
    client_prompt_tokens: int
    """Prompt tokens as the agents' clients counted them (litellm's usage), every agent summed."""
    client_completion_tokens: int
    """Completion tokens as the agents' clients counted them."""


class Scenario(Protocol):
    """One way to decide, built once and run for every cycle."""

    def run(self, task: str) -> RootRun:
        """Run one decision cycle on ``task``."""
        ...

    def close(self) -> None:
        """Release threads, executors and stores."""
        ...
