"""Models: profiles → litellm models with bounded retries and a fallback chain; the offline
policy; scripted test models; the ``AgentSpec`` a model factory is given."""

from orchestra.models.fallback import FallbackModel, ProfileHealth
from orchestra.models.offline import OfflinePolicyModel
from orchestra.models.profiles import (
    ProfileLiteLLMModel,
    ProfileModelFactory,
    bound_by_deadline,
    build_single_model,
)
from orchestra.models.retry import DeadlineRetrying, attempt_timeout, is_retryable
from orchestra.models.scripted import FunctionModel, RecordingModel, Reply, ScriptedModel
from orchestra.models.spec import AgentSpec, ModelFactory

__all__ = [
    "AgentSpec",
    "DeadlineRetrying",
    "FallbackModel",
    "FunctionModel",
    "ModelFactory",
    "OfflinePolicyModel",
    "ProfileHealth",
    "ProfileLiteLLMModel",
    "ProfileModelFactory",
    "RecordingModel",
    "Reply",
    "ScriptedModel",
    "attempt_timeout",
    "bound_by_deadline",
    "build_single_model",
    "is_retryable",
]
