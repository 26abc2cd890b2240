"""The layers curve's pieces: the generated wide DAG, its script, and one cycle of each scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benchmarks.decision.store import seed_store
from benchmarks.scale.layers_curve import SCENARIOS, measure_layers_point
from benchmarks.scale.plan import make_plan
from benchmarks.scale.wide import SINK, feeder_reply, feeders, marker, sink_reply, wide_config, wide_router
from benchmarks.server.latency_model import INSTANT
from benchmarks.server.openai_format import apply_stop, count_text_tokens
from orchestra.graph import LayerGraph


@pytest.mark.parametrize("k", [3, 5, 9])
def test_wide_config_has_k_layers_and_k_minus_1_feeders_of_the_sink(k: int, tmp_path: Path) -> None:
    config = wide_config(k, "http://127.0.0.1:9/v1", tmp_path / "store.db")
    graph = LayerGraph.from_config(config)
    assert len(config.layers) == k
    assert graph.sinks() == [SINK]
    assert sorted(graph.feeders(SINK)) == sorted(feeders(k)) and len(graph.feeders(SINK)) == k - 1
    assert graph.generations() == [feeders(k), [SINK]]
    for name in config.layers:
        layer = config.layer(name)
        assert marker(name) in layer.instructions and len(layer.tools) == 1
        assert all(
            marker(name) not in config.layer(other).instructions for other in config.layers if other != name
        )


def test_every_layer_reply_is_one_long_enough_step() -> None:
    """A Thought and one code block, at least 60 completion tokens after the stop sequence."""
    for reply in [feeder_reply("feeder_1"), sink_reply(9)]:
        text, _ = apply_stop(reply, ["</code>"])
        assert text.startswith("Thought:") and text.count("<code>") == 1 and "final_answer(" in text
        assert count_text_tokens(text) >= 60


def test_router_answers_each_layer_by_its_marker() -> None:
    router = wide_router(3, "orchestra-dag")
    system = {"role": "system", "content": f"... {marker('feeder_2')} of a wide hierarchy ..."}
    assert router.reply([system, {"role": "user", "content": "task"}]) == feeder_reply("feeder_2")


@pytest.fixture(scope="module")
def points(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Three layers, one instant cycle of each scenario."""
    directory = tmp_path_factory.mktemp("layers")
    plan = make_plan(INSTANT, quick=True, cycles=1, warmup=0)
    return {
        scenario: measure_layers_point(3, scenario, plan, seed_store(directory / f"{scenario}.db"))
        for scenario in SCENARIOS
    }


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_each_layer_is_called_once_per_cycle(points: dict[str, dict[str, Any]], scenario: str) -> None:
    figures = points[scenario]
    assert figures["calls_by_agent"] == {"root": 5, "feeder_1": 1, "feeder_2": 1, SINK: 1}
    assert figures["llm_calls"] == 8 and figures["layers"] == 3
    assert figures["sink_prompt_tokens"] > 0 and figures["root_prompt_tokens"] > 0


def test_the_sink_reads_every_feeders_report(points: dict[str, dict[str, Any]]) -> None:
    """orchestra hands the sink its feeders' reports; so does the managed root's code."""
    for figures in points.values():
        assert figures["sink_prompt_tokens"] > 2 * 60
