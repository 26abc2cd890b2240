"""The server's record of every request, so tests and benchmarks can assert on what the model saw."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RequestRecord:
    """One chat-completions request as the server handled it.

    Attributes:
        model: ``model`` field of the request.
        messages: Messages exactly as received.
        prompt_tokens: Prompt tokens counted on ``messages`` (0 for requests that failed before counting).
        completion_tokens: Tokens of ``reply`` as sent.
        start: ``time.monotonic()`` when the request body had been read.
        end: ``time.monotonic()`` when the response was fully written (or abandoned).
        reply: Text sent, after stop sequences; empty for failures.
        streamed: Whether the client asked for SSE streaming.
        status: HTTP status sent; 499 when the client went away mid-response, 0 when the server was
            stopped before answering.
        first_token: ``time.monotonic()`` of the first content chunk when streaming, else None.
        error: Error message sent with a non-200 status, else None.
        cached_tokens: Leading prompt tokens the serving slot's prompt cache already held (prefill
            skipped them); 0 on a server without slots and for requests refused before a slot.
        served: ``time.monotonic()`` when service began (after any wait for a free slot); None for
            requests refused or failed before being admitted.
    """

    model: str
    messages: list[dict[str, Any]]
    prompt_tokens: int
    completion_tokens: int
    start: float
    end: float
    reply: str
    streamed: bool
    status: int
    first_token: float | None = None
    error: str | None = None
    cached_tokens: int = 0
    served: float | None = None

    @property
    def duration_s(self) -> float:
        """Seconds the server spent on the request, any wait for a free slot included."""
        return self.end - self.start

    @property
    def wait_s(self) -> float:
        """Seconds the request waited for a free slot (0 when it found one, or was never admitted)."""
        return 0.0 if self.served is None else self.served - self.start


class RequestLog:
    """Thread-safe, append-only list of :class:`RequestRecord` (handler threads write concurrently)."""

    def __init__(self) -> None:
        self._records: list[RequestRecord] = []
        self._lock = threading.Lock()

    def append(self, record: RequestRecord) -> None:
        """Add a record.

        Args:
            record: The finished request.
        """
        with self._lock:
            self._records.append(record)

    def snapshot(self) -> list[RequestRecord]:
        """A copy of the records so far, in completion order.

        Returns:
            A new list; later requests do not change it.
        """
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        """Forget all records."""
        with self._lock:
            self._records.clear()
