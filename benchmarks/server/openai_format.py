"""OpenAI chat-completions wire format: token counting, stop sequences, response and SSE bodies.

Kept apart from the HTTP server so the formatting rules can be read (and tested) on their own.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # never fetch the cost map over the network

import litellm

TOKENIZER_MODEL = "gpt-4o"
"""Model whose tokenizer counts usage; litellm ships its files, so counting needs no network."""


def count_prompt_tokens(messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None) -> int:
    """Count prompt tokens of what the server actually received, as a real server reports them.

    Args:
        messages: The request's messages.
        tools: The request's tool definitions, if any (they count towards the prompt).

    Returns:
        Prompt tokens by the ``gpt-4o`` tokenizer.
    """
    try:
        return int(litellm.token_counter(model=TOKENIZER_MODEL, messages=messages, tools=tools))  # type: ignore[arg-type]
    except Exception:  # unusual message shapes must not take the server down; count the raw JSON
        raw = json.dumps({"messages": messages, "tools": tools}, ensure_ascii=False)
        return count_text_tokens(raw)


def count_text_tokens(text: str) -> int:
    """Count completion tokens of the text the server sends.

    Args:
        text: Completion text.

    Returns:
        Tokens by the ``gpt-4o`` tokenizer; 0 for the empty string.
    """
    return int(litellm.token_counter(model=TOKENIZER_MODEL, text=text)) if text else 0


def warm_up_tokenizer() -> None:
    """Load the tokenizer now, so the first request's latency does not include loading it."""
    count_prompt_tokens([{"role": "user", "content": "warm up"}])
    count_text_tokens("warm up")


def apply_stop(text: str, stop: str | Sequence[str] | None) -> tuple[str, bool]:
    """Cut the reply at the earliest stop sequence, excluding it, as OpenAI-compatible servers do.

    Args:
        text: Full scripted reply.
        stop: The request's ``stop`` field: a string, a list of strings, or None.

    Returns:
        The possibly shortened text and whether a stop sequence was hit.
    """
    if not stop:
        return text, False
    stops = [stop] if isinstance(stop, str) else [s for s in stop if s]
    cuts = [i for i in (text.find(s) for s in stops) if i >= 0]
    if not cuts:
        return text, False
    return text[: min(cuts)], True


def new_completion_id() -> str:
    """A fresh ``chatcmpl-`` identifier."""
    return f"chatcmpl-{uuid.uuid4().hex[:24]}"


def usage_dict(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    """The ``usage`` object.

    Args:
        prompt_tokens: Tokens received.
        completion_tokens: Tokens sent.

    Returns:
        OpenAI ``usage`` with the total.
    """
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def _envelope(completion_id: str, kind: str, model: str) -> dict[str, Any]:
    """The fields every completion and chunk starts with, in OpenAI's order."""
    return {"id": completion_id, "object": kind, "created": int(time.time()), "model": model}


def completion_body(
    completion_id: str, model: str, text: str, prompt_tokens: int, completion_tokens: int
) -> dict[str, Any]:
    """A non-streaming ``chat.completion`` response.

    Args:
        completion_id: Response id.
        model: Model name echoed from the request.
        text: Reply text (after stop sequences).
        prompt_tokens: Prompt tokens.
        completion_tokens: Completion tokens.

    Returns:
        The JSON-ready body.
    """
    return {
        **_envelope(completion_id, "chat.completion", model),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": usage_dict(prompt_tokens, completion_tokens),
    }


def chunk_body(
    completion_id: str,
    model: str,
    delta: dict[str, Any],
    finish_reason: str | None = None,
) -> dict[str, Any]:
    """One ``chat.completion.chunk`` carrying a delta.

    Args:
        completion_id: Shared id of the stream.
        model: Model name.
        delta: ``{"role": ...}`` and/or ``{"content": ...}``, or ``{}`` on the final chunk.
        finish_reason: Set on the final content chunk.

    Returns:
        The JSON-ready chunk.
    """
    return {
        **_envelope(completion_id, "chat.completion.chunk", model),
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
    }


def usage_chunk_body(
    completion_id: str, model: str, prompt_tokens: int, completion_tokens: int
) -> dict[str, Any]:
    """The trailing usage chunk sent when ``stream_options.include_usage`` is true (empty choices).

    Args:
        completion_id: Shared id of the stream.
        model: Model name.
        prompt_tokens: Prompt tokens.
        completion_tokens: Completion tokens.

    Returns:
        The JSON-ready chunk.
    """
    return {
        **_envelope(completion_id, "chat.completion.chunk", model),
        "choices": [],
        "usage": usage_dict(prompt_tokens, completion_tokens),
    }


def error_body(message: str, error_type: str, code: str | None = None) -> dict[str, Any]:
    """An OpenAI-style error body, which the openai SDK (and so litellm) parses into its exceptions.

    Args:
        message: Human-readable explanation.
        error_type: ``type`` field, e.g. ``rate_limit_error``.
        code: Optional machine code.

    Returns:
        The JSON-ready body.
    """
    return {"error": {"message": message, "type": error_type, "param": None, "code": code}}


def sse_event(payload: dict[str, Any] | str) -> bytes:
    """Encode one server-sent event line.

    Args:
        payload: A JSON-ready chunk, or the literal ``"[DONE]"``.

    Returns:
        ``data: ...\\n\\n`` bytes.
    """
    data = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    return f"data: {data}\n\n".encode()


def split_for_stream(text: str, max_chars: int = 16) -> Iterator[str]:
    """Split a reply into small pieces, one per chunk, keeping whitespace attached to the word before.

    Words longer than ``max_chars`` are split further so long tokens-free strings still stream.

    Args:
        text: Reply text.
        max_chars: Longest piece.

    Returns:
        Pieces whose concatenation is ``text``.
    """
    piece = ""
    for ch in text:
        if piece and (len(piece) >= max_chars or (piece[-1].isspace() and not ch.isspace())):
            yield piece
            piece = ""
        piece += ch
    if piece:
        yield piece
