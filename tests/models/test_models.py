"""Model profiles through litellm's real HTTP path, bounded retries, and the fallback chain."""

from __future__ import annotations

import time

import pytest
from smolagents import ChatMessage, MessageRole

from benchmarks.server.model_server import ModelServer
from benchmarks.server.reply_scripts import RoutedScript
from orchestra.agents.hierarchy import build_hierarchy
from orchestra.config import ModelProfile, config_from_text
from orchestra.errors import ModelError
from orchestra.models import (
    AgentSpec,
    DeadlineRetrying,
    FallbackModel,
    ProfileHealth,
    ProfileLiteLLMModel,
    ProfileModelFactory,
    attempt_timeout,
)
from orchestra.models.scripted import FunctionModel, ScriptedModel
from tests.helpers import code, final

HELLO = [ChatMessage(role=MessageRole.USER, content=[{"type": "text", "text": "hello"}])]


def profile(server: ModelServer, **overrides: object) -> ModelProfile:
    fields = {"model": "openai/test-model", "api_base": server.base_url, "api_key": "test", **overrides}
    return ModelProfile.model_validate(fields)


class TestLiteLLMPath:
    """A profile with an api_base talks to any OpenAI-compatible server."""

    def test_generate_returns_text_and_usage(self) -> None:
        with ModelServer(["Hi there."]) as server:
            message = ProfileLiteLLMModel(profile(server)).generate(HELLO)
            sent = server.requests[0]
        assert message.content == "Hi there."
        assert message.token_usage is not None
        assert message.token_usage.input_tokens == sent.prompt_tokens
        assert message.token_usage.output_tokens == sent.completion_tokens

    def test_repeated_calls_reuse_one_http_client(self) -> None:
        import litellm

        cache = litellm.in_memory_llm_clients_cache.cache_dict
        with ModelServer(["one", "two", "three", "four"]) as server:
            budget = {"timeout_s": 30, "total_timeout_s": 20}  # every attempt is bounded by time left
            model = ProfileLiteLLMModel(profile(server, api_key="reuse-key", **budget))
            model.generate(HELLO)
            clients = len(cache)
            for _ in range(3):
                time.sleep(0.01)  # the time left of the budget differs on every call
                model.generate(HELLO)
            assert len(cache) == clients

    def test_rate_limit_is_retried_within_budget(self) -> None:
        with ModelServer(["after retry"]) as server:
            server.fail_next(1, status=429, retry_after_s=0.05)
            model = ProfileLiteLLMModel(profile(server, max_retries=2))
            assert model.generate(HELLO).content == "after retry"
            assert [record.status for record in server.requests] == [429, 200]

    def test_retries_stop_at_the_total_budget(self) -> None:
        with ModelServer(["never"]) as server:
            server.fail_next(10, status=429, retry_after_s=5)
            model = ProfileLiteLLMModel(profile(server, max_retries=5, total_timeout_s=1.0))
            started = time.monotonic()
            with pytest.raises(Exception, match="(?i)rate"):
                model.generate(HELLO)
            assert time.monotonic() - started < 1.0
            assert len(server.requests) == 1

    def test_missing_credentials_fail_fast(self) -> None:
        model = ProfileLiteLLMModel(ModelProfile(model="openai/gpt-5-nano"))
        with pytest.raises(ModelError, match="set OPENAI_API_KEY or the profile's api_key"):
            model.generate(HELLO)

    def test_hierarchy_runs_through_litellm(self) -> None:
        script = RoutedScript(
            {
                "You are consciousness": [
                    code("print(abstract(task='Forecast.'))"),
                    final("decided over HTTP"),
                ],
                "perceptual layer": [final("patterns seen")],
                "abstract layer": [final("forecast made")],
            }
        )
        with ModelServer(script) as server:
            text = (
                f"models:\n  default: {{model: openai/test, api_base: '{server.base_url}', api_key: test}}\n"
                "layers:\n  perceptual: {tools: []}\n  abstract: {tools: []}\n"
                "graph:\n  feeds: [perceptual -> abstract]\n"
            )
            with build_hierarchy(config_from_text(text)) as hierarchy:
                result = hierarchy.run("Decide.")
            requests = server.requests
        assert result.ok, result.error
        assert result.answer == "decided over HTTP"
        assert len(requests) == 4
        assert result.input_tokens == sum(record.prompt_tokens for record in requests)
        assert [layer.layer for layer in result.layers] == ["perceptual", "abstract"]


class TestDeadlineRetrying:
    """Retries are bounded in count and in total time."""

    def test_gives_up_after_max_retries(self) -> None:
        import litellm

        calls: list[float] = []

        def always_rate_limited(**kwargs: object) -> None:
            calls.append(float(kwargs["timeout"]))  # type: ignore[arg-type]
            raise litellm.RateLimitError("429", llm_provider="openai", model="x")

        retry = DeadlineRetrying(max_retries=2, per_call_s=5, total_s=60, sleep=lambda s: None)
        with pytest.raises(litellm.RateLimitError):
            retry(always_rate_limited)
        assert len(calls) == 3
        assert all(timeout <= 5 for timeout in calls)

    def test_attempt_timeouts_are_whole_seconds_within_the_budget(self) -> None:
        assert attempt_timeout(30.0, 100.0) == 30.0
        assert attempt_timeout(30.0, 12.7) == 12.0
        assert attempt_timeout(30.0, 0.4) == 1.0
        assert {attempt_timeout(5.0, 5.0 - i / 100) for i in range(500)} <= {1.0, 2.0, 3.0, 4.0, 5.0}

    def test_does_not_retry_bad_requests(self) -> None:
        calls = 0

        def bad(**kwargs: object) -> None:
            nonlocal calls
            calls += 1
            raise ValueError("bad request")

        with pytest.raises(ValueError):
            DeadlineRetrying(max_retries=3, per_call_s=1, total_s=10, sleep=lambda s: None)(bad)
        assert calls == 1


class TestFallbackChain:
    """A failing profile hands over to the next, says so, and cools down."""

    def chain(self, first: object, second: object, cooldown: float = 30.0) -> FallbackModel:
        return FallbackModel(
            [
                (ProfileHealth(name="primary", cooldown_s=cooldown), first),  # type: ignore[list-item]
                (ProfileHealth(name="backup", cooldown_s=cooldown), second),  # type: ignore[list-item]
            ]
        )

    def test_falls_back_and_cools_down(self) -> None:
        def broken(messages: object) -> str:
            raise ConnectionError("refused")

        primary, backup = FunctionModel(broken), ScriptedModel(["one", "two"])
        model = self.chain(primary, backup)
        assert model.generate(HELLO).content == "one"
        assert model.generate(HELLO).content == "two"
        assert primary.call_count == 1, "the cooling profile must not be paid for again"
        assert model.answered_by == {"backup": 2}
        assert model.chain[0][0].last_error == "ConnectionError: refused"

    def test_primary_is_tried_again_after_cooldown(self) -> None:
        replies = iter([ConnectionError("down"), "back"])

        def flaky(messages: object) -> str:
            reply = next(replies)
            if isinstance(reply, Exception):
                raise reply
            return reply

        model = self.chain(FunctionModel(flaky), ScriptedModel(["backup answer"]), cooldown=0.0)
        assert model.generate(HELLO).content == "backup answer"
        assert model.generate(HELLO).content == "back"

    def test_all_failing_raises_with_every_reason(self) -> None:
        model = self.chain(ScriptedModel([]), ScriptedModel([]))
        with pytest.raises(ModelError) as caught:
            model.generate(HELLO)
        assert "primary: ModelError" in str(caught.value)
        assert "backup: ModelError" in str(caught.value)

    def test_default_config_falls_back_to_offline_without_a_key(self) -> None:
        config = config_from_text(
            "models:\n  default: {model: openai/gpt-5-nano, fallbacks: [offline]}\n"
            "  offline: {model: orchestra/offline}\n"
        )
        factory = ProfileModelFactory(config)
        model = factory(AgentSpec(name="perceptual", profile="default"))
        message = model.generate([ChatMessage(role=MessageRole.USER, content="New task:\nLook around.")])
        assert "final_answer(" in (message.content or "")
        assert factory.health["default"].last_error is not None
        assert "OPENAI_API_KEY" in factory.health["default"].last_error
