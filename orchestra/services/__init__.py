"""Cognitive services: async, store-backed, no agent code."""

from orchestra.services.settings import EmbeddingSettings, ServicesSettings, SyncSettings
from orchestra.services.surface import TOOL_NAMES, CognitiveServices

__all__ = ["TOOL_NAMES", "CognitiveServices", "EmbeddingSettings", "ServicesSettings", "SyncSettings"]
