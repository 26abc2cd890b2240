"""Each scenario really does the scripted work: five root steps, the layers, the tools, counted tokens."""

from __future__ import annotations

from collections import Counter

import pytest

from benchmarks.common.cycle import CycleSample
from benchmarks.decision.runner import replies_for, run_scenario
from benchmarks.decision.scenarios import SCENARIOS
from benchmarks.decision.texts import LAYERS, ROOT_STEPS_2_TO_5, ROOT_TOOLS, layer_reply
from benchmarks.server.latency_model import INSTANT
from benchmarks.server.openai_format import apply_stop, count_text_tokens

LAYER_TOOLS = Counter(
    {
        "observe_environment": 1,
        "semantic_recall": 2,
        "get_active_basins": 1,
        "list_goals": 1,
        "list_mental_models": 1,
        "get_consciousness_state": 1,
    }
)
ROOT_STEP_TOOLS = Counter({"semantic_recall": 1, "get_energy_status": 1, "list_goals": 1})


@pytest.fixture(scope="module")
def samples() -> dict[str, CycleSample]:
    """One measured cycle of every scenario under the instant profile (after one warm-up)."""
    return {name: run_scenario(name, INSTANT, cycles=1, warmup=1)[0] for name in SCENARIOS}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_root_takes_five_steps(samples: dict[str, CycleSample], scenario: str) -> None:
    """Step 1 consults, steps 2-4 use tools, step 5 answers: five root steps and five root calls."""
    assert samples[scenario].root_steps == 5
    assert samples[scenario].calls_by_agent["root"] == 5


@pytest.mark.parametrize("scenario", ["orchestra-dag", "orchestra-chain", "smolagents-managed"])
def test_hierarchical_scenarios_call_every_layer_once(samples: dict[str, CycleSample], scenario: str) -> None:
    """Each layer answers in one model call; ten calls in all."""
    assert samples[scenario].calls_by_agent == {"root": 5, **dict.fromkeys(LAYERS, 1)}
    assert samples[scenario].llm_calls == 10


def test_flat_scenario_calls_no_layers(samples: dict[str, CycleSample]) -> None:
    """The flat agent is the only agent."""
    assert samples["smolagents-flat"].calls_by_agent == {"root": 5}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_scenario_makes_the_same_tool_calls(samples: dict[str, CycleSample], scenario: str) -> None:
    """The layers' tool calls (made by the flat agent itself) plus recall, energy and goals at the root."""
    assert Counter(samples[scenario].tool_calls) == LAYER_TOOLS + ROOT_STEP_TOOLS


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_tokens_equal_the_servers_usage(samples: dict[str, CycleSample], scenario: str) -> None:
    """What the agents' clients counted is what the server reported, and it is not nothing."""
    sample = samples[scenario]
    assert sample.prompt_tokens == sample.client_prompt_tokens > 1000
    assert sample.completion_tokens == sample.client_completion_tokens > 60 * sample.llm_calls


def test_decomposition_adds_up(samples: dict[str, CycleSample]) -> None:
    """Model, tool and overhead time never exceed the wall time; tools are really timed."""
    for sample in samples.values():
        assert sample.tool_s > 0
        assert 0 <= sample.overhead_s <= sample.wall_s
        assert sample.model_critical_s + sample.tool_critical_s + sample.overhead_s == pytest.approx(
            sample.wall_s
        )


class TestTexts:
    """The scripted replies: realistic length, shared wherever the work is the same."""

    def test_every_reply_has_sixty_completion_tokens(self) -> None:
        """Counted as the server counts them, after the ``</code>`` stop sequence."""
        for scenario in SCENARIOS:
            for replies in replies_for(scenario).values():
                for reply in replies:
                    assert reply.startswith("Thought: ") and "<code>" in reply
                    assert count_text_tokens(apply_stop(reply, ["</code>"])[0]) >= 60

    def test_only_step_one_differs(self) -> None:
        """Steps 2-5 are the same everywhere; layer replies are the same in every hierarchical scenario."""
        root_marker = "You are consciousness"
        for scenario in SCENARIOS:
            replies = replies_for(scenario)
            assert replies[root_marker][1:] == list(ROOT_STEPS_2_TO_5)
            for name in LAYERS:
                if scenario != "smolagents-flat":
                    assert replies[f"You are the {name} layer"] == [layer_reply(name)]
        assert replies_for("orchestra-dag") == replies_for("orchestra-chain")

    def test_root_tools_are_the_ones_steps_two_to_four_call(self) -> None:
        """The root is given the tools its steps use."""
        assert set(ROOT_STEP_TOOLS) <= set(ROOT_TOOLS)
