"""The hierarchy: agents built from config, DAG-aware dispatch, failures, priors."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from smolagents import CodeAgent, ToolCallingAgent

from orchestra.agents.hierarchy import build_hierarchy
from orchestra.errors import UnknownToolError
from tests import fixture_tools
from tests.helpers import ScriptedFactory, code, final, layer_answers, load

FIVE = ["sensorimotor", "perceptual", "conceptual", "abstract", "metacognitive"]
DAG = """
graph:
  feeds: [sensorimotor -> conceptual, perceptual -> conceptual, perceptual -> abstract,
          conceptual -> metacognitive, abstract -> metacognitive]
  modulates: [metacognitive -> perceptual]
"""
ALL_LAYERS = "layers:\n" + "".join(f"  {name}: {{tools: []}}\n" for name in FIVE)


def sleepy(text: str, seconds: float) -> Any:
    def reply(messages: list[dict[str, Any]]) -> str:
        time.sleep(seconds)
        return final(text)

    return reply


class TestBuild:
    """Agents are real smolagents agents, built once."""

    def test_root_manages_configured_layers(self) -> None:
        config = load(ALL_LAYERS + DAG)
        with build_hierarchy(config, model_factory=ScriptedFactory({})) as hierarchy:
            assert isinstance(hierarchy.root, CodeAgent)
            assert list(hierarchy.root.managed_agents) == FIVE
            for name, agent in hierarchy.root.managed_agents.items():
                assert isinstance(agent, CodeAgent)
                assert agent.name == name
                assert agent.description
            assert hierarchy.layers["abstract"].max_steps == 7

    def test_tool_calling_kind_and_tools(self) -> None:
        config = load("layers:\n  sensorimotor: {kind: tool_calling, tools: [count_words]}\n")
        with build_hierarchy(config, model_factory=ScriptedFactory({})) as hierarchy:
            layer = hierarchy.layers["sensorimotor"]
            assert isinstance(layer, ToolCallingAgent)
            assert "count_words" in layer.tools

    def test_unknown_tools_listed_together_with_lines(self) -> None:
        config = load("layers:\n  sensorimotor: {tools: [remembr]}\n  perceptual: {tools: [count_word]}\n")
        with pytest.raises(UnknownToolError) as caught:
            build_hierarchy(config, model_factory=ScriptedFactory({}))
        message = str(caught.value)
        assert "layers.sensorimotor.tools[0]: unknown tool 'remembr' (did you mean 'remember'?)" in message
        assert "layers.perceptual.tools[0]: unknown tool 'count_word'" in message
        assert "valid: count_words, remember" in message
        assert "(test.yaml:7)" in message


class TestDispatch:
    """Calling a layer runs its upstream first, concurrently per generation, once per cycle."""

    def test_root_run_uses_tools_and_a_layer(self) -> None:
        fixture_tools.NOTES.clear()
        factory = ScriptedFactory(
            {
                "consciousness": [
                    code(
                        "n = remember(text='beat one')\nw = count_words(text=metacognitive(task='Assess.'))\nprint(n, w)"
                    ),
                    final("decided"),
                ],
                **layer_answers(FIVE),
            }
        )
        config = load(ALL_LAYERS + DAG + "root:\n  tools: [remember, count_words]\n")
        with build_hierarchy(config, model_factory=factory) as hierarchy:
            result = hierarchy.run("Decide.")
        assert result.ok, result.error
        assert result.answer == "decided"
        assert fixture_tools.NOTES == ["beat one"]
        assert [layer.layer for layer in result.layers if layer.requested_by == "root"] == ["metacognitive"]
        assert {layer.layer for layer in result.layers} == set(FIVE)
        assert result.root_steps == 2

    def test_upstream_runs_before_called_layer_and_reports_flow(self) -> None:
        factory = ScriptedFactory(
            {
                "consciousness": [code("print(conceptual(task='What matters?'))"), final("ok")],
                **layer_answers(FIVE, lambda name: f"REPORT-{name}"),
            }
        )
        with build_hierarchy(load(ALL_LAYERS + DAG), model_factory=factory) as hierarchy:
            result = hierarchy.run("Cycle task.")
        by_name = {layer.layer: layer for layer in result.layers}
        assert set(by_name) == {"sensorimotor", "perceptual", "conceptual"}
        conceptual = by_name["conceptual"]
        assert by_name["sensorimotor"].ended_at <= conceptual.started_at
        assert by_name["perceptual"].ended_at <= conceptual.started_at
        prompt = factory.models["conceptual"].calls[0][1]["content"]
        assert "What matters?" in prompt
        assert "### sensorimotor\nREPORT-sensorimotor" in prompt
        assert "### perceptual\nREPORT-perceptual" in prompt
        upstream_prompt = factory.models["perceptual"].calls[0][1]["content"]
        assert "Cycle task." in upstream_prompt
        root_observation = factory.models["consciousness"].calls[1][-1]["content"]
        assert "REPORT-conceptual" in root_observation

    def test_generation_members_overlap_in_time(self) -> None:
        factory = ScriptedFactory(
            {
                "consciousness": [code("print(metacognitive(task='Assess.'))"), final("ok")],
                "sensorimotor": [sleepy("s", 0.4)],
                "perceptual": [sleepy("p", 0.4)],
                "conceptual": [sleepy("c", 0.4)],
                "abstract": [sleepy("a", 0.4)],
                "metacognitive": [final("m")],
            }
        )
        with build_hierarchy(load(ALL_LAYERS + DAG), model_factory=factory) as hierarchy:
            result = hierarchy.run("Go.")
        by_name = {layer.layer: layer for layer in result.layers}
        for first, second in [("sensorimotor", "perceptual"), ("conceptual", "abstract")]:
            a, b = by_name[first], by_name[second]
            overlap = min(a.ended_at, b.ended_at) - max(a.started_at, b.started_at)
            assert overlap > 0.2, f"{first} and {second} did not run concurrently"
        assert by_name["perceptual"].ended_at <= by_name["abstract"].started_at

    def test_report_is_computed_once_per_cycle(self) -> None:
        factory = ScriptedFactory(
            {
                "consciousness": [
                    code("a = abstract(task='first')\nb = abstract(task='second')\nprint(a == b)"),
                    final("ok"),
                    code("print(abstract(task='next cycle'))"),
                    final("ok2"),
                ],
                "perceptual": [final("p1"), final("p2")],
                "abstract": [final("a1"), final("a2")],
            }
        )
        with build_hierarchy(load(ALL_LAYERS + DAG), model_factory=factory) as hierarchy:
            first = hierarchy.run("one")
            assert factory.models["abstract"].call_count == 1
            assert factory.models["perceptual"].call_count == 1
            assert "True" in factory.models["consciousness"].calls[1][-1]["content"]
            second = hierarchy.run("two")
        assert factory.models["abstract"].call_count == 2
        assert [layer.layer for layer in first.layers] == ["perceptual", "abstract"]
        assert second.ok

    def test_concurrent_root_calls_share_one_run(self) -> None:
        factory = ScriptedFactory({"perceptual": [sleepy("p", 0.2)]})
        with build_hierarchy(load(ALL_LAYERS + DAG), model_factory=factory) as hierarchy:
            hierarchy.dispatcher.begin_cycle("t")
            answers: list[str] = []
            threads = [
                threading.Thread(target=lambda: answers.append(hierarchy.dispatcher.call("perceptual", "t")))
                for _ in range(3)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            hierarchy.dispatcher.end_cycle()
        assert factory.models["perceptual"].call_count == 1
        assert len(set(answers)) == 1

    def test_failing_layer_reaches_root_as_failure(self) -> None:
        looping = code("print('still thinking')")
        factory = ScriptedFactory(
            {
                "consciousness": [code("print(perceptual(task='Look.'))"), final("handled failure")],
                "perceptual": [looping] * 3,
            }
        )
        config = load(ALL_LAYERS + DAG, overrides=["layers.perceptual.max_steps=3"])
        with build_hierarchy(config, model_factory=factory) as hierarchy:
            result = hierarchy.run("Go.")
        perceptual = result.layers[0]
        assert perceptual.layer == "perceptual"
        assert perceptual.ok is False
        assert perceptual.error == "hit its step limit (3 steps) without a final answer"
        assert perceptual.answer is None
        assert factory.models["perceptual"].call_count == 3
        observation = factory.models["consciousness"].calls[1][-1]["content"]
        assert "LayerFailedError" in observation or "layer 'perceptual' failed" in observation
        assert "step limit" in observation
        assert result.answer == "handled failure"

    def test_layer_whose_model_raises_is_a_failure(self) -> None:
        factory = ScriptedFactory(
            {
                "consciousness": [code("print(sensorimotor(task='Look.'))"), final("done")],
                "sensorimotor": [],
            }
        )
        with build_hierarchy(load(ALL_LAYERS + DAG), model_factory=factory) as hierarchy:
            result = hierarchy.run("Go.")
        assert result.layers[0].ok is False
        assert "ran out of replies" in (result.layers[0].error or "")
        assert "layer 'sensorimotor' failed" in factory.models["consciousness"].calls[1][-1]["content"]

    def test_upstream_failure_is_marked_in_downstream_context(self) -> None:
        factory = ScriptedFactory(
            {
                "consciousness": [code("print(abstract(task='Think.'))"), final("done")],
                "perceptual": [],
                "abstract": [final("a")],
            }
        )
        with build_hierarchy(load(ALL_LAYERS + DAG), model_factory=factory) as hierarchy:
            hierarchy.run("Go.")
        prompt = factory.models["abstract"].calls[0][1]["content"]
        assert "### perceptual\n(FAILED: ModelError" in prompt

    def test_modulates_deliver_last_report_next_cycle(self) -> None:
        factory = ScriptedFactory(
            {
                "consciousness": [
                    code("print(metacognitive(task='A'))"),
                    final("1"),
                    code("print(perceptual(task='B'))"),
                    final("2"),
                ],
                **{name: [final(f"{name}-1"), final(f"{name}-2")] for name in FIVE},
            }
        )
        with build_hierarchy(load(ALL_LAYERS + DAG), model_factory=factory) as hierarchy:
            hierarchy.run("first")
            first_prompt = factory.models["perceptual"].calls[0][1]["content"]
            hierarchy.run("second")
        assert "Priors from higher layers" not in first_prompt
        second_prompt = factory.models["perceptual"].calls[1][1]["content"]
        assert "Priors from higher layers" in second_prompt
        assert "### metacognitive\nmetacognitive-1" in second_prompt

    def test_ablation_with_three_layers(self) -> None:
        body = (
            "layers:\n  perceptual: {tools: []}\n  conceptual: {tools: []}\n"
            "  critic: {description: Checks the reasoning., tools: [count_words]}\n"
            "graph:\n  feeds: [perceptual -> conceptual, conceptual -> critic]\n"
        )
        factory = ScriptedFactory(
            {
                "consciousness": [code("print(critic(task='Check.'))"), final("ok")],
                "perceptual": [final("p")],
                "conceptual": [final("c")],
                "critic": [code("print(count_words(text='a b c'))"), final("3 words")],
            }
        )
        with build_hierarchy(load(body), model_factory=factory) as hierarchy:
            assert list(hierarchy.root.managed_agents) == ["perceptual", "conceptual", "critic"]
            result = hierarchy.run("Go.")
        assert [layer.layer for layer in result.layers] == ["perceptual", "conceptual", "critic"]
        assert result.layers[-1].steps == 2
        assert result.input_tokens > 0 and result.output_tokens > 0


class TestLevers:
    """Speed levers change when work happens and how long prompts are, never what is done."""

    def test_compact_layer_prompts_keep_tools_and_instructions(self) -> None:
        body = "layers:\n  perceptual: {tools: [count_words], instructions: 'Look for PATTERN-MARKER.'}\n"
        with build_hierarchy(load(body), model_factory=ScriptedFactory({})) as default:
            long_prompt = default.layers["perceptual"].system_prompt
        compact_config = load(body + "agents: {layer_prompts: compact}\n")
        with build_hierarchy(compact_config, model_factory=ScriptedFactory({})) as compact:
            short_prompt = compact.layers["perceptual"].system_prompt
        assert len(short_prompt) < len(long_prompt) / 2
        for needed in (
            "def count_words(text: string) -> integer",
            "PATTERN-MARKER",
            "final_answer",
            "<code>",
        ):
            assert needed in short_prompt

    def test_system_prompt_is_rendered_once_per_tool_set(self) -> None:
        with build_hierarchy(load(ALL_LAYERS + DAG), model_factory=ScriptedFactory({})) as hierarchy:
            first = hierarchy.root.system_prompt
            assert hierarchy.root.system_prompt is first
            layer = hierarchy.layers["perceptual"]
            before = layer.system_prompt
            layer.tools["extra"] = fixture_tools.count_words
            assert layer.system_prompt is not before

    def test_prefetch_runs_the_sweep_before_the_root_asks(self) -> None:
        gate = threading.Event()

        def root_waits(messages: list[dict[str, Any]]) -> str:
            gate.wait(5)
            return code("print(metacognitive(task='Assess.'))")

        def mark(name: str) -> Any:
            def reply(messages: list[dict[str, Any]]) -> str:
                if name == "abstract":
                    gate.set()
                return final(f"{name} done")

            return reply

        factory = ScriptedFactory(
            {
                "consciousness": [root_waits, final("ok")],
                **{name: [mark(name)] for name in FIVE},
            }
        )
        config = load(ALL_LAYERS + DAG + "agents: {prefetch_upstream: true}\n")
        with build_hierarchy(config, model_factory=factory) as hierarchy:
            result = hierarchy.run("Go.")
        assert result.ok
        assert gate.is_set(), "upstream layers ran while the root's first call was in flight"
        by_name = {layer.layer: layer for layer in result.layers}
        assert by_name["metacognitive"].requested_by == "root"
        assert all(factory.models[name].call_count == 1 for name in FIVE)


class TestRootStepLimit:
    """At its step limit the root stops, says why, and makes no call whose answer is thrown away."""

    def test_step_limit_is_a_failure_with_its_last_error(self) -> None:
        """Two steps that never finish: not ok, the reason names the limit and the last error, two calls."""
        factory = ScriptedFactory(
            {"consciousness": [code("print(undefined_name)"), code("print(undefined_name)"), final("late")]}
        )
        config = load("layers:\n  abstract: {tools: []}\nroot: {max_steps: 2}\n")
        with build_hierarchy(config, model_factory=factory) as hierarchy:
            result = hierarchy.run("Go.")
        assert not result.ok and result.answer is None
        assert result.error is not None
        assert result.error.startswith("root hit its step limit (2 steps): no step called final_answer; last error: ")
        assert "undefined_name" in result.error
        assert factory.models["consciousness"].call_count == 2


class TestStepLimitSaysWhy:
    """A root that never answers says whether its model was silent or never called final_answer."""

    def test_empty_replies_are_named(self) -> None:
        factory = ScriptedFactory({"consciousness": ["", "", ""], **layer_answers(FIVE)})
        config = load(ALL_LAYERS + DAG + "root:\n  max_steps: 3\n")
        with build_hierarchy(config, model_factory=factory) as hierarchy:
            result = hierarchy.run("Decide.")
        assert not result.ok
        assert result.error is not None
        assert "the model returned empty replies (3 of 3 steps)" in result.error

    def test_code_that_never_answers_is_named(self) -> None:
        factory = ScriptedFactory({"consciousness": [code("x = 1")] * 2, **layer_answers(FIVE)})
        config = load(ALL_LAYERS + DAG + "root:\n  max_steps: 2\n")
        with build_hierarchy(config, model_factory=factory) as hierarchy:
            result = hierarchy.run("Decide.")
        assert result.error is not None
        assert "root hit its step limit (2 steps): no step called final_answer" in result.error
