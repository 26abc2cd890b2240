"""OpenAI chat-completions wire format: token counting, stop sequences, response and SSE bodies.

Kept apart from the HTTP server so the formatting rules can be read (and tested) on their own.
"""

from __future__ import annotations

import functools
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
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


MESSAGE_FRAME_ID = -1
"""Stands for each of the tokens a chat template puts around a message (not a real token id); they
are placed after the message's own tokens, so prompts that differ in their first message share none."""
NAME_MARK_ID = -2
"""Stands for the extra token a message's ``name`` costs."""
REPLY_PRIMER_ID = -3
"""Stands for each of the tokens that prime the assistant's reply at the end of the prompt."""
TOOLS_FRAME_ID = -4
"""Marks where the tool definitions start (before the messages, where chat templates render them)."""
_TOKENS_PER_MESSAGE = 3  # what litellm's counter charges per gpt-4o message, and for the reply primer
_TEXT_PART_KEYS = {"text": "text", "thinking": "thinking", "redacted_thinking": "thinking"}


def prompt_token_ids(messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None) -> list[int]:
    """The prompt as a token sequence, for prompt caching: what a slot compares with its cache.

    The counting in :func:`count_prompt_tokens` yields no token list, so this derives one the same
    way: the ``gpt-4o`` tokenizer over the same pieces litellm counts, concatenated in message order.
    Each message is the tokens of each of its string fields in order (role, content, name +
    :data:`NAME_MARK_ID`, ...), of the text parts of a list content and of the arguments of its tool
    calls, then three :data:`MESSAGE_FRAME_ID` tokens; three :data:`REPLY_PRIMER_ID` tokens end the
    prompt. Tool definitions, if any, come first as their JSON after :data:`TOOLS_FRAME_ID`. Pieces
    are tokenized one by one, so requests that share leading messages share leading tokens, as the
    special tokens of a real chat template separate its turns.

    For plain-text messages without tools the length equals :func:`count_prompt_tokens` (same
    encoding, same 1,024-char chunks of long texts); otherwise (tool definitions, images, texts of
    millions of chars that litellm extrapolates) it is close, and callers cap a cached prefix at the
    counted prompt tokens.

    Args:
        messages: The request's messages.
        tools: The request's tool definitions, if any.

    Returns:
        Token ids; the negative ones are the structural markers above.
    """
    ids: list[int] = []
    if tools:
        ids += [TOOLS_FRAME_ID, *_encode(json.dumps(tools, ensure_ascii=False, sort_keys=True))]
    for message in messages:
        if isinstance(message, dict):
            ids += [token for key, value in message.items() for token in _field_token_ids(key, value)]
        else:
            ids += _encode(json.dumps(message, ensure_ascii=False))
        ids += [MESSAGE_FRAME_ID] * _TOKENS_PER_MESSAGE
    return ids + [REPLY_PRIMER_ID] * _TOKENS_PER_MESSAGE


def _field_token_ids(key: str, value: Any) -> list[int]:
    """Token ids of one message field, following what litellm's counter counts of it."""
    if isinstance(value, str):
        return _encode(value) + ([NAME_MARK_ID] if key == "name" else [])
    if key == "content" and isinstance(value, list):
        ids: list[int] = []
        for part in value:
            if isinstance(part, str):
                ids += _encode(part)
            elif isinstance(part, dict) and part.get("type") in _TEXT_PART_KEYS:
                ids += _encode(str(part.get(_TEXT_PART_KEYS[part["type"]]) or ""))
            else:  # images and other parts: their JSON stands in for whatever the model would see
                ids += _encode(json.dumps(part, ensure_ascii=False, sort_keys=True))
        return ids
    if key == "tool_calls" and isinstance(value, list):
        return [
            token
            for call in value
            if isinstance(call, dict) and isinstance(call.get("function"), dict)
            for token in _encode(str(call["function"].get("arguments", "")))
        ]
    return []


def _encode(text: str) -> list[int]:
    """Token ids of ``text`` exactly as litellm's counter counts it: its encoding, its 1,024-char chunks."""
    encode, chunk = _encoder()
    return [int(t) for i in range(0, len(text), chunk) for t in encode(text[i : i + chunk])]


@functools.cache
def _encoder() -> tuple[Callable[[str], Sequence[int]], int]:
    """The encoding litellm's counter uses for :data:`TOKENIZER_MODEL` and the chunk size it encodes in.

    ``litellm.encode`` picks a different encoding for ``gpt-4o`` (cl100k) than ``token_counter``
    (o200k), so the counter's own helpers are used; if a litellm release moves them, ``litellm.encode``
    stands in and token lists may differ slightly from the counts (cached prefixes are capped anyway).
    """
    try:
        from litellm.constants import TIKTOKEN_ENCODE_CHUNK_SIZE_CHARS
        from litellm.litellm_core_utils.token_counter import openai_tokenizer_encoding

        encoding = openai_tokenizer_encoding(TOKENIZER_MODEL)
        return (lambda text: encoding.encode(text, disallowed_special=())), int(
            TIKTOKEN_ENCODE_CHUNK_SIZE_CHARS
        )
    except (ImportError, AttributeError):  # pragma: no cover - depends on the litellm release
        return (lambda text: litellm.encode(model=TOKENIZER_MODEL, text=text)), 1 << 30


def common_prefix_length(a: Sequence[int], b: Sequence[int]) -> int:
    """How many leading tokens two token sequences share.

    Args:
        a: One sequence.
        b: The other.

    Returns:
        The length of their longest common prefix.
    """
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


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
    _encode("warm up")


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


def usage_dict(
    prompt_tokens: int, completion_tokens: int, cached_tokens: int | None = None
) -> dict[str, Any]:
    """The ``usage`` object.

    Args:
        prompt_tokens: Tokens received.
        completion_tokens: Tokens sent.
        cached_tokens: Prompt tokens served from a prompt cache; when given (a server with a prompt
            cache), reported as ``prompt_tokens_details.cached_tokens`` the way OpenAI and vLLM do.

    Returns:
        OpenAI ``usage`` with the total.
    """
    usage: dict[str, Any] = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    if cached_tokens is not None:
        usage["prompt_tokens_details"] = {"cached_tokens": cached_tokens}
    return usage


def _envelope(completion_id: str, kind: str, model: str) -> dict[str, Any]:
    """The fields every completion and chunk starts with, in OpenAI's order."""
    return {"id": completion_id, "object": kind, "created": int(time.time()), "model": model}


def completion_body(
    completion_id: str,
    model: str,
    text: str,
    prompt_tokens: int,
    completion_tokens: int,
    cached_tokens: int | None = None,
) -> dict[str, Any]:
    """A non-streaming ``chat.completion`` response.

    Args:
        completion_id: Response id.
        model: Model name echoed from the request.
        text: Reply text (after stop sequences).
        prompt_tokens: Prompt tokens.
        completion_tokens: Completion tokens.
        cached_tokens: Prompt tokens from the prompt cache, reported only when given.

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
        "usage": usage_dict(prompt_tokens, completion_tokens, cached_tokens),
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
    completion_id: str,
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    cached_tokens: int | None = None,
) -> dict[str, Any]:
    """The trailing usage chunk sent when ``stream_options.include_usage`` is true (empty choices).

    Args:
        completion_id: Shared id of the stream.
        model: Model name.
        prompt_tokens: Prompt tokens.
        completion_tokens: Completion tokens.
        cached_tokens: Prompt tokens from the prompt cache, reported only when given.

    Returns:
        The JSON-ready chunk.
    """
    return {
        **_envelope(completion_id, "chat.completion.chunk", model),
        "choices": [],
        "usage": usage_dict(prompt_tokens, completion_tokens, cached_tokens),
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
