"""Deterministic models for tests and examples: no network, every call recorded.

``ScriptedModel`` replays a queue of replies (a reply may be a callable that sees the messages);
``FunctionModel`` answers with a function of the messages. Both count calls, keep what they were
sent, and report token usage estimated at four characters a token, so code that sums tokens has
real numbers to sum.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from smolagents import ChatMessage, MessageRole, Model, TokenUsage

from orchestra.errors import ModelError

Reply = str | Callable[[list[dict[str, Any]]], str]
"""A scripted reply: fixed text, or a function of the messages (as plain dicts)."""


def message_text(message: ChatMessage | dict[str, Any]) -> str:
    """The text of a chat message, whatever shape its content has."""
    content = message.content if isinstance(message, ChatMessage) else message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def as_dicts(messages: Iterable[ChatMessage | dict[str, Any]]) -> list[dict[str, Any]]:
    """Messages as ``{"role": ..., "content": text}`` dicts, for recording and matching."""
    result = []
    for message in messages:
        role = message.role if isinstance(message, ChatMessage) else message.get("role")
        role_text = role.value if isinstance(role, MessageRole) else str(role)
        result.append({"role": role_text, "content": message_text(message)})
    return result


def estimate_tokens(text: str) -> int:
    """About four characters a token: close enough for accounting in tests."""
    return max(1, len(text) // 4) if text else 0


class RecordingModel(Model):
    """Shared bookkeeping: call count, recorded prompts, estimated token usage; thread-safe."""

    estimates_tokens: bool = True
    """False for models that spend no tokens (the offline policy reports zero)."""

    def __init__(self, model_id: str) -> None:
        super().__init__(model_id=model_id)
        self.calls: list[list[dict[str, Any]]] = []
        """Every call's messages, as dicts, in call order."""
        self._lock = threading.Lock()

    @property
    def call_count(self) -> int:
        """How many times ``generate`` was called."""
        return len(self.calls)

    def reply(self, messages: list[dict[str, Any]], **kwargs: Any) -> str:
        """The reply text for these messages."""
        raise NotImplementedError

    def generate(self, messages: list[ChatMessage | dict], **kwargs: Any) -> ChatMessage:
        plain = as_dicts(messages)
        with self._lock:
            self.calls.append(plain)
        text = self.reply(plain, **kwargs)
        prompt = "".join(message["content"] for message in plain)
        if self.estimates_tokens:
            usage = TokenUsage(input_tokens=estimate_tokens(prompt), output_tokens=estimate_tokens(text))
        else:
            usage = TokenUsage(input_tokens=0, output_tokens=0)
        return ChatMessage(role=MessageRole.ASSISTANT, content=text, token_usage=usage)


class ScriptedModel(RecordingModel):
    """Replays replies in order; running out is an error that names the model."""

    def __init__(self, replies: Iterable[Reply], *, name: str = "scripted") -> None:
        super().__init__(model_id=f"scripted/{name}")
        self.replies: list[Reply] = list(replies)
        self._next = 0

    def reply(self, messages: list[dict[str, Any]], **kwargs: Any) -> str:
        with self._lock:
            if self._next >= len(self.replies):
                raise ModelError(f"{self.model_id} ran out of replies after {len(self.replies)} calls")
            reply = self.replies[self._next]
            self._next += 1
        return reply(messages) if callable(reply) else reply


class FunctionModel(RecordingModel):
    """Answers with ``function(messages)``: for tests whose replies depend on what was asked."""

    def __init__(self, function: Callable[[list[dict[str, Any]]], str], *, name: str = "function") -> None:
        super().__init__(model_id=f"function/{name}")
        self.function = function

    def reply(self, messages: list[dict[str, Any]], **kwargs: Any) -> str:
        return self.function(messages)
