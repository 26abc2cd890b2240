"""The fallback chain: profiles tried in order, each behind a small circuit breaker.

The chain is ours rather than litellm's Router because it must be able to end in a non-litellm
model (the offline policy) and because the Router's retry sleeps follow the server's Retry-After,
which can exceed a cycle.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import structlog
from smolagents import ChatMessage, Model

from orchestra.errors import ModelError, describe
from orchestra.models.offline import OfflinePolicyModel
from orchestra.models.retry import DeadlineCut

log = structlog.get_logger(__name__)


@dataclass(kw_only=True)
class ProfileHealth:
    """A profile's recent failure, shared by every agent using it: a small circuit breaker."""

    name: str
    """Profile name."""
    cooldown_s: float
    """How long to skip the profile after a failure."""
    failed_at: float | None = None
    """``time.monotonic()`` of the last failure, None once it answers again."""
    last_error: str | None = None
    """The last failure, for reports."""
    answered: int = 0
    """Generate calls this profile answered."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def cooling(self) -> bool:
        """True while the last failure is younger than the cool-down."""
        with self.lock:
            return self.failed_at is not None and time.monotonic() - self.failed_at < self.cooldown_s

    def record(self, error: str | None) -> None:
        """Note a success (None) or a failure."""
        with self.lock:
            if error is None:
                self.failed_at = None
                self.answered += 1
            else:
                self.failed_at = time.monotonic()
                self.last_error = error


class FallbackModel(Model):
    """Try profiles in order; a failed profile is skipped for its cool-down, and the switch is logged."""

    def __init__(self, chain: list[tuple[ProfileHealth, Model]]) -> None:
        if not chain:
            raise ValueError("a fallback chain needs at least one model")
        super().__init__(model_id=chain[0][1].model_id)
        self.chain = chain
        self.language_only = False
        """When True the chain ends before the offline policy: a caller that needs a language model's
        answer (the heartbeat's root) gets the profiles' errors, not steps it cannot use."""
        self.answered_by: Counter[str] = Counter()
        """How many of this agent's generate calls each profile answered."""

    def generate(self, messages: list[ChatMessage | dict], **kwargs: Any) -> ChatMessage:
        errors: list[str] = []
        for index, (health, model) in enumerate(self.chain):
            is_last = index == len(self.chain) - 1
            if self.language_only and isinstance(model, OfflinePolicyModel):
                errors.append(f"{health.name}: the offline policy is not a language model")
                break
            if not is_last and health.cooling():
                errors.append(f"{health.name}: skipped, cooling down after {health.last_error}")
                continue
            try:
                message = model.generate(messages, **kwargs)
            except DeadlineCut:
                raise  # the run's deadline, not this profile's failure: nothing to fall back to
            except Exception as error:
                reason = describe(error)
                health.record(reason)
                errors.append(f"{health.name}: {reason}")
                following = None if is_last else self.chain[index + 1][0].name
                log.warning("model_failed", profile=health.name, error=reason, falling_back_to=following)
                continue
            health.record(None)
            self.answered_by[health.name] += 1
            return message
        raise ModelError("every model profile failed: " + "; ".join(errors))
