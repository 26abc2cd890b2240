"""Scripts that answer each agent by the marker in its system prompt, in the shape the cycle runner needs.

Both suites script a cycle per agent: the root and each layer carry a marker in their system prompt
that no other agent's has, and a :class:`Route` holds that agent's replies. Two scripts serve them:

- :class:`QueuedRoutes` (the decision suite's) pushes each agent's replies onto its own queue just
  before a cycle and fails the cycle if any is left afterwards; that needs one cycle in flight at a
  time.
- :class:`StepRouter` (the scale curves') keeps no state: concurrent minds share one model server
  and interleave their requests, so the reply depends only on the request. The agent is found by
  its marker, its step by the number of assistant messages already in the conversation (a
  CodeAgent sends its earlier steps' outputs back as assistant messages); the curves check a cycle
  afterwards, by counting requests per agent.

Both name the agent of a request the same way (:func:`agent_of`), so requests per agent are
counted alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks.server.reply_scripts import Messages, RoutedScript, ScriptExhausted, message_text

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


class _ByMarker:
    """Routes, and the agent of a request by the first marker its system prompt carries."""

    def __init__(self, routes: Sequence[Route]) -> None:
        self.routes = tuple(routes)

    def agent_of(self, messages: Messages) -> str | None:
        """The agent whose marker the request's system prompt carries, else None.

        Args:
            messages: A request's messages.

        Returns:
            The agent's name.
        """
        return agent_of(self.routes, messages)


class StepRouter(_ByMarker):
    """Answers by marker and step number; thread-safe because it keeps no state.

    Args:
        routes: Tried in order; put the more specific markers first.
    """

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
        route = route_of(self.routes, messages)
        if route is None:
            raise ScriptExhausted(f"no route matches the request; agents: {[r.agent for r in self.routes]}")
        step = sum(1 for message in messages if message.get("role") == "assistant")
        if step >= len(route.replies):
            raise ScriptExhausted(
                f"{route.agent} asked for step {step + 1}; {len(route.replies)} are scripted"
            )
        return route.replies[step]

    def start_cycle(self) -> None:
        """Nothing to prepare: the reply depends only on the request."""

    def end_cycle(self) -> list[str]:
        """Nothing to check here; the curves count requests per agent instead.

        Returns:
            No problems.
        """
        return []


class QueuedRoutes(_ByMarker):
    """Each agent's replies on its own queue, refilled before every cycle; a cycle must use them all.

    Requests are matched to a queue by marker as :class:`~benchmarks.server.reply_scripts.RoutedScript`
    matches them (system prompt first, then the first user message).

    Args:
        routes: One per agent; the replies are what one cycle consumes.
    """

    def __init__(self, routes: Sequence[Route]) -> None:
        super().__init__(routes)
        self._script = RoutedScript({route.marker: [] for route in self.routes})

    def reply(self, messages: Messages) -> str:
        """The next reply on the asking agent's queue; :class:`ScriptExhausted` if none is left."""
        return self._script.reply(messages)

    def start_cycle(self) -> None:
        """Queue one cycle's replies for every agent."""
        for route in self.routes:
            self._script.queue(route.marker).push(*route.replies)

    def end_cycle(self) -> list[str]:
        """What the cycle left unused; the queues are emptied so the next cycle starts clean.

        Returns:
            One problem naming the unused replies per marker, or none.
        """
        left = {route.marker: self._script.queue(route.marker).remaining for route in self.routes}
        if not any(left.values()):
            return []
        for route in self.routes:
            queue = self._script.queue(route.marker)
            while queue.remaining:
                queue.reply([])
        return [f"unused replies={left}"]


def route_of(routes: Sequence[Route], messages: Messages) -> Route | None:
    """The first route whose marker the request's system (or developer) messages carry.

    Args:
        routes: Tried in order.
        messages: A request's messages.

    Returns:
        The route, or None.
    """
    system = " ".join(message_text(m) for m in messages if m.get("role") in ("system", "developer"))
    return next((route for route in routes if route.marker in system), None)


def agent_of(routes: Sequence[Route], messages: Messages) -> str | None:
    """The agent of the first route whose marker the request's system prompt carries.

    Args:
        routes: Tried in order.
        messages: A request's messages.

    Returns:
        The agent's name, or None.
    """
    route = route_of(routes, messages)
    return route.agent if route else None
