"""Zipf-worded memories, bulk-loaded, and recall timed over them: one generator for every benchmark.

Creating 100k memories one service call at a time takes minutes; one ``executemany`` into the
``memories`` table takes seconds, and the store's own triggers keep the FTS5 index in step, so
recall sees exactly what it would after as many ``create_memory`` calls. Text is drawn from a
vocabulary with Zipf-like weights (the word of rank ``r`` weighs ``1 / (r + 1)``): a few words are
common and most are rare, as in real notes, so recall ranks real matches among many weak ones.

Each benchmark keeps its own vocabulary, seed and order of draws, so the figures it has committed
stay reproducible.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Sequence

from orchestra.services.surface import CognitiveServices

MemoryRow = tuple[str, str, str, float]
"""``(id, content, memory_type, importance)``."""


class ZipfWords:
    """A vocabulary of stems times suffixes, drawn with Zipf-like weights (earlier words more often).

    Args:
        stems: Word stems, most frequent first.
        suffixes: Inflections of each stem, in order (``""`` for the bare stem).
    """

    def __init__(self, stems: Sequence[str], suffixes: Sequence[str]) -> None:
        self.words = [f"{stem}{suffix}" for stem in stems for suffix in suffixes]
        self.weights = [1 / (rank + 1) for rank in range(len(self.words))]

    def text(self, rng: random.Random, shortest: int, longest: int) -> str:
        """``shortest`` to ``longest`` words, drawn with replacement.

        Args:
            rng: The generator (its length draw comes first, then the words).
            shortest: Fewest words.
            longest: Most words.

        Returns:
            The words, space-separated.
        """
        return " ".join(rng.choices(self.words, self.weights, k=rng.randint(shortest, longest)))


def insert_memories(services: CognitiveServices, rows: Iterable[MemoryRow]) -> float:
    """Insert memories in one transaction, straight into the ``memories`` table.

    Args:
        services: Open services over a store whose schema and triggers exist.
        rows: The memories.

    Returns:
        Seconds the insert took.
    """
    started = time.perf_counter()
    with services.store.transaction() as connection:
        connection.executemany(
            "INSERT INTO memories(mind, id, content, memory_type, importance, metadata, created_at, "
            "updated_at) VALUES (:mind, ?, ?, ?, ?, '{}', 0, 0)",
            rows,
        )
    return time.perf_counter() - started


async def time_recalls_on(
    services: CognitiveServices, queries: Sequence[str], *, warm_up: bool = False
) -> list[float]:
    """Seconds of each ``semantic_recall`` (top 5, no threshold), on the caller's event loop.

    Args:
        services: Open services.
        queries: The queries, in order.
        warm_up: First run one unmeasured recall (the statement cache).

    Returns:
        One duration per query.
    """
    if warm_up:
        await services.semantic_recall("warm up the statement cache", top_k=5, threshold=0.0)
    samples = []
    for query in queries:
        started = time.perf_counter()
        await services.semantic_recall(query, top_k=5, threshold=0.0)
        samples.append(time.perf_counter() - started)
    return samples
