"""Retries bounded by a total time budget: a heartbeat must finish.

smolagents' own retryer waits 60 s, then 120 s, on a rate limit; a beat cannot. Only failures a
retry can fix are retried (rate limits, timeouts, 5xx), with capped exponential backoff or the
server's Retry-After, never past the deadline.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog

from orchestra.errors import ModelError

log = structlog.get_logger(__name__)


HOPELESS_MARKERS = (
    "validation error",
    "context length",
    "context window",
    "context size",
    "maximum context",
    "exceeds the context",
    "exceed context",
    "n_ctx",
    "too many tokens",
    "prompt is too long",
)
"""Words of a server error that the same request will get again: a retry cannot fix it.

Local servers answer a request they cannot parse, or a prompt longer than their context, with a
500 like any crash; its text tells the difference."""


def is_hopeless(error: BaseException) -> bool:
    """True when the error's text says the request itself is wrong (refused shape, context overflow)."""
    text = str(error).lower()
    return any(marker in text for marker in HOPELESS_MARKERS)


def is_context_overflow(error: BaseException) -> bool:
    """True when the error says the prompt did not fit the model's context."""
    import litellm

    if isinstance(error, litellm.ContextWindowExceededError):
        return True
    text = str(error).lower()
    return any(marker in text for marker in HOPELESS_MARKERS[1:])


def is_retryable(error: BaseException) -> bool:
    """Rate limits, timeouts and 5xx are worth another try; auth, bad requests, refused sockets,
    and a 5xx whose text says the request itself is wrong (:func:`is_hopeless`) are not."""
    import litellm

    retryable = (
        litellm.RateLimitError,
        litellm.Timeout,
        litellm.InternalServerError,
        litellm.ServiceUnavailableError,
    )
    return isinstance(error, retryable) and not is_hopeless(error)


class DeadlineCut(ModelError):
    """A request cut off (or not made) because the run's deadline came: the run's doing, not the
    profile's, so the fallback chain neither marks the profile failed nor tries the next one."""


def _is_timeout(error: BaseException) -> bool:
    import litellm

    return isinstance(error, litellm.Timeout) or "timed out" in str(error).lower()


@dataclass(kw_only=True)
class DeadlineRetrying:
    """Retry transient failures with capped exponential backoff, never past a total deadline.

    Each attempt gets ``per_call_s``, or the whole seconds left when fewer remain (at least one),
    so one generate call cannot outlive ``total_s`` by more than a second plus the transport's
    connect slack. Whole seconds, because litellm caches its HTTP clients by timeout: a timeout
    that changed on every call built a new client, and a new connection, on every call.
    """

    max_retries: int
    per_call_s: float
    total_s: float
    base_wait_s: float = 0.5
    max_wait_s: float = 8.0
    sleep: Callable[[float], None] = time.sleep
    hard_deadline: float | None = None
    """``time.monotonic()`` past which no attempt runs, whatever the profile's budget: the beat's (or a
    layer's) deadline, so a request in flight then is cut off by its timeout instead of running on."""

    def __call__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        own_deadline = time.monotonic() + self.total_s
        deadline = own_deadline if self.hard_deadline is None else min(own_deadline, self.hard_deadline)
        attempt = 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if deadline < own_deadline:
                    raise DeadlineCut("model call not made: the deadline of this run has passed")
                raise ModelError(f"model call exceeded its total time budget of {self.total_s:g}s")
            kwargs["timeout"] = attempt_timeout(self.per_call_s, remaining)
            # the run's deadline, not the profile's timeout, bounds this attempt
            cut_by_deadline = deadline < own_deadline and kwargs["timeout"] < self.per_call_s
            try:
                return fn(*args, **kwargs)
            except Exception as error:
                if cut_by_deadline and _is_timeout(error):
                    raise DeadlineCut("model request cut off at the deadline of this run") from error
                if attempt >= self.max_retries or not is_retryable(error):
                    raise
                wait = _retry_after(error) or min(self.max_wait_s, self.base_wait_s * 2**attempt)
                wait *= 1 + random.uniform(0, 0.1)
                if time.monotonic() + wait >= deadline:
                    raise
                attempt += 1
                log.info("model_retry", attempt=attempt, wait_s=round(wait, 2), error=type(error).__name__)
                self.sleep(wait)


def attempt_timeout(per_call_s: float, remaining_s: float) -> float:
    """The timeout of one attempt: ``per_call_s``, else the whole seconds left (at least one).

    Args:
        per_call_s: The profile's per-call timeout.
        remaining_s: Seconds left of the total budget (positive).

    Returns:
        A timeout drawn from at most ``ceil(per_call_s) + 1`` distinct values.
    """
    if remaining_s >= per_call_s:
        return per_call_s
    return float(max(1, math.floor(remaining_s)))


def _retry_after(error: BaseException) -> float | None:
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None) or {}
    try:
        value = headers.get("retry-after")
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
