"""DECIDE: constrained decisions, deadlines that hold, partial traces and partial layer reports."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

from smolagents import ChatMessage

from benchmarks.server.model_server import ModelServer
from orchestra.agents.hierarchy import build_hierarchy
from orchestra.config import config_from_text
from orchestra.heartbeat import Heartbeat
from orchestra.heartbeat.decision import parse_decision
from orchestra.heartbeat.structured import decision_schema, steps
from orchestra.models import AgentSpec, FallbackModel, ProfileModelFactory, bound_by_deadline
from orchestra.models.profiles import as_json_object
from orchestra.models.retry import DeadlineCut
from orchestra.models.scripted import ScriptedModel
from tests.heartbeat.test_heartbeat import decision, final_decision, make_config
from tests.helpers import ScriptedFactory, code, final, load


class KwargsRecordingModel(ScriptedModel):
    """A scripted model that also records each call's keyword arguments (the response format)."""

    def __init__(self, replies: list[Any], name: str) -> None:
        super().__init__(replies, name=name)
        self.kwargs: list[dict[str, Any]] = []

    def generate(self, messages: list[ChatMessage | dict], **kwargs: Any) -> ChatMessage:
        self.kwargs.append(kwargs)
        return super().generate(messages, **kwargs)


class TestDecisionSchema:
    """The schema closes over what exists: actions, goal ids, bounded numbers, list lengths."""

    def test_numbers_are_enumerated_in_tenths(self) -> None:
        """A grammar cannot bound a float's range, so the range is listed."""
        assert steps(0.0, 1.0) == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
        assert steps(-1.0, 1.0)[0] == -1.0 and len(steps(-1.0, 1.0)) == 21

    def test_goal_ids_that_exist_are_the_only_ones(self) -> None:
        """focus_goal_id and goal changes may name only the open goals (or no goal)."""
        schema = decision_schema(["g1", "g2"])
        props = schema["properties"]
        assert props["focus_goal_id"] == {"enum": ["g1", "g2", None]}
        assert props["goal_changes"]["items"]["properties"]["goal_id"] == {"enum": ["g1", "g2"]}
        assert props["actions"]["maxItems"] == 5 and props["actions"]["items"]["properties"]["action"]["enum"]

    def test_without_goals_no_goal_can_be_named(self) -> None:
        """With no open goal there is nothing to focus on or change."""
        props = decision_schema([])["properties"]
        assert props["focus_goal_id"] == {"type": "null"} and props["goal_changes"]["maxItems"] == 0

    def test_an_answer_the_schema_allows_is_a_decision(self) -> None:
        """What the grammar lets through, parse_decision accepts."""
        answer = {
            "reasoning": "r",
            "emotional_state": -0.3,
            "confidence": 0.7,
            "focus_goal_id": None,
            "actions": [{"action": "rest", "params": {}, "reason": "tired"}],
            "goal_changes": [],
        }
        assert parse_decision(json.dumps(answer)).confidence == 0.7

    def test_json_object_servers_get_their_own_shape(self) -> None:
        """llama-cpp-python takes the schema as json_object; OpenAI's shape is translated for it."""
        rf = {"type": "json_schema", "json_schema": {"name": "decision", "schema": {"type": "object"}}}
        assert as_json_object(rf) == {"type": "json_object", "schema": {"type": "object"}}
        assert as_json_object({"type": "text"}) == {"type": "text"}


class TestStructuredDecision:
    """With root.structured_decision the root finishes with notes; one structured call writes the Decision."""

    def test_notes_then_a_structured_decision(self, tmp_path: Path) -> None:
        """The root's task asks for notes, and the decision comes from the call with a response format."""
        root = KwargsRecordingModel(
            [final("The heron is back; note it."), json.dumps(decision())], name="consciousness"
        )
        factory = ScriptedFactory({"perceptual": [final("p")], "abstract": [final("a")]})
        factory.models["consciousness"] = root
        config = make_config(tmp_path, overrides=["root.structured_decision=true"])
        with Heartbeat(config, model_factory=factory) as heartbeat:
            result = heartbeat.beat()
        assert result.fallback is False, result.fallback_reason
        assert [o["action"] for o in result.actions["executed"]] == ["recall", "remember"]
        assert result.structured_decision is not None and result.structured_decision["ok"] is True
        task = "\n".join(m["content"] for m in root.calls[0])
        assert "final_answer(notes)" in task and "final_answer(decision)" not in task
        assert "The heron is back" in "\n".join(m["content"] for m in root.calls[1])
        schema = root.kwargs[1]["response_format"]["json_schema"]["schema"]
        assert schema["properties"]["confidence"]["enum"][-1] == 1.0

    def test_an_invalid_structured_answer_falls_back_and_says_why(self, tmp_path: Path) -> None:
        """A structured answer that is not a decision is a fallback with its reason, not a crash."""
        root = KwargsRecordingModel([final("notes"), '{"reasoning": ""}'], name="consciousness")
        factory = ScriptedFactory({"perceptual": [final("p")], "abstract": [final("a")]})
        factory.models["consciousness"] = root
        config = make_config(tmp_path, overrides=["root.structured_decision=true"])
        with Heartbeat(config, model_factory=factory) as heartbeat:
            result = heartbeat.beat()
        assert result.fallback is True
        assert (result.fallback_reason or "").startswith("the structured decision failed:")

    def test_a_root_that_did_not_finish_still_gets_a_decision(self, tmp_path: Path) -> None:
        """A root at its step limit leaves the situation; the structured call decides from it."""
        root = KwargsRecordingModel(
            [code("print(undefined)"), code("print(undefined)"), json.dumps(decision())], name="consciousness"
        )
        factory = ScriptedFactory({"perceptual": [], "abstract": []})
        factory.models["consciousness"] = root
        config = make_config(tmp_path, overrides=["root.structured_decision=true", "root.max_steps=2"])
        with Heartbeat(config, model_factory=factory) as heartbeat:
            result = heartbeat.beat()
        assert result.fallback is False
        assert "the root did not finish" in "\n".join(m["content"] for m in root.calls[2])


class TestDeadlines:
    """Past the deadline requests are cut off, the beat ends promptly and keeps its partial trace."""

    def test_in_flight_request_is_cut_at_the_deadline(self, tmp_path: Path) -> None:
        """A 10-second request ends with the 1-second deadline: the server sees the client go away."""
        with ModelServer([final_decision(decision())] * 3) as server:
            server.delay_next(1, 10.0)
            model = f"{{model: openai/test, api_key: test, api_base: '{server.base_url}', max_retries: 0}}"
            config = make_config(tmp_path, "heartbeat: {deadline_s: 1}\n", model=model)
            with Heartbeat(config) as heartbeat:
                started = time.monotonic()
                result = heartbeat.beat()
                elapsed = time.monotonic() - started
        assert result.fallback is True and "deadline" in (result.fallback_reason or "")
        assert elapsed < 8, "the beat did not wait for the 10-second request"
        assert result.decide_seconds >= 1.0

    def test_a_deadline_beat_keeps_what_the_agents_did(self, tmp_path: Path) -> None:
        """The root's first step and the layer it called stay in the trace of a beat that timed out."""

        def slow(messages: list[dict[str, Any]]) -> str:
            time.sleep(1.5)
            return final("too late")

        factory = ScriptedFactory(
            {
                "consciousness": [code("print(abstract(task='What now?'))"), slow],
                "perceptual": [final("p")],
                "abstract": [final("a")],
            }
        )
        config = make_config(tmp_path, "heartbeat: {deadline_s: 0.8}\n")
        with Heartbeat(config, model_factory=factory) as heartbeat:
            result = heartbeat.beat()
        assert result.fallback is True and "deadline" in (result.fallback_reason or "")
        agents = [execution["agent"] for execution in result.trace]
        assert "consciousness" in agents and "abstract" in agents
        root = next(execution for execution in result.trace if execution["agent"] == "consciousness")
        assert any("abstract(" in (step.get("code") or "") for step in root["steps"])


    def test_closing_does_not_wait_for_a_layer_stuck_past_the_deadline(self, tmp_path: Path) -> None:
        """Issue 13: the result is out, so close returns although a layer's request still hangs."""
        called, release = threading.Event(), threading.Event()

        def hung(messages: list[dict[str, Any]]) -> str:
            called.set()
            release.wait(60)
            return final("far too late")

        factory = ScriptedFactory(
            {
                "consciousness": [code("print(abstract(task='What now?'))"), final("x")],
                "perceptual": [hung],  # abstract's upstream, run on the dispatcher's threads
                "abstract": [hung],
            }
        )
        config = make_config(tmp_path, "heartbeat: {deadline_s: 1.5}\n")
        try:
            heartbeat = Heartbeat(config, model_factory=factory)
            result = heartbeat.beat()
            assert called.is_set(), "the layer's model was never called"
            assert result.fallback is True and "deadline" in (result.fallback_reason or "")
            started = time.monotonic()
            heartbeat.close()
            assert time.monotonic() - started < 2.0, "close waited for the hung layer"
            assert not release.is_set()
        finally:
            release.set()


class TestLayerBudgets:
    """A layer out of its budget returns a partial report, marked as such, instead of failing."""

    def test_time_budget_gives_a_partial_report(self) -> None:
        """A layer that keeps stepping past its 0.6 s budget reports what it observed so far."""

        def step(n: int) -> Any:
            def reply(messages: list[dict[str, Any]]) -> str:
                time.sleep(0.3)
                return code(f"print('observation {n}')")

            return reply

        factory = ScriptedFactory(
            {
                "consciousness": [code("print(abstract(task='Look.'))"), final("done")],
                "abstract": [step(n) for n in range(1, 8)],
            }
        )
        config = load("layers:\n  abstract: {tools: [], max_steps: 10}\nagents: {layer_deadline_s: 0.6}\n")
        with build_hierarchy(config, model_factory=factory) as hierarchy:
            result = hierarchy.run("Go.")
        layer = result.layers[0]
        assert layer.ok and layer.partial
        assert layer.answer is not None and layer.answer.startswith(
            "PARTIAL REPORT (stopped because its time"
        )
        assert "observation" in layer.answer
        assert layer.steps < 7
        assert "PARTIAL REPORT" in "\n".join(m["content"] for m in factory.models["consciousness"].calls[1])

    def test_token_budget_gives_a_partial_report(self) -> None:
        """A layer past its token budget stops after the step that crossed it."""
        factory = ScriptedFactory(
            {
                "consciousness": [code("print(abstract(task='Look.'))"), final("done")],
                "abstract": [code(f"print('seen {n}')") for n in range(1, 8)],
            }
        )
        config = load("layers:\n  abstract: {tools: [], max_steps: 10}\nagents: {layer_max_tokens: 1}\n")
        with build_hierarchy(config, model_factory=factory) as hierarchy:
            result = hierarchy.run("Go.")
        layer = result.layers[0]
        assert layer.partial and layer.steps == 1
        assert layer.answer is not None and "token budget of 1" in layer.answer and "seen 1" in layer.answer

    def test_within_budget_nothing_is_partial(self) -> None:
        """A layer that finishes in time reports as usual."""
        factory = ScriptedFactory(
            {
                "consciousness": [code("print(abstract(task='Look.'))"), final("done")],
                "abstract": [final("a")],
            }
        )
        config = load(
            "layers:\n  abstract: {tools: []}\nagents: {layer_deadline_s: 30, layer_max_tokens: 100000}\n"
        )
        with build_hierarchy(config, model_factory=factory) as hierarchy:
            result = hierarchy.run("Go.")
        assert result.layers[0].ok and not result.layers[0].partial and result.layers[0].answer == "a"


class TestDecisionReserve:
    """A structured decision keeps part of the deadline, so a slow root still leaves a decision."""

    def test_root_out_of_its_share_still_gets_a_decision(self, tmp_path: Path) -> None:
        """The root's share (half of 3 s) passes mid-step; the reserve writes the decision."""

        def slow(messages: list[dict[str, Any]]) -> str:
            time.sleep(2.0)
            return code("print('still thinking')")

        root = KwargsRecordingModel([slow, json.dumps(decision())], name="consciousness")
        factory = ScriptedFactory({"perceptual": [], "abstract": []})
        factory.models["consciousness"] = root
        config = make_config(
            tmp_path,
            overrides=[
                "root.structured_decision=true",
                "heartbeat.deadline_s=3",
                "heartbeat.decision_reserve=0.5",
            ],
        )
        with Heartbeat(config, model_factory=factory) as heartbeat:
            result = heartbeat.beat()
        assert result.fallback is False, result.fallback_reason
        assert result.structured_decision is not None and result.structured_decision["ok"]
        assert "the root did not finish" in "\n".join(m["content"] for m in root.calls[-1])


class TestDeadlineCut:
    """A request cut at the run's deadline does not count against the profile."""

    def test_cut_request_is_not_a_profile_failure(self) -> None:
        """The chain raises DeadlineCut, leaves the profile healthy and does not fall back."""
        with ModelServer(["late"]) as server:
            server.delay_next(1, 5.0)
            config = config_from_text(
                f"models:\n  default: {{model: openai/x, api_base: '{server.base_url}', api_key: x, "
                "fallbacks: [offline]}\n  offline: {model: orchestra/offline}\n"
            )
            model = ProfileModelFactory(config)(AgentSpec(name="consciousness", profile="default"))
            assert isinstance(model, FallbackModel)
            bound_by_deadline(model, time.monotonic() + 1.0)
            started = time.monotonic()
            try:
                model.generate([ChatMessage(role="user", content=[{"type": "text", "text": "hi"}])])
            except DeadlineCut:
                cut = True
            else:
                cut = False
            elapsed = time.monotonic() - started
        assert cut and elapsed < 4
        assert model.chain[0][0].last_error is None and not model.chain[0][0].cooling()
        assert model.answered_by == {}
