"""Times every tool call, so tool time is measured rather than guessed.

A tool is instrumented by replacing its ``forward`` on the instance; smolagents' ``Tool.__call__``
looks ``forward`` up on the instance, so the agent's code, argument handling and result checks stay
exactly as they are. The original ``forward`` is kept, so instrumenting a tool again (the built-in
``observe_environment`` is one shared object) wraps the original, never a wrapper.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from smolagents import Tool

_ORIGINAL = "_decision_bench_forward"


@dataclass(frozen=True, kw_only=True)
class ToolCall:
    """One timed tool call."""

    name: str
    """The tool's name."""
    start: float
    """``time.monotonic()`` when ``forward`` was entered."""
    end: float
    """``time.monotonic()`` when it returned or raised."""


class ToolTimer:
    """Records the interval of every call of the tools it instruments; thread-safe (layers run at once)."""

    def __init__(self) -> None:
        self._calls: list[ToolCall] = []
        self._lock = threading.Lock()

    def instrument(self, tools: Iterable[Tool]) -> list[Tool]:
        """Time these tools' calls from now on.

        Args:
            tools: Tool instances, changed in place.

        Returns:
            The same tools, as a list.
        """
        tools = list(tools)
        for tool in tools:
            original = getattr(tool, _ORIGINAL, None) or tool.forward
            setattr(tool, _ORIGINAL, original)
            tool.forward = self._timed(tool.name, original)
        return tools

    def _timed(self, name: str, forward: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.monotonic()
            try:
                return forward(*args, **kwargs)
            finally:
                call = ToolCall(name=name, start=start, end=time.monotonic())
                with self._lock:
                    self._calls.append(call)

        return timed

    def take(self) -> list[ToolCall]:
        """The calls recorded since the last ``take``, and forget them.

        Returns:
            The calls, in completion order.
        """
        with self._lock:
            calls, self._calls = self._calls, []
        return calls
