"""Times every model call on the client side, so overhead can be split into client stack and framework.

The server records when it received a request and when it answered; the agent's ``generate`` call
is longer by the client stack's own work: smolagents turning memory into messages, litellm building
the request and parsing the reply (logging, cost, response objects), the OpenAI SDK and httpx. That
work is the same whichever framework calls the model, so the report shows it apart from the
framework's own (agent steps, code execution, dispatch).

Every scenario's models are ``smolagents.LiteLLMModel`` instances (orchestra's profile model
subclasses it and calls ``super().generate``), so timing ``LiteLLMModel.generate`` for the duration
of a run covers them all without touching any agent.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from smolagents.models import LiteLLMModel

from benchmarks.common.intervals import Interval


class ModelTimer:
    """Records the interval of every ``LiteLLMModel.generate`` call while :meth:`timing` is active."""

    def __init__(self) -> None:
        self._calls: list[Interval] = []
        self._lock = threading.Lock()

    @contextmanager
    def timing(self) -> Iterator[ModelTimer]:
        """Time ``LiteLLMModel.generate`` (every subclass that defers to it) inside the block.

        Yields:
            This timer.
        """
        original = LiteLLMModel.generate
        LiteLLMModel.generate = self._timed(original)
        try:
            yield self
        finally:
            LiteLLMModel.generate = original

    def _timed(self, generate: Callable[..., Any]) -> Callable[..., Any]:
        def timed(model: LiteLLMModel, *args: Any, **kwargs: Any) -> Any:
            start = time.monotonic()
            try:
                return generate(model, *args, **kwargs)
            finally:
                end = time.monotonic()
                with self._lock:
                    self._calls.append((start, end))

        return timed

    def take(self) -> list[Interval]:
        """The calls recorded since the last ``take``, and forget them.

        Returns:
            ``(start, end)`` of each call, in completion order.
        """
        with self._lock:
            calls, self._calls = self._calls, []
        return calls
