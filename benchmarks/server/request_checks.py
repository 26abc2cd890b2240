"""Refusals a local inference server makes before generating: list contents and context overflows.

Both are opt-in modes of :class:`~benchmarks.server.model_server.ModelServer`, so tests can meet the
errors real local servers send without a real model:

* llama-cpp-python's server validates messages with pydantic models whose ``content`` must be a
  string, and its error handler answers the validation error with HTTP 500 (see
  :func:`list_content_refusal`);
* llama-cpp-python refuses a request whose tokens do not fit the context window with
  ``Requested tokens (n) exceed context window of N`` (see :func:`context_overflow`).
"""

from __future__ import annotations

from typing import Any


def _message_model(message: dict[str, Any]) -> str:
    """The name of llama-cpp-python's pydantic model for a message of this role."""
    role = message.get("role")
    if isinstance(role, str) and role:
        return f"ChatCompletionRequest{role.capitalize()}Message"
    return "ChatCompletionRequestMessage"


def list_content_refusal(messages: list[Any]) -> str | None:
    """The validation error for messages whose ``content`` is a list of parts, as pydantic words it.

    Args:
        messages: The request's messages.

    Returns:
        ``"<N> validation errors:"`` followed by one indented line per offending message, naming its
        index and model (``body.messages.0.ChatCompletionRequestSystemMessage.content: Input should be
        a valid string``; ``1 validation error:`` when there is one), or None if every content is a
        string (or absent).
    """
    lines = [
        f"  body.messages.{i}.{_message_model(message)}.content: Input should be a valid string"
        for i, message in enumerate(messages)
        if isinstance(message, dict) and isinstance(message.get("content"), list)
    ]
    if not lines:
        return None
    header = f"{len(lines)} validation error{'s' if len(lines) != 1 else ''}:"
    return "\n".join([header, *lines])


def requested_completion_tokens(request: dict[str, Any]) -> int:
    """The completion budget a request asks for: ``max_completion_tokens``, else ``max_tokens``, else 0.

    Args:
        request: The request body.

    Returns:
        The budget; 0 when absent or not a positive integer.
    """
    for key in ("max_completion_tokens", "max_tokens"):
        value = request.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return 0


def context_overflow(prompt_tokens: int, request: dict[str, Any], context_tokens: int) -> str | None:
    """The error for a request that does not fit the context window, in llama-cpp-python's words.

    Args:
        prompt_tokens: Prompt tokens as the server counts them.
        request: The request body (for its completion budget).
        context_tokens: The context window.

    Returns:
        ``Requested tokens (<prompt + budget>) exceed context window of <context_tokens>`` when the
        prompt plus the completion budget exceeds the window, else None.
    """
    requested = prompt_tokens + requested_completion_tokens(request)
    if requested <= context_tokens:
        return None
    return f"Requested tokens ({requested}) exceed context window of {context_tokens}"
