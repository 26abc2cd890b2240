"""A layer run's budget: seconds and tokens it may spend, and the partial report when it runs out.

A beat has one deadline; split down the hierarchy, each layer run gets a share (or absolute
seconds) and optionally a token budget. Past either, the layer is interrupted between steps and
its model requests are cut off by the deadline (:func:`~orchestra.models.bound_by_deadline`), and
it reports what it had observed so far, marked ``PARTIAL`` so the root and downstream layers know
it is incomplete, instead of failing or holding up the beat.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from smolagents import MultiStepAgent
from smolagents.memory import ActionStep

from orchestra.agents.context import excerpt
from orchestra.agents.executors import bound_code_by_deadline
from orchestra.models import bound_by_deadline

PARTIAL_EXCERPT = 600
"""Characters of the last observation a partial report keeps."""


@dataclass(kw_only=True)
class RunBudget:
    """The limits of one agent run; :meth:`watch` enforces them while the run lasts."""

    deadline: float | None = None
    """``time.monotonic()`` the run must end by (the earlier of the beat's and its own share)."""
    max_tokens: int | None = None
    """Prompt plus completion tokens the run may spend."""
    exhausted: str | None = None
    """Why the run was stopped (``time budget of 12s``), once it was."""
    _timer: threading.Timer | None = field(default=None, repr=False)

    @classmethod
    def of(cls, *, cycle_deadline: float | None, seconds: float | None, max_tokens: int | None) -> RunBudget:
        """The budget of a run starting now, within the cycle's deadline."""
        own = time.monotonic() + seconds if seconds is not None else None
        bounds = [bound for bound in (cycle_deadline, own) if bound is not None]
        return cls(deadline=min(bounds) if bounds else None, max_tokens=max_tokens)

    def watch(self, agent: MultiStepAgent) -> None:
        """Bound the agent's requests by the deadline and interrupt it when a limit is reached."""
        bound_by_deadline(agent.model, self.deadline)
        bound_code_by_deadline(agent, self.deadline)
        if self.deadline is not None:
            self._timer = threading.Timer(
                max(0.0, self.deadline - time.monotonic()), self._stop, (agent, "time")
            )
            self._timer.daemon = True
            self._timer.start()
        agent.run_budget = self  # read after each step (after_step)

    def release(self, agent: MultiStepAgent) -> None:
        """End the watch: cancel the timer, lift the request bound, forget the budget."""
        if self._timer is not None:
            self._timer.cancel()
        bound_by_deadline(agent.model, None)
        bound_code_by_deadline(agent, None)
        agent.run_budget = None

    def after_step(self, agent: MultiStepAgent) -> None:
        """Called by the agent after each action step: stop it once its tokens are spent."""
        spent = agent.monitor.get_total_token_counts()
        if self.max_tokens is not None and spent.input_tokens + spent.output_tokens >= self.max_tokens:
            self._stop(agent, "tokens")

    def _stop(self, agent: MultiStepAgent, kind: str) -> None:
        if self.exhausted is None:
            if kind == "time":
                self.exhausted = "its time budget ran out"
            else:
                self.exhausted = f"its token budget of {self.max_tokens} ran out"
        agent.interrupt()


def partial_report(agent: MultiStepAgent, why: str) -> str:
    """What a stopped agent had found: its last observation, marked as partial."""
    actions = [step for step in agent.memory.steps if isinstance(step, ActionStep)]
    observed = next((step.observations for step in reversed(actions) if step.observations), None)
    found: Any = excerpt(str(observed).strip(), PARTIAL_EXCERPT) if observed else "nothing observed yet"
    return f"PARTIAL REPORT (stopped because {why}, after {len(actions)} steps): {found}"
