"""Big stores, fast: the decision's seeded store topped up with generated memories in one transaction.

The memories are :mod:`benchmarks.common.zipf_memories`' (as :mod:`benchmarks.tool_latency`'s
are), over a vocabulary that contains the decision's own recall words, so the decision's recalls
rank real matches.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from pathlib import Path

from benchmarks.common.zipf_memories import ZipfWords, insert_memories, time_recalls_on
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


WORDS = ZipfWords(_STEMS, ("", "s", "ing", "ed"))
"""Stems with a few inflections each, most frequent first."""


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
    rows = [
        (f"bulk-{index}", WORDS.text(rng, 12, 40), rng.choice(_MEMORY_TYPES), round(rng.random(), 3))
        for index in range(count)
    ]
    services = CognitiveServices.open(ServicesSettings(store_path=str(store)))
    try:
        return insert_memories(services, rows)
    finally:
        services.close()


def recall_queries(count: int, *, seed: int = 11) -> list[str]:
    """``count`` queries of three to seven vocabulary words (Zipf-weighted, like the memories)."""
    rng = random.Random(seed)
    return [WORDS.text(rng, 3, 7) for _ in range(count)]


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
        return asyncio.run(time_recalls_on(services, queries, warm_up=True))
    finally:
        services.close()
