"""Big stores, fast: the decision's seeded store topped up with generated memories in one transaction.

Creating 100k memories one service call at a time takes minutes; one ``executemany`` into the
``memories`` table takes seconds, and the store's own triggers keep the FTS5 index in step, so
recall sees exactly what it would after 100k ``create_memory`` calls (the approach of
:func:`benchmarks.tool_latency.recall_at_scale`). The text is drawn from a Zipf-weighted vocabulary
that contains the decision's own recall words, so the decision's recalls rank real matches.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence
from pathlib import Path

from orchestra.services.settings import ServicesSettings
from orchestra.services.surface import CognitiveServices

_STEMS: tuple[str, ...] = (
    "user", "session", "benchmark", "report", "deadline", "summary", "goal", "commitment", "pattern",
    "work", "late", "morning", "recent", "repeated", "memory", "plan", "energy", "focus", "model",
    "predict", "basin", "layer", "signal", "concept", "reason", "reflect", "belief", "task", "note",
    "code", "test", "build", "review", "meeting", "draft", "paper", "project", "budget", "question",
    "answer", "idea", "story", "email", "call", "letter", "travel", "train", "city", "garden", "rain",
    "coffee", "music", "quiet", "noise", "river", "light", "forest", "ocean", "friend", "evening",
)  # fmt: skip
"""Word stems; the first ones are the decision's recall words and the most frequent."""

_MEMORY_TYPES: tuple[str, ...] = ("episodic", "semantic", "procedural", "strategic")


def vocabulary() -> list[str]:
    """Stems with a few inflections each, most frequent first."""
    return [f"{stem}{suffix}" for stem in _STEMS for suffix in ("", "s", "ing", "ed")]


def add_memories(store: Path, count: int, *, seed: int = 7) -> float:
    """Insert ``count`` generated memories into an existing store.

    Args:
        store: A store created by the services (its schema and triggers exist).
        count: Memories to add.
        seed: Seed of the text generator.

    Returns:
        Seconds the insert took.
    """
    rng = random.Random(seed)
    words = vocabulary()
    weights = [1 / (rank + 1) for rank in range(len(words))]
    rows = [
        (
            f"bulk-{index}",
            " ".join(rng.choices(words, weights, k=rng.randint(12, 40))),
            rng.choice(_MEMORY_TYPES),
            round(rng.random(), 3),
        )
        for index in range(count)
    ]
    services = CognitiveServices.open(ServicesSettings(store_path=str(store)))
    try:
        started = time.perf_counter()
        with services.store.transaction() as connection:
            connection.executemany(
                "INSERT INTO memories(id, content, memory_type, importance, metadata, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, '{}', 0, 0)",
                rows,
            )
        return time.perf_counter() - started
    finally:
        services.close()


def recall_queries(count: int, *, seed: int = 11) -> list[str]:
    """``count`` queries of three to seven vocabulary words (Zipf-weighted, like the memories)."""
    rng = random.Random(seed)
    words = vocabulary()
    weights = [1 / (rank + 1) for rank in range(len(words))]
    return [" ".join(rng.choices(words, weights, k=rng.randint(3, 7))) for _ in range(count)]


def time_recalls(store: Path, queries: Sequence[str]) -> list[float]:
    """Seconds of each ``semantic_recall`` (offline method, top 5, no threshold), on one event loop.

    Args:
        store: The store.
        queries: The queries, run in order after one unmeasured call.

    Returns:
        One duration per query.
    """
    services = CognitiveServices.open(ServicesSettings(store_path=str(store)))
    try:
        return asyncio.run(_timed(services, queries))
    finally:
        services.close()


async def _timed(services: CognitiveServices, queries: Sequence[str]) -> list[float]:
    await services.semantic_recall("warm up the statement cache", top_k=5, threshold=0.0)
    samples = []
    for query in queries:
        started = time.perf_counter()
        await services.semantic_recall(query, top_k=5, threshold=0.0)
        samples.append(time.perf_counter() - started)
    return samples
