"""Model profiles become smolagents models: litellm underneath, a fallback chain on top.

litellm is imported nowhere else in orchestra (and only when a litellm model is built, so
``import orchestra`` stays fast and offline). A profile that fails hands over to its fallbacks in
order (:mod:`orchestra.models.fallback`), each attempt bounded by the profile's total time budget
(:mod:`orchestra.models.retry`).
"""

from __future__ import annotations

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

    def __call__(self, spec: AgentSpec) -> Model:
        chain = [spec.profile, *self.config.models[spec.profile].fallbacks]
        models = [build_single_model(self.config.models[name], spec) for name in chain]
        if len(models) == 1:
            return models[0]
        return FallbackModel([(self.health[name], model) for name, model in zip(chain, models, strict=True)])


def build_single_model(profile: ModelProfile, spec: AgentSpec) -> Model:
    """One profile, no fallbacks: the offline policy or a litellm model."""
    if profile.model == OFFLINE_MODEL_ID:
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
