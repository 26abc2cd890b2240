"""Local OpenAI-compatible servers as configured: plain-text content, hopeless errors, few slots."""

from __future__ import annotations

import contextlib
import json
import threading
from pathlib import Path

import litellm
import pytest
from smolagents import ChatMessage, MessageRole

from benchmarks.server.model_server import ModelServer
from benchmarks.server.reply_scripts import RoutedScript
from orchestra.config import ModelProfile, config_from_text
from orchestra.errors import describe
from orchestra.heartbeat import Heartbeat
from orchestra.models import ProfileLiteLLMModel
from orchestra.models.retry import is_context_overflow, is_retryable
from tests.helpers import code, final
from tests.models.test_models import profile

SYSTEM_AND_USER = [
    ChatMessage(role=MessageRole.SYSTEM, content=[{"type": "text", "text": "You are terse."}]),
    ChatMessage(role=MessageRole.USER, content=[{"type": "text", "text": "hello"}]),
]
VALIDATION_500 = (
    "10 validation errors:\n"
    "  body.messages.0.ChatCompletionRequestSystemMessage.content: Input should be a valid string\n"
    "  body.messages.0.ChatCompletionRequestUserMessage.role: Input should be 'user'\n"
)


class TestPlainTextContent:
    """A profile with an api_base sends each message's content as one string."""

    def test_api_base_sends_strings(self) -> None:
        """The system message reaches the server as a string, not a list of parts."""
        with ModelServer(["hi"]) as server:
            ProfileLiteLLMModel(profile(server, model="openai/local")).generate(SYSTEM_AND_USER)
            sent = server.requests[0].messages
        assert [message["content"] for message in sent] == ["You are terse.", "hello"]

    def test_params_can_keep_parts(self) -> None:
        """``params: {flatten_messages_as_text: false}`` keeps smolagents' list of parts."""
        with ModelServer(["hi"]) as server:
            model = ProfileLiteLLMModel(
                profile(server, model="openai/local", params={"flatten_messages_as_text": False})
            )
            model.generate(SYSTEM_AND_USER)
            sent = server.requests[0].messages
        assert isinstance(sent[0]["content"], list)

    def test_hosted_profile_keeps_parts(self) -> None:
        """Without an api_base nothing changes for hosted providers."""
        assert ProfileLiteLLMModel(ModelProfile(model="openai/gpt-5-nano")).flatten_messages_as_text is False


class TestHopelessErrors:
    """A server error that the same request would get again is not retried, and its cause is kept."""

    def test_validation_500_is_tried_once_with_its_cause(self) -> None:
        """llama.cpp's 500 for a refused message shape: one request, and the reason names the field."""
        with ModelServer(["never"]) as server:
            server.fail_next(
                3, status=500, body={"error": {"message": VALIDATION_500, "type": "internal_server_error"}}
            )
            model = ProfileLiteLLMModel(profile(server, model="openai/local", max_retries=3))
            with pytest.raises(Exception) as caught:
                model.generate(SYSTEM_AND_USER)
            attempts = len(server.requests)
        assert attempts == 1
        reason = describe(caught.value)
        assert "10 validation errors:" in reason and "Input should be a valid string" in reason

    def test_plain_500_is_still_retried(self) -> None:
        """A crash-like 500 is transient: it is retried as before."""
        with ModelServer(["after retry"]) as server:
            server.fail_next(1, status=500)
            model = ProfileLiteLLMModel(profile(server, model="openai/local", max_retries=2))
            assert model.generate(SYSTEM_AND_USER).content == "after retry"
            assert [record.status for record in server.requests] == [500, 200]

    @pytest.mark.parametrize(
        "text",
        [
            "the request exceeds the available context size, try increasing it",
            "Requested tokens (9000) exceed context window of 8192",
            "This model's maximum context length is 8192 tokens",
        ],
    )
    def test_context_overflow_is_recognised(self, text: str) -> None:
        """The overflow wordings of llama.cpp, llama-cpp-python and OpenAI are overflows, not retried."""
        error = litellm.InternalServerError(message=text, llm_provider="openai", model="local")
        assert is_context_overflow(error)
        assert not is_retryable(error)

    def test_rate_limit_is_not_hopeless(self) -> None:
        """A rate limit stays retryable."""
        error = litellm.RateLimitError(message="slow down", llm_provider="openai", model="local")
        assert is_retryable(error) and not is_context_overflow(error)


class TestFewSlots:
    """``max_concurrent`` queues requests to a server that serves few at once."""

    def _overlaps(self, max_concurrent: int | None) -> int:
        gate = threading.Barrier(3, timeout=0.3)

        def reply(messages: object) -> str:
            with contextlib.suppress(threading.BrokenBarrierError):
                gate.wait()  # three requests in flight at once pass together
            return "ok"

        with ModelServer(reply) as server:
            from orchestra.config import config_from_text
            from orchestra.models import ProfileModelFactory
            from orchestra.models.spec import AgentSpec

            limit = "" if max_concurrent is None else f", max_concurrent: {max_concurrent}"
            config = config_from_text(
                f"models:\n  default: {{model: openai/local, api_base: '{server.base_url}', api_key: x{limit}}}\n"
            )
            factory = ProfileModelFactory(config)
            models = [factory(AgentSpec(name=f"agent{n}", profile="default")) for n in range(3)]
            threads = [threading.Thread(target=model.generate, args=(SYSTEM_AND_USER,)) for model in models]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            records = sorted(server.requests, key=lambda record: record.start)
        return max(
            sum(1 for other in records if other.start < record.end and record.start < other.end)
            for record in records
        )

    def test_one_slot_serialises_requests_of_every_agent(self) -> None:
        """Three agents on a one-slot profile: no two requests overlap at the server."""
        assert self._overlaps(1) == 1

    def test_without_a_limit_requests_overlap(self) -> None:
        """The measurement above can see overlap: without a limit all three are in flight at once."""
        assert self._overlaps(None) == 3


class TestReadmeLocalServer:
    """The README's local-server setup against a server that behaves like llama-cpp-python's."""

    def test_a_beat_decides_on_a_single_slot_server_that_refuses_parts(self, tmp_path: Path) -> None:
        """Plain-text content, one request at a time from the client, a structured decision, cache reuse."""
        decision = {
            "reasoning": "Nothing is pressing; note the quiet.",
            "emotional_state": 0.1,
            "confidence": 0.6,
            "focus_goal_id": None,
            "actions": [{"action": "remember", "params": {"content": "a quiet beat"}, "reason": "keep it"}],
            "goal_changes": [],
        }
        script = RoutedScript(
            {
                "You write the decision": [json.dumps(decision)],
                "You are consciousness": [code("print(abstract(task='What matters now?'))"), final("Quiet.")],
                "perceptual layer": [final("nothing new")],
                "abstract layer": [final("no pressure")],
            }
        )
        with ModelServer(script, refuse_list_content=True, slots=1, context_tokens=32_000) as server:
            profile = (
                f"{{model: openai/qwen2.5-7b-instruct, api_base: '{server.base_url}', "
                "api_key: '${LOCAL_API_KEY:-none}', max_concurrent: 1, structured_output: json_object}"
            )
            config = config_from_text(
                f"models:\n  default: {profile}\n"
                f"services: {{store_path: '{tmp_path / 'o.db'}'}}\n"
                "tools:\n  sources:\n    - services: in_process\n"
                "root: {max_steps: 4, structured_decision: true}\n"
                "layers:\n  perceptual: {tools: []}\n  abstract: {tools: []}\n"
                "graph:\n  feeds: [perceptual -> abstract]\n"
                "agents: {prefetch_upstream: true, max_memory_steps: 4}\n",
                file="local.yaml",
            )
            with Heartbeat(config) as heartbeat:
                result = heartbeat.beat()
            records = list(server.requests)
            hit_rate = server.cache_hit_rate
        assert result.fallback is False, result.fallback_reason
        assert [o["action"] for o in result.actions["executed"]] == ["remember"]
        assert records and all(record.status == 200 for record in records), "no request was refused"
        assert all(record.wait_s == 0 for record in records), "the client queued; the server never had to"
        assert hit_rate > 0
