"""Metacognition as a control signal: a low reported confidence re-queries, escalates or rests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from smolagents import Model

from orchestra.agents.hierarchy import build_hierarchy
from orchestra.agents.metacognition import reported_confidence
from orchestra.errors import ConfigError
from orchestra.heartbeat import Heartbeat
from orchestra.models import AgentSpec
from orchestra.models.scripted import ScriptedModel
from tests.heartbeat.test_heartbeat import make_config
from tests.helpers import ScriptedFactory, code, final, load

STRONG = ["models.strong={model: openai/strong, api_key: test}"]
TWO = (
    "layers:\n  perceptual: {tools: []}\n  metacognitive: {tools: []}\n"
    "graph:\n  feeds: [perceptual -> metacognitive]\n"
)
ASK = code("print(metacognitive(task='How sure are we?'))")


def prompt(messages: list[dict[str, Any]]) -> str:
    return "\n".join(str(message["content"]) for message in messages)


class ProfileFactory:
    """Scripted models by agent and profile, so an escalation reaches other replies."""

    def __init__(self, replies: dict[tuple[str, str], list[Any]]) -> None:
        self.models = {key: ScriptedModel(value, name=f"{key[0]}@{key[1]}") for key, value in replies.items()}

    def __call__(self, spec: AgentSpec) -> Model:
        key = (spec.name, spec.profile)
        self.models.setdefault(key, ScriptedModel([], name=f"{key[0]}@{key[1]}"))
        return self.models[key]


class TestReportedConfidence:
    """A report states its confidence on a line of its own, or as a key."""

    @pytest.mark.parametrize(
        ("answer", "expected"),
        [
            ("Upstream agrees.\nconfidence: 0.3", 0.3),
            ("**Confidence** = .8", 0.8),
            ("confidence: 0.9\nmore\nconfidence: 0.2", 0.2),
            ({"summary": "x", "confidence": 0.6}, 0.6),
            ("confidence: 7", 1.0),
            ("no number here", None),
        ],
    )
    def test_parsing(self, answer: Any, expected: float | None) -> None:
        """The last stated value, clipped to [0, 1]; None when the report states none."""
        assert reported_confidence(answer) == expected


class TestPolicy:
    """What the policy does when the watched layer's confidence is low, and when it is not."""

    def test_requery_asks_the_layer_again_and_reports_both(self) -> None:
        """Low confidence: perceptual runs again with a note, and the root reads its second report."""
        factory = ScriptedFactory(
            {
                "consciousness": [ASK, final("done")],
                "perceptual": [final("first look"), final("closer look")],
                "metacognitive": [final("Unclear.\nconfidence: 0.2")],
            }
        )
        policy = "root: {metacognition: {below: 0.5, then: requery, requery: perceptual}}\n"
        with build_hierarchy(load(TWO + policy, overrides=STRONG), model_factory=factory) as hierarchy:
            result = hierarchy.run("Go.")
        assert [event.did for event in result.metacognition] == ["asked perceptual again (ok)"]
        assert [(layer.layer, layer.requested_by) for layer in result.layers][-1] == (
            "perceptual",
            "metacognition",
        )
        assert "Look again" in prompt(factory.models["perceptual"].calls[1])
        assert "closer look" in prompt(factory.models["consciousness"].calls[1])

    def test_high_confidence_changes_nothing(self) -> None:
        """At or above the threshold the policy does not fire."""
        factory = ScriptedFactory(
            {
                "consciousness": [ASK, final("done")],
                "perceptual": [final("look")],
                "metacognitive": [final("Consistent.\nconfidence: 0.9")],
            }
        )
        policy = "root: {metacognition: {below: 0.5, then: requery, requery: perceptual}}\n"
        with build_hierarchy(load(TWO + policy, overrides=STRONG), model_factory=factory) as hierarchy:
            result = hierarchy.run("Go.")
        assert result.metacognition == [] and len(result.layers) == 2

    def test_escalate_switches_the_root_for_the_rest_of_the_cycle(self) -> None:
        """After a low confidence the root's next step comes from the stronger profile; then it is restored."""
        factory = ProfileFactory(
            {
                ("consciousness", "default"): [ASK],
                ("consciousness", "strong"): [final("answered by the strong profile")],
                ("perceptual", "default"): [final("look")],
                ("metacognitive", "default"): [final("confidence: 0.1")],
            }
        )
        policy = "root: {metacognition: {then: escalate, escalate_to: strong}}\n"
        with build_hierarchy(load(TWO + policy, overrides=STRONG), model_factory=factory) as hierarchy:
            result = hierarchy.run("Go.")
            restored = hierarchy.root.model is factory.models[("consciousness", "default")]
        assert result.ok and result.answer == "answered by the strong profile"
        assert result.metacognition[0].did == "switched to profile strong for the rest of the beat"
        assert restored

    def test_rest_makes_the_beat_rest_and_the_record_says_why(self, tmp_path: Path) -> None:
        """then: rest replaces the plan with rest; the beat record keeps the event."""
        factory = ScriptedFactory(
            {
                "consciousness": [code("print(abstract(task='Sure?'))"), final("{}")],
                "perceptual": [final("look")],
                "abstract": [final("confidence: 0.1")],
            }
        )
        config = make_config(tmp_path, overrides=["root.metacognition={layer: abstract, then: rest}"])
        with Heartbeat(config, model_factory=factory) as heartbeat:
            result = heartbeat.beat()
        assert result.fallback is False
        assert [action["action"] for action in result.decision["actions"]] == ["rest"]  # type: ignore[index]
        assert result.metacognition and result.metacognition[0]["then"] == "rest"
        assert "confidence 0.1" in result.decision["reasoning"]  # type: ignore[index]


class TestPolicyConfig:
    """A policy that names nothing real is a located config error."""

    @pytest.mark.parametrize(
        ("policy", "key", "words"),
        [
            ("{then: requery}", "root.metacognition.requery", "needs the layer"),
            (
                "{then: requery, requery: perceptul}",
                "root.metacognition.requery",
                "did you mean 'perceptual'",
            ),
            (
                "{then: escalate, escalate_to: strongest}",
                "root.metacognition.escalate_to",
                "unknown model profile",
            ),
            ("{layer: nobody, then: rest}", "root.metacognition.layer", "unknown layer"),
        ],
    )
    def test_errors(self, policy: str, key: str, words: str) -> None:
        """Each names its key and what is wrong."""
        with pytest.raises(ConfigError) as caught:
            load(TWO + f"root: {{metacognition: {policy}}}\n", overrides=STRONG)
        assert caught.value.key_path == key and words in str(caught.value)
