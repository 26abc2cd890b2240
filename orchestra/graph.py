"""The layer DAG: which layer feeds which inside a cycle, and which modulates which across cycles.

``feeds`` edges carry bottom-up reports within one cycle and must be acyclic, so the hierarchy can
run layers in topological generations. ``modulates`` edges carry a higher layer's last report down
as a prior on the next cycle; they may point "backwards" because they never wait on each other.
Everything wrong with the graph is caught here, when it is built, never while it runs. The graph
takes plain layer names and edge lists; its errors carry the key path (``graph.feeds[2]``) and the
config, which calls it, adds the file and line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import networkx as nx
import structlog

from orchestra.errors import GraphError, unknown_name

log = structlog.get_logger(__name__)


class HasLayerGraph(Protocol):
    """Anything that can build its layer graph; a loaded ``Config`` is one."""

    def layer_graph(self) -> LayerGraph: ...


@dataclass(frozen=True)
class LayerGraph:
    """Layers as a ``networkx.DiGraph`` of feeds edges, plus the modulates edges beside it."""

    feeds: nx.DiGraph
    modulates: nx.DiGraph

    @classmethod
    def from_config(cls, config: HasLayerGraph) -> LayerGraph:
        """The graph of a loaded config; the same as ``config.layer_graph()``."""
        return config.layer_graph()

    @classmethod
    def build(
        cls,
        layers: list[str],
        *,
        feeds: Iterable[tuple[str, str]] = (),
        modulates: Iterable[tuple[str, str]] = (),
    ) -> LayerGraph:
        """Build and validate the graph from layer names and edge lists.

        Raises:
            GraphError: unknown endpoint, self-loop, or a cycle in feeds (the cycle is named);
                its ``key_path`` names the edge (``graph.feeds[2]``).
        """
        for kind, edges in (("feeds", list(feeds)), ("modulates", list(modulates))):
            seen: set[tuple[str, str]] = set()
            for index, (source, target) in enumerate(edges):
                if (source, target) in seen:
                    raise GraphError(
                        f"edge {source} -> {target} is written twice", key_path=f"graph.{kind}[{index}]"
                    )
                seen.add((source, target))
        feeds_graph = _edges_graph(layers, list(feeds), "feeds")
        modulates_graph = _edges_graph(layers, list(modulates), "modulates")
        try:
            cycle = nx.find_cycle(feeds_graph)
        except nx.NetworkXNoCycle:
            cycle = None
        if cycle:
            path = " -> ".join([edge[0] for edge in cycle] + [cycle[0][0]])
            index = _edge_index(list(feeds), cycle[-1])
            raise GraphError(f"feeds must form a DAG; cycle: {path}", key_path=f"graph.feeds[{index}]")
        connected = set(feeds_graph.edges) | set(modulates_graph.edges)
        touched = {node for edge in connected for node in edge}
        if len(layers) > 1 and connected:
            for layer in layers:
                if layer not in touched:
                    log.warning("layer_isolated", layer=layer, hint="no feeds or modulates edge names it")
        return cls(feeds=feeds_graph, modulates=modulates_graph)

    @property
    def layers(self) -> list[str]:
        """Layer names in config order."""
        return list(self.feeds.nodes)

    def generations(self) -> list[list[str]]:
        """Topological generations: each runs after all earlier ones, its members in parallel."""
        order = {name: index for index, name in enumerate(self.feeds.nodes)}
        return [sorted(gen, key=order.__getitem__) for gen in nx.topological_generations(self.feeds)]

    def upstream(self, layer: str) -> set[str]:
        """Every layer whose report flows into ``layer`` within a cycle (all ancestors)."""
        return set(nx.ancestors(self.feeds, layer))

    def feeders(self, layer: str) -> list[str]:
        """The layers that feed ``layer`` directly; their reports are its context."""
        return list(self.feeds.predecessors(layer))

    def modulators(self, layer: str) -> list[str]:
        """The layers whose last report reaches ``layer`` as a prior on the next cycle."""
        return list(self.modulates.predecessors(layer))

    def sinks(self) -> list[str]:
        """Layers nothing feeds from: calling these runs the whole bottom-up sweep."""
        return [node for node in self.feeds.nodes if self.feeds.out_degree(node) == 0]

    def to_mermaid(self) -> str:
        """The graph as mermaid text: solid arrows feed, dotted arrows modulate."""
        lines = ["flowchart BT"]
        for generation in self.generations():
            for layer in generation:
                lines.append(f"    {layer}[{layer}]")
        lines += [f"    {a} --> {b}" for a, b in self.feeds.edges]
        lines += [f"    {a} -. modulates .-> {b}" for a, b in self.modulates.edges]
        return "\n".join(lines) + "\n"

    def to_dot(self) -> str:
        """The graph as Graphviz DOT text."""
        lines = ["digraph layers {", "    rankdir=BT;"]
        lines += [f'    "{layer}";' for layer in self.layers]
        lines += [f'    "{a}" -> "{b}";' for a, b in self.feeds.edges]
        lines += [f'    "{a}" -> "{b}" [style=dashed, label="modulates"];' for a, b in self.modulates.edges]
        return "\n".join([*lines, "}"]) + "\n"


def _edges_graph(layers: list[str], edges: list[tuple[str, str]], kind: str) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(layers)
    for index, (start, end) in enumerate(edges):
        for endpoint in (start, end):
            if endpoint not in layers:
                raise GraphError(unknown_name("layer", endpoint, layers), key_path=f"graph.{kind}[{index}]")
        if start == end:
            raise GraphError(f"self-loop on '{start}'", key_path=f"graph.{kind}[{index}]")
        graph.add_edge(start, end)
    return graph


def _edge_index(edges: list[tuple[str, str]], edge: tuple[str, str]) -> int:
    pair = (edge[0], edge[1])
    return next((index for index, candidate in enumerate(edges) if tuple(candidate) == pair), 0)
