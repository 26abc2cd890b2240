"""The layer DAG: generations, upstream sets, drawings."""

from __future__ import annotations

from pathlib import Path

from orchestra.config import load_config
from orchestra.graph import LayerGraph

ROOT = Path(__file__).resolve().parent.parent


def graph_of(name: str) -> LayerGraph:
    return LayerGraph.from_config(load_config(ROOT / "configs" / name))


class TestShippedGraphs:
    """The two shipped wirings have the generations their comments promise."""

    def test_thoughtseed_generations(self) -> None:
        assert graph_of("thoughtseed.yaml").generations() == [
            ["sensorimotor", "perceptual"],
            ["conceptual", "abstract"],
            ["metacognitive"],
        ]

    def test_chain_generations(self) -> None:
        assert graph_of("chain.yaml").generations() == [
            ["sensorimotor"],
            ["perceptual"],
            ["conceptual"],
            ["abstract"],
            ["metacognitive"],
        ]

    def test_upstream_and_feeders(self) -> None:
        graph = graph_of("thoughtseed.yaml")
        assert graph.upstream("metacognitive") == {"sensorimotor", "perceptual", "conceptual", "abstract"}
        assert graph.upstream("abstract") == {"perceptual"}
        assert sorted(graph.feeders("conceptual")) == ["perceptual", "sensorimotor"]
        assert sorted(graph.modulators("perceptual")) == ["abstract", "metacognitive"]
        assert graph.sinks() == ["metacognitive"]


def test_mermaid_draws_both_edge_kinds() -> None:
    text = graph_of("thoughtseed.yaml").to_mermaid()
    assert text.startswith("flowchart BT\n")
    assert "    perceptual --> abstract" in text
    assert "    metacognitive -. modulates .-> perceptual" in text


def test_dot_output() -> None:
    text = graph_of("chain.yaml").to_dot()
    assert '"sensorimotor" -> "perceptual";' in text
    assert "style=dashed" in text


def test_wide_graph_generation_sizes() -> None:
    layers = [f"l{i}" for i in range(9)]
    feeds = [(f"l{i}", "l8") for i in range(8)]
    graph = LayerGraph.build(layers, feeds=feeds)
    assert [len(gen) for gen in graph.generations()] == [8, 1]
