"""Model profiles become smolagents models: litellm underneath, a fallback chain on top.

litellm is imported nowhere else in orchestra (and only when a litellm model is built, so
``import orchestra`` stays fast and offline). A profile that fails hands over to its fallbacks in
order (:mod:`orchestra.models.fallback`), each attempt bounded by the profile's total time budget
(:mod:`orchestra.models.retry`).
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from typing import Any

from smolagents import ChatMessage, LiteLLMModel, Model

from orchestra.config import OFFLINE_MODEL_ID, Config, ModelProfile
from orchestra.errors import ModelError
from orchestra.models.fallback import FallbackModel, ProfileHealth
from orchestra.models.offline import OfflinePolicyModel
from orchestra.models.retry import DeadlineRetrying
from orchestra.models.spec import AgentSpec


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
        self.slots: dict[str, threading.BoundedSemaphore] = profile_slots(config)
        """Profile → the requests it may have in flight, shared by every agent (``max_concurrent``)."""

    def __call__(self, spec: AgentSpec) -> Model:
        chain = [spec.profile, *self.config.models[spec.profile].fallbacks]
        models = [
            build_single_model(self.config.models[name], spec, slots=self.slots.get(name)) for name in chain
        ]
        if len(models) == 1:
            return models[0]
        return FallbackModel([(self.health[name], model) for name, model in zip(chain, models, strict=True)])


def profile_slots(config: Config) -> dict[str, threading.BoundedSemaphore]:
    """One semaphore per profile that declares ``max_concurrent``."""
    return {
        name: threading.BoundedSemaphore(profile.max_concurrent)
        for name, profile in config.models.items()
        if profile.max_concurrent is not None
    }


def build_single_model(
    profile: ModelProfile, spec: AgentSpec, *, slots: threading.BoundedSemaphore | None = None
) -> Model:
    """One profile, no fallbacks: the offline policy or a litellm model."""
    if profile.model == OFFLINE_MODEL_ID:
        return OfflinePolicyModel(spec)
    return ProfileLiteLLMModel(profile, slots=slots)


PROVIDER_KEY_VARIABLES = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "gemini": "GEMINI_API_KEY",
    "mistral": "MISTRAL_API_KEY",
    "groq": "GROQ_API_KEY",
    "deepseek": "DEEPSEEK_API_KEY",
    "openrouter": "OPENROUTER_API_KEY",
    "cohere": "COHERE_API_KEY",
}
"""Providers whose API key litellm reads from one variable (a missing one is known without litellm)."""


class _LazyLitellm:
    """Stands in for the ``litellm`` module until an attribute is first used."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_litellm(), name)


def _litellm() -> Any:
    import litellm

    litellm.suppress_debug_info = True  # its "Give Feedback" banner goes to stdout on every error
    return litellm


@functools.cache
def warm_litellm() -> None:
    """Import litellm in a background thread now, once: a model that will be called needs it.

    The import takes 1-3 s; left to the first request, it would be spent inside the beat's
    deadline (a 3 s DECIDE lost all of it to the import under load). A model without
    credentials never calls litellm, so the offline path does not import it at all.
    """
    if "litellm" not in sys.modules:
        threading.Thread(target=_litellm, name="orchestra-litellm-import", daemon=True).start()


def bounded_reply(reply: ChatMessage, model_id: str | None, limit: int) -> ChatMessage:
    """``reply``, unless its text is over ``limit`` characters: a huge reply would be replayed into
    every later prompt and the beat's record, so it is refused as a failure of the model.

    Raises:
        ModelError: the reply is too long (its size and the limit are named).
    """
    text = reply.content if isinstance(reply.content, str) else str(reply.content or "")
    if len(text) > limit:
        raise ModelError(
            f"{model_id} replied {len(text):,} characters; the profile's max_reply_chars is {limit:,}, "
            "so the reply was refused"
        )
    return reply


class ProfileLiteLLMModel(LiteLLMModel):
    """A ``LiteLLMModel`` whose retries are bounded by the profile's total time budget.

    A profile with an ``api_base`` (a local or self-hosted OpenAI-compatible server) sends message
    content as plain text: smolagents sends a list of parts, which llama.cpp's server refuses for
    a system message (HTTP 500, "validation errors"), and plain text means the same to every server.
    A profile with ``max_concurrent`` waits for a free slot before each request.
    """

    def __init__(self, profile: ModelProfile, *, slots: threading.BoundedSemaphore | None = None) -> None:
        kwargs: dict[str, Any] = {"drop_params": True, "max_retries": 0}
        if profile.api_base:
            kwargs["flatten_messages_as_text"] = True
        kwargs.update(profile.params)
        if profile.temperature is not None:
            kwargs["temperature"] = profile.temperature
        if profile.max_tokens is not None:
            kwargs["max_tokens"] = profile.max_tokens
        super().__init__(model_id=profile.model, api_base=profile.api_base, api_key=profile.api_key, **kwargs)
        self.profile = profile
        self.slots = slots
        self.retryer = DeadlineRetrying(
            max_retries=profile.max_retries, per_call_s=profile.timeout_s, total_s=profile.total_timeout_s
        )
        if self._unset_key_variable() is None:
            warm_litellm()

    def generate(self, messages: list[ChatMessage | dict], **kwargs: Any) -> ChatMessage:
        missing = self._missing_credentials()
        if missing:
            raise ModelError(
                f"no credentials for {self.model_id}: set {' or '.join(missing)} or the profile's api_key"
            )
        if self.profile.structured_output == "json_object" and kwargs.get("response_format"):
            kwargs["response_format"] = as_json_object(kwargs["response_format"])
        if self.slots is None:
            reply = super().generate(messages, **kwargs)
        else:
            with self.slots:
                reply = super().generate(messages, **kwargs)
        return bounded_reply(reply, self.model_id, self.profile.max_reply_chars)

    def create_client(self) -> Any:
        """litellm, imported when the first request is made: the import takes seconds, and a beat
        without a key (the offline fallback) never needs it."""
        return _LazyLitellm()

    def _unset_key_variable(self) -> str | None:
        """A known provider's own key variable when it is unset and nothing else names a key or server."""
        if self.api_key or self.api_base:
            return None
        variable = PROVIDER_KEY_VARIABLES.get((self.model_id or "").partition("/")[0])
        return variable if variable is not None and not os.environ.get(variable) else None

    def _missing_credentials(self) -> list[str]:
        """Keys litellm says are missing; checked per call so exporting a key later takes effect.

        A known provider's own key variable is looked at first, so a missing key costs no import.
        """
        if self.api_key:
            return []
        unset = self._unset_key_variable()
        if unset is not None:
            return [unset]
        report = _litellm().validate_environment(model=self.model_id, api_base=self.api_base)
        return [key for key in report.get("missing_keys", []) if key.endswith("API_KEY")]


def as_json_object(response_format: dict[str, Any]) -> dict[str, Any]:
    """OpenAI's ``{"type": "json_schema", "json_schema": {"schema": S}}`` as llama-cpp-python's
    ``{"type": "json_object", "schema": S}``; anything else unchanged."""
    if response_format.get("type") != "json_schema":
        return response_format
    return {"type": "json_object", "schema": response_format.get("json_schema", {}).get("schema", {})}


def bound_by_deadline(model: Model, deadline: float | None) -> None:
    """Make every litellm link of ``model`` (alone or in a fallback chain) stop at ``deadline``.

    Args:
        model: an agent's model.
        deadline: ``time.monotonic()`` past which no request may run; None lifts the bound.
    """
    links = [link for _, link in model.chain] if isinstance(model, FallbackModel) else [model]
    for link in links:
        if isinstance(link, ProfileLiteLLMModel):
            link.retryer.hard_deadline = deadline
