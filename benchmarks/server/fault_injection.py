"""Fault injection for the model server: scripted HTTP errors and extra delays for upcoming requests.

Tests of retry, rate-limit and timeout handling need the failure to happen on a known request, so
faults are queued ("the next n requests") rather than random.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

from benchmarks.server.openai_format import error_body

_DEFAULT_ERRORS: dict[int, tuple[str, str]] = {
    429: ("rate_limit_error", "Rate limit reached (injected by benchmarks.server.model_server)."),
    500: ("server_error", "Internal server error (injected by benchmarks.server.model_server)."),
    503: ("server_error", "Service unavailable (injected by benchmarks.server.model_server)."),
}


@dataclass(frozen=True)
class Fault:
    """An error response to send instead of a completion.

    Attributes:
        status: HTTP status code.
        body: JSON-ready body, or a raw string sent as-is.
        retry_after_s: Value of the ``Retry-After`` header, if any.
    """

    status: int
    body: dict[str, Any] | str
    retry_after_s: float | None = None

    @property
    def message(self) -> str:
        """The error message, for the request log."""
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return str(self.body["error"].get("message", ""))
        return str(self.body)


def default_fault_body(status: int) -> dict[str, Any]:
    """An OpenAI-style error body suited to the status, so litellm maps it to the right exception.

    Args:
        status: HTTP status code.

    Returns:
        The body.
    """
    error_type, message = _DEFAULT_ERRORS.get(
        status, ("invalid_request_error", f"Error {status} (injected by benchmarks.server.model_server).")
    )
    return error_body(message, error_type, code=error_type)


class FaultPlan:
    """Queues of pending faults and delays, consumed one per request in arrival order; thread-safe."""

    def __init__(self) -> None:
        self._faults: deque[Fault] = deque()
        self._delays: deque[float] = deque()
        self._lock = threading.Lock()

    def fail(self, n: int, fault: Fault) -> None:
        """Make the next ``n`` requests fail with ``fault``.

        Args:
            n: How many requests.
            fault: The error to send.
        """
        with self._lock:
            self._faults.extend([fault] * n)

    def delay(self, n: int, seconds: float) -> None:
        """Add ``seconds`` before the first token of the next ``n`` requests.

        Args:
            n: How many requests.
            seconds: Extra delay each.
        """
        with self._lock:
            self._delays.extend([seconds] * n)

    def take(self) -> tuple[Fault | None, float]:
        """Consume what applies to the request just received.

        Returns:
            The fault to send (or None) and the extra delay in seconds.
        """
        with self._lock:
            fault = self._faults.popleft() if self._faults else None
            delay = self._delays.popleft() if self._delays else 0.0
            return fault, delay

    def clear(self) -> None:
        """Drop all pending faults and delays."""
        with self._lock:
            self._faults.clear()
            self._delays.clear()
