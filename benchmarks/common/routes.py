"""A stateless script: each agent's reply is chosen by who asks (marker) and which step it is on.

The decision benchmark pushes each cycle's replies onto per-agent queues and checks they were all
consumed; that needs one cycle in flight at a time. Concurrent minds share one model server and
interleave their requests, so here the reply depends only on the request: the agent is found by the
marker in its system prompt, its step by the number of assistant messages already in the
conversation (a CodeAgent sends its earlier steps' outputs back as assistant messages). Every curve
uses it, so all of them check a cycle the same way: afterwards, by counting requests per agent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks.server.reply_scripts import Messages, ScriptExhausted, message_text
from benchmarks.server.request_log import RequestRecord

ROOT_AGENT = "root"
"""How the root is named in ``calls_by_agent``."""


@dataclass(frozen=True, kw_only=True)
class Route:
    """One agent's scripted steps."""

    agent: str
    """Its name in ``calls_by_agent`` (``root`` or the layer's name)."""
    marker: str
    """Text found in its system prompt and no other agent's."""
    replies: tuple[str, ...]
    """Reply ``i`` answers its step ``i + 1``."""


class StepRouter:
    """Answers by marker and step number; thread-safe because it keeps no state.

    Args:
        routes: Tried in order; put the more specific markers first.
    """

    def __init__(self, routes: Sequence[Route]) -> None:
        self.routes = tuple(routes)

    def agent_of(self, messages: Messages) -> str | None:
        """The agent whose marker the request's system prompt carries, else None.

        Args:
            messages: A request's messages.

        Returns:
            The agent's name.
        """
        route = self._route(messages)
        return route.agent if route else None

    def reply(self, messages: Messages) -> str:
        """The agent's reply for its current step.

        Args:
            messages: A request's messages.

        Returns:
            The scripted reply.

        Raises:
            ScriptExhausted: No marker matches, or the agent is past its last scripted step (the
                server answers 500, so the cycle fails instead of being measured).
        """
        route = self._route(messages)
        if route is None:
            raise ScriptExhausted(f"no route matches the request; agents: {[r.agent for r in self.routes]}")
        step = sum(1 for message in messages if message.get("role") == "assistant")
        if step >= len(route.replies):
            raise ScriptExhausted(
                f"{route.agent} asked for step {step + 1}; {len(route.replies)} are scripted"
            )
        return route.replies[step]

    def calls_by_agent(self, records: Sequence[RequestRecord]) -> dict[str, int]:
        """Requests per agent (``unknown`` for unmatched ones).

        Args:
            records: Server request records.

        Returns:
            Agent → request count, sorted by agent.
        """
        counts: dict[str, int] = {}
        for record in records:
            agent = self.agent_of(record.messages) or "unknown"
            counts[agent] = counts.get(agent, 0) + 1
        return dict(sorted(counts.items()))

    def _route(self, messages: Messages) -> Route | None:
        system = " ".join(message_text(m) for m in messages if m.get("role") in ("system", "developer"))
        return next((route for route in self.routes if route.marker in system), None)
