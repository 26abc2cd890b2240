"""The model server's local-server modes: list-content refusal, a context window, and slots with prompt caches."""

from __future__ import annotations

import itertools
import threading
from typing import Any

import httpx
import litellm
import pytest

from benchmarks.server.latency_model import LatencyProfile
from benchmarks.server.model_server import ModelServer
from benchmarks.server.openai_format import common_prefix_length, count_prompt_tokens, prompt_token_ids
from benchmarks.server.request_log import RequestRecord

SYSTEM = {"role": "system", "content": "You are a careful assistant who answers in one short sentence."}
FIRST = [SYSTEM, {"role": "user", "content": "What is the capital of France?"}]
FOLLOW_UP = [
    *FIRST,
    {"role": "assistant", "content": "Paris."},
    {"role": "user", "content": "And of Italy?"},
]
UNRELATED = [{"role": "user", "content": "Tell me a joke about compilers."}]
HI = [{"role": "user", "content": "hi"}]
SLOW = LatencyProfile("slow", base_s=0.3, prefill_tok_s=1e9, decode_tok_s=1e9)


def _post(server: ModelServer, messages: list[dict[str, Any]], **fields: Any) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/chat/completions", json={"model": "m", "messages": messages, **fields}, timeout=30
    )


def _post_concurrently(server: ModelServer, n: int) -> list[httpx.Response]:
    """Send ``n`` requests from ``n`` threads at once and return their responses."""
    responses: list[httpx.Response] = []
    lock = threading.Lock()

    def call() -> None:
        response = _post(server, HI)
        with lock:
            responses.append(response)

    threads = [threading.Thread(target=call) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def _served_intervals_overlap(records: list[RequestRecord]) -> bool:
    """Whether any two records were being served (from ``served`` to ``end``) at the same time."""
    ordered = sorted(records, key=lambda r: r.served or r.start)
    return any(
        later.served is not None and later.served < earlier.end
        for earlier, later in itertools.pairwise(ordered)
    )


class TestRefuseListContent:
    """``refuse_list_content=True``: llama-cpp-python's 500 for contents given as lists of parts."""

    def test_list_content_is_refused_with_one_validation_line_per_message(self) -> None:
        """Each message with list content gets a pydantic-style line naming its index and model."""
        messages = [
            {"role": "system", "content": [{"type": "text", "text": "Be terse."}]},
            {"role": "user", "content": "plain text is fine"},
            {"role": "user", "content": [{"type": "text", "text": "hi"}]},
        ]
        with ModelServer(["unused"], refuse_list_content=True) as server:
            response = _post(server, messages)
        assert response.status_code == 500
        error = response.json()["error"]
        assert error["type"] == "internal_server_error"
        assert error["message"] == (
            "2 validation errors:\n"
            "  body.messages.0.ChatCompletionRequestSystemMessage.content: Input should be a valid string\n"
            "  body.messages.2.ChatCompletionRequestUserMessage.content: Input should be a valid string"
        )
        (record,) = server.requests
        assert record.status == 500 and record.error == error["message"] and record.reply == ""

    def test_a_single_offending_message_is_worded_in_the_singular(self) -> None:
        """One offending message reads ``1 validation error:``, as pydantic words it."""
        messages = [{"role": "assistant", "content": [{"type": "text", "text": "earlier"}]}, *HI]
        with ModelServer([], refuse_list_content=True) as server:
            message = _post(server, messages).json()["error"]["message"]
        assert message.splitlines() == [
            "1 validation error:",
            "  body.messages.0.ChatCompletionRequestAssistantMessage.content: Input should be a valid string",
        ]

    def test_string_content_is_served_and_the_refusal_consumed_no_reply(self) -> None:
        """After a refusal, a plain-text request gets the first scripted reply."""
        listed = [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]
        with ModelServer(["first", "second"], refuse_list_content=True) as server:
            refused = _post(server, listed)
            served = _post(server, HI)
        assert refused.status_code == 500
        assert served.status_code == 200 and served.json()["choices"][0]["message"]["content"] == "first"
        assert [r.status for r in server.requests] == [500, 200]
        assert server.script.remaining == 1  # type: ignore[attr-defined]

    def test_litellm_surfaces_the_refusal_as_an_internal_server_error(self) -> None:
        """Through litellm the refusal is an ``InternalServerError`` carrying the validation message."""
        listed = [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]
        with (
            ModelServer([], refuse_list_content=True) as server,
            pytest.raises(litellm.InternalServerError, match="validation error"),
        ):
            litellm.completion(
                model="openai/m", api_base=server.base_url, api_key="x", messages=listed, max_retries=0
            )

    def test_list_content_is_served_when_the_mode_is_off(self) -> None:
        """By default list contents are served, as a hosted API does."""
        listed = [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]
        with ModelServer(["ok"]) as server:
            assert _post(server, listed).status_code == 200


class TestContextWindow:
    """``context_tokens=N``: llama-cpp-python's 400 when prompt plus completion budget exceeds the window."""

    def test_over_the_window_is_a_400_naming_both_numbers(self) -> None:
        """Prompt tokens plus ``max_tokens`` past the window are refused with both numbers in the message."""
        prompt = count_prompt_tokens(FIRST)
        with ModelServer(["unused"], context_tokens=prompt + 10) as server:
            response = _post(server, FIRST, max_tokens=11)
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["type"] == "invalid_request_error"
        assert error["message"] == f"Requested tokens ({prompt + 11}) exceed context window of {prompt + 10}"
        (record,) = server.requests
        assert record.status == 400 and record.prompt_tokens == prompt and record.error == error["message"]

    def test_max_completion_tokens_counts_like_max_tokens(self) -> None:
        """``max_completion_tokens`` is the budget when given."""
        prompt = count_prompt_tokens(FIRST)
        with ModelServer([], context_tokens=prompt + 5) as server:
            response = _post(server, FIRST, max_completion_tokens=6)
        assert response.status_code == 400
        assert f"Requested tokens ({prompt + 6})" in response.json()["error"]["message"]

    def test_within_the_window_is_served_and_the_refusal_consumed_no_reply(self) -> None:
        """A request that exactly fills the window, or names no budget, is served from the script in order."""
        prompt = count_prompt_tokens(FIRST)
        with ModelServer(["first", "second"], context_tokens=prompt + 10) as server:
            refused = _post(server, FIRST, max_tokens=11)
            exact = _post(server, FIRST, max_tokens=10)
            no_budget = _post(server, FIRST)
        assert refused.status_code == 400
        assert exact.status_code == 200 and exact.json()["choices"][0]["message"]["content"] == "first"
        assert (
            no_budget.status_code == 200 and no_budget.json()["choices"][0]["message"]["content"] == "second"
        )

    def test_litellm_surfaces_the_overflow_as_a_bad_request(self) -> None:
        """Through litellm the overflow is a ``BadRequestError`` (of which context-window errors are a kind)."""
        with (
            ModelServer([], context_tokens=5) as server,
            pytest.raises(litellm.BadRequestError, match="exceed context window of 5"),
        ):
            litellm.completion(
                model="openai/m", api_base=server.base_url, api_key="x", messages=FIRST, max_retries=0
            )


class TestSlots:
    """``slots=N``: at most N requests served at once, the rest queued in order."""

    def test_one_slot_serves_one_request_at_a_time(self) -> None:
        """With one slot, concurrent requests are served one after another and the later ones wait."""
        with ModelServer(["a", "b", "c"], profile=SLOW, slots=1) as server:
            responses = _post_concurrently(server, 3)
        records = server.requests
        assert [r.status_code for r in responses] == [200, 200, 200]
        assert server.max_in_flight == 1
        assert not _served_intervals_overlap(records)
        assert sum(r.wait_s > 0 for r in records) >= 1  # someone queued, and the wait is in its duration
        assert all(r.duration_s >= r.wait_s for r in records)
        assert sorted(r.reply for r in records) == ["a", "b", "c"]

    def test_without_slots_concurrent_requests_overlap(self) -> None:
        """Without ``slots`` the same requests are served together, so the one-slot check can fail."""
        with ModelServer(["a", "b", "c"], profile=SLOW) as server:
            _post_concurrently(server, 3)
        assert server.max_in_flight >= 2
        assert _served_intervals_overlap(server.requests)
        assert all(r.wait_s == 0 for r in server.requests)

    def test_two_slots_serve_two_at_a_time(self) -> None:
        """With two slots, four concurrent requests are served at most two at once."""
        with ModelServer(["a", "b", "c", "d"], profile=SLOW, slots=2) as server:
            _post_concurrently(server, 4)
        assert server.max_in_flight == 2
        assert len(server.requests) == 4

    def test_stopping_abandons_requests_waiting_for_a_slot(self) -> None:
        """A request queued behind a busy slot is abandoned (status 0) when the server stops."""
        profile = LatencyProfile("stuck", base_s=30.0, prefill_tok_s=1e9, decode_tok_s=1e9)
        server = ModelServer(["a", "b"], profile=profile, slots=1).start()
        errors: list[Exception] = []

        def call() -> None:
            try:
                _post(server, HI)
            except httpx.HTTPError as exc:
                errors.append(exc)

        threads = [threading.Thread(target=call) for _ in range(2)]
        for thread in threads:
            thread.start()
        for _ in range(500):  # until one request holds the slot and the other waits for it
            if server.in_flight == 1 and server.queued == 1:
                break
            threading.Event().wait(0.01)
        assert (server.in_flight, server.queued) == (1, 1)
        server.stop()
        for thread in threads:
            thread.join(timeout=5)
        assert not any(t.is_alive() for t in threads)
        assert len(errors) == 2
        assert [r.status for r in server.requests] == [0, 0]

    def test_slots_must_be_positive(self) -> None:
        """``slots=0`` is a configuration error, not a server that never answers."""
        with pytest.raises(ValueError):
            ModelServer([], slots=0)


class TestPromptCache:
    """Each slot's prompt cache: the prefix shared with its previous request costs no prefill."""

    def test_token_list_matches_the_prompt_count_for_plain_messages(self) -> None:
        """The cache's token list has as many tokens as the server counts for text messages."""
        smolagents_style = [{"role": "user", "content": [{"type": "text", "text": "What is 2 + 2?"}]}]
        long_text = [{"role": "user", "content": "lorem ipsum dolor sit amet, " * 200, "name": "bob"}]
        for messages in (FIRST, FOLLOW_UP, UNRELATED, smolagents_style, long_text):
            assert len(prompt_token_ids(messages)) == count_prompt_tokens(messages)

    def test_a_follow_up_on_one_slot_reuses_the_shared_prefix(self) -> None:
        """The second request's cached tokens equal the prefix it shares with the first, reported in usage."""
        shared = common_prefix_length(prompt_token_ids(FIRST), prompt_token_ids(FOLLOW_UP))
        with ModelServer(["Paris.", "Rome."], slots=1) as server:
            first = litellm.completion(
                model="openai/m", api_base=server.base_url, api_key="x", messages=FIRST
            )
            second = litellm.completion(
                model="openai/m", api_base=server.base_url, api_key="x", messages=FOLLOW_UP
            )
        first_record, second_record = server.requests
        assert shared > 0 and shared == first_record.prompt_tokens - 3  # all but the reply primer
        assert (first_record.cached_tokens, second_record.cached_tokens) == (0, shared)
        assert first.usage.prompt_tokens_details.cached_tokens == 0
        assert second.usage.prompt_tokens_details.cached_tokens == shared
        assert second.usage.prompt_tokens == second_record.prompt_tokens > shared

    def test_an_identical_request_is_cached_whole(self) -> None:
        """Repeating a request finds its whole prompt in the cache."""
        with ModelServer(["a", "b"], slots=1) as server:
            _post(server, FIRST)
            repeat = _post(server, FIRST).json()
        assert repeat["usage"]["prompt_tokens_details"]["cached_tokens"] == repeat["usage"]["prompt_tokens"]

    def test_an_unrelated_request_finds_nothing_cached(self) -> None:
        """A request that differs from the slot's previous one from its first token has no cached tokens."""
        with ModelServer(["a", "b"], slots=1) as server:
            _post(server, FIRST)
            _post(server, UNRELATED)
        assert [r.cached_tokens for r in server.requests] == [0, 0]

    def test_streamed_usage_reports_cached_tokens(self) -> None:
        """The trailing usage chunk of a stream carries the cached tokens too."""
        with ModelServer(["Paris.", "Rome."], slots=1) as server:
            _post(server, FIRST)
            body = {"stream": True, "stream_options": {"include_usage": True}}
            response = _post(server, FOLLOW_UP, **body)
        usage_line = [line for line in response.text.split("\n\n") if '"usage"' in line][-1]
        assert f'"cached_tokens": {server.requests[-1].cached_tokens}' in usage_line
        assert server.requests[-1].cached_tokens > 0

    def test_a_request_goes_to_the_slot_sharing_the_longest_prefix(self) -> None:
        """With two slots warmed by two conversations, each follow-up finds its own conversation's prefix."""
        other_first = [{"role": "user", "content": "Name a prime number."}]
        other_follow_up = [
            *other_first,
            {"role": "assistant", "content": "7"},
            {"role": "user", "content": "Another?"},
        ]
        with ModelServer(["x"] * 4, profile=SLOW, slots=2) as server:
            threads = [threading.Thread(target=_post, args=(server, m)) for m in (FIRST, other_first)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            _post(server, FOLLOW_UP)
            _post(server, other_follow_up)
        follow_up, other = server.requests[2:]
        assert follow_up.cached_tokens == common_prefix_length(
            prompt_token_ids(FIRST), prompt_token_ids(FOLLOW_UP)
        )
        assert other.cached_tokens == common_prefix_length(
            prompt_token_ids(other_first), prompt_token_ids(other_follow_up)
        )
        assert follow_up.cached_tokens > 0 and other.cached_tokens > 0

    def test_no_cache_without_slots(self) -> None:
        """A server without slots reports no cached tokens and no ``prompt_tokens_details``."""
        with ModelServer(["a", "b"]) as server:
            _post(server, FIRST)
            body = _post(server, FIRST).json()
        assert "prompt_tokens_details" not in body["usage"]
        assert [r.cached_tokens for r in server.requests] == [0, 0]
        assert server.cache_hit_rate == 0.0

    def test_cache_hit_rate_is_cached_over_prompt_tokens_of_successful_requests(self) -> None:
        """The hit rate sums cached and prompt tokens over the 200s only; refusals do not count."""
        with ModelServer(["a", "b", "c"], slots=1, context_tokens=1000) as server:
            assert server.cache_hit_rate == 0.0
            _post(server, FIRST)
            _post(server, FOLLOW_UP)
            refused = _post(server, FOLLOW_UP, max_tokens=10_000)
            _post(server, UNRELATED)
        assert refused.status_code == 400
        served = [r for r in server.requests if r.status == 200]
        assert len(served) == 3 and served[1].cached_tokens > 0
        expected = served[1].cached_tokens / sum(r.prompt_tokens for r in served)
        assert server.cache_hit_rate == pytest.approx(expected)

    def test_prefill_is_charged_only_for_uncached_tokens(self) -> None:
        """The latency model's time to first token drops by the cached tokens' prefill."""
        profile = LatencyProfile("t", base_s=0.5, prefill_tok_s=100.0, decode_tok_s=10.0)
        assert profile.ttft_s(300, cached_tokens=200) == pytest.approx(0.5 + 1.0)
        assert profile.total_s(300, 20, cached_tokens=300) == pytest.approx(0.5 + 2.0)
        assert profile.ttft_s(300) == pytest.approx(0.5 + 3.0)
