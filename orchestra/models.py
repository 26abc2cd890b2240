"""Model profiles become smolagents models: litellm underneath, a fallback chain on top.

litellm is imported nowhere else in orchestra. Two behaviours matter for a heartbeat that must
finish: retries are bounded by a total time budget (smolagents' own retryer waits 60 s, then
120 s, on a rate limit), and a profile that fails hands over to its fallbacks in order, with a
cool-down so a dead endpoint is not paid for on every step. The chain is ours rather than
litellm's Router because it must be able to end in a non-litellm model (the offline policy) and
because the Router's retry sleeps follow the server's Retry-After, which can exceed a cycle.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import structlog
from smolagents import ChatMessage, LiteLLMModel, Model, Tool

from orchestra.config import OFFLINE_MODEL_ID, Config, ModelProfile
from orchestra.errors import ModelError, describe

log = structlog.get_logger(__name__)


@dataclass(frozen=True, kw_only=True)
class AgentSpec:
    """What a model factory may know about the agent it serves."""

    name: str
    """Agent name: a layer name, or ``consciousness`` for the root."""
    profile: str
    """The model profile the config names for this agent."""
    tools: tuple[Tool, ...] = ()
    """Tools the agent can call."""
    layers: tuple[str, ...] = ()
    """Layers the agent manages (the root), in the order it should call them."""
    tool_calling: bool = False
    """True for a ToolCallingAgent (JSON tool calls), False for a CodeAgent (code blocks)."""


class ModelFactory(Protocol):
    """Builds the model for one agent; tests pass their own to script every agent."""

    def __call__(self, spec: AgentSpec) -> Model: ...


class ProfileModelFactory:
    """The default factory: each agent gets its profile's fallback chain.

    Profile health is shared by every agent the factory serves, so once the default profile has
    failed, the other layers skip it for its cool-down instead of each paying the failure again.
    """

    def __init__(self, config: Config) -> None:
        self.config = config
        self.health: dict[str, ProfileHealth] = {
            name: ProfileHealth(name=name, cooldown_s=profile.cooldown_s)
            for name, profile in config.models.items()
        }

    def __call__(self, spec: AgentSpec) -> Model:
        chain = [spec.profile, *self.config.models[spec.profile].fallbacks]
        models = [build_single_model(self.config.models[name], spec) for name in chain]
        if len(models) == 1:
            return models[0]
        return FallbackModel([(self.health[name], model) for name, model in zip(chain, models, strict=True)])


def build_single_model(profile: ModelProfile, spec: AgentSpec) -> Model:
    """One profile, no fallbacks: the offline policy or a litellm model."""
    if profile.model == OFFLINE_MODEL_ID:
        from orchestra.offline import OfflinePolicyModel

        return OfflinePolicyModel(spec)
    return ProfileLiteLLMModel(profile)


class ProfileLiteLLMModel(LiteLLMModel):
    """A ``LiteLLMModel`` whose retries are bounded by the profile's total time budget."""

    def __init__(self, profile: ModelProfile) -> None:
        import litellm

        litellm.suppress_debug_info = True  # its "Give Feedback" banner goes to stdout on every error
        kwargs: dict[str, Any] = {"drop_params": True, "max_retries": 0, **profile.params}
        if profile.temperature is not None:
            kwargs["temperature"] = profile.temperature
        if profile.max_tokens is not None:
            kwargs["max_tokens"] = profile.max_tokens
        super().__init__(model_id=profile.model, api_base=profile.api_base, api_key=profile.api_key, **kwargs)
        self.profile = profile
        self.retryer = DeadlineRetrying(
            max_retries=profile.max_retries, per_call_s=profile.timeout_s, total_s=profile.total_timeout_s
        )

    def generate(self, messages: list[ChatMessage | dict], **kwargs: Any) -> ChatMessage:
        missing = self._missing_credentials()
        if missing:
            raise ModelError(
                f"no credentials for {self.model_id}: set {' or '.join(missing)} or the profile's api_key"
            )
        return super().generate(messages, **kwargs)

    def _missing_credentials(self) -> list[str]:
        """Keys litellm says are missing; checked per call so exporting a key later takes effect."""
        if self.api_key:
            return []
        import litellm

        report = litellm.validate_environment(model=self.model_id, api_base=self.api_base)
        return [key for key in report.get("missing_keys", []) if key.endswith("API_KEY")]


def is_retryable(error: BaseException) -> bool:
    """Rate limits, timeouts and 5xx are worth another try; auth, bad requests, refused sockets are not."""
    import litellm

    retryable = (
        litellm.RateLimitError,
        litellm.Timeout,
        litellm.InternalServerError,
        litellm.ServiceUnavailableError,
    )
    return isinstance(error, retryable)


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

    def __call__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        deadline = time.monotonic() + self.total_s
        attempt = 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ModelError(f"model call exceeded its total time budget of {self.total_s:g}s")
            kwargs["timeout"] = attempt_timeout(self.per_call_s, remaining)
            try:
                return fn(*args, **kwargs)
            except Exception as error:
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
        self.answered_by: Counter[str] = Counter()
        """How many of this agent's generate calls each profile answered."""

    def generate(self, messages: list[ChatMessage | dict], **kwargs: Any) -> ChatMessage:
        errors: list[str] = []
        for index, (health, model) in enumerate(self.chain):
            is_last = index == len(self.chain) - 1
            if not is_last and health.cooling():
                errors.append(f"{health.name}: skipped, cooling down after {health.last_error}")
                continue
            try:
                message = model.generate(messages, **kwargs)
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
