"""A model's reply is bounded: a huge one is refused as a failure, never replayed into prompts."""

from __future__ import annotations

from typing import Any

import pytest
from smolagents import ChatMessage, LiteLLMModel, MessageRole

from orchestra.config import ModelProfile
from orchestra.errors import ModelError
from orchestra.models.profiles import ProfileLiteLLMModel, bounded_reply


def test_a_reply_within_the_limit_passes() -> None:
    reply = ChatMessage(role=MessageRole.ASSISTANT, content="x" * 100)
    assert bounded_reply(reply, "openai/test", 100) is reply


def test_a_huge_reply_is_refused_with_its_size() -> None:
    reply = ChatMessage(role=MessageRole.ASSISTANT, content="x" * 10_000_001)
    with pytest.raises(ModelError, match="replied 10,000,001 characters; the profile's max_reply_chars is 100,000"):
        bounded_reply(reply, "openai/test", 100_000)


def test_the_profile_model_applies_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    def huge(self: Any, messages: Any, **kwargs: Any) -> ChatMessage:
        return ChatMessage(role=MessageRole.ASSISTANT, content="y" * 5_000)

    monkeypatch.setattr(LiteLLMModel, "generate", huge)
    model = ProfileLiteLLMModel(ModelProfile(model="openai/test", api_key="test", max_reply_chars=1_000))
    with pytest.raises(ModelError, match="replied 5,000 characters"):
        model.generate([{"role": "user", "content": "hi"}])
