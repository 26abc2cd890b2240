"""Memories and offline recall (FTS5/BM25)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from orchestra.errors import ServiceError
from orchestra.services import CognitiveServices, ServicesSettings
from tests.helpers import race_threads_and_a_process

pytestmark = pytest.mark.anyio

CORPUS = [
    ("The user prefers tea over coffee in the morning", "episodic", 0.4),
    ("Photosynthesis converts sunlight into chemical energy in plants", "semantic", 0.6),
    ("Deploy the service with docker compose and check the health endpoint", "procedural", 0.7),
    ("Quarterly strategy: focus on reliability before new features", "strategic", 0.9),
    ("The cat sat on the warm windowsill all afternoon", "episodic", 0.2),
]


async def _fill(svc: CognitiveServices) -> dict[str, str]:
    ids = {}
    for content, kind, importance in CORPUS:
        created = await svc.create_memory(content, kind, importance)
        ids[content.split()[1]] = created["memory_id"]
    return ids


class TestMemory:
    async def test_create_and_get(self, services: CognitiveServices) -> None:
        """A memory comes back with the fields it was stored with; unknown ids give None."""
        created = await services.create_memory("Remember the milk", "episodic", 0.8, {"project_id": "p1"})
        assert created["embedded"] is False and created["memory_type"] == "episodic"
        got = await services.get_memory(created["memory_id"])
        assert got is not None
        assert got["content"] == "Remember the milk" and got["importance"] == 0.8
        assert got["metadata"] == {"project_id": "p1"} and got["project_id"] == "p1"
        assert await services.get_memory("no-such-id") is None

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"content": "x", "memory_type": "dream"}, "episodic, semantic, procedural, strategic"),
            ({"content": "   "}, "content must be a non-empty string"),
            ({"content": "x", "importance": 1.5}, "importance must be a number between 0 and 1"),
            ({"content": "x", "metadata": ["not", "an", "object"]}, "metadata must be a JSON object"),
        ],
    )
    async def test_create_rejects_bad_arguments(
        self, services: CognitiveServices, kwargs: dict[str, object], message: str
    ) -> None:
        """Bad arguments raise ServiceError naming what is allowed."""
        with pytest.raises(ServiceError, match=message):
            await services.create_memory(**kwargs)  # type: ignore[arg-type]

    async def test_get_and_search_reject_bad_arguments(self, services: CognitiveServices) -> None:
        """Empty ids, unknown types and out-of-range thresholds are refused."""
        with pytest.raises(ServiceError):
            await services.get_memory("")
        with pytest.raises(ServiceError, match="valid values"):
            await services.search_memories("tea", memory_type="dream")
        with pytest.raises(ServiceError, match="threshold"):
            await services.search_memories("tea", threshold=2)
        with pytest.raises(ServiceError, match="limit"):
            await services.search_memories("tea", limit=0)

    async def test_delete_queues_and_forgets(self, services: CognitiveServices) -> None:
        """A deleted memory is gone, unsearchable, and its deletion is queued for sync."""
        created = await services.create_memory("ephemeral walrus fact")
        assert await services.memory.delete(created["memory_id"]) is True
        assert await services.memory.delete(created["memory_id"]) is False
        assert await services.get_memory(created["memory_id"]) is None
        assert await services.search_memories("walrus", threshold=0.0) == []
        ops = [
            r[0] for r in services.store.query("SELECT op FROM sync_outbox WHERE mind = :mind ORDER BY seq")
        ]
        assert ops == ["upsert", "delete"]


class TestOfflineRecall:
    async def test_relevant_memory_ranks_first(self, services: CognitiveServices) -> None:
        """The memory sharing the query's words wins, with a score near 1, naming the offline method."""
        ids = await _fill(services)
        results = await services.search_memories(
            "how does photosynthesis turn sunlight into energy", threshold=0.0
        )
        assert results[0]["memory_id"] == ids["converts"]
        assert results[0]["content"].startswith("Photosynthesis")
        assert results[0]["method"] == services.recall.method_offline  # fts5_bm25 or postgres_fts
        assert results[0]["score"] >= 0.8
        assert all(r["score"] < results[0]["score"] for r in results[1:])

    async def test_threshold_filters_weak_matches(self, services: CognitiveServices) -> None:
        """A memory matching only a common word scores under the default threshold."""
        await _fill(services)
        weak = await services.search_memories("the", threshold=0.0)
        assert weak and all(r["score"] < 0.5 or "the" in r["content"].lower().split() for r in weak)
        strong = await services.search_memories("docker compose health endpoint")
        assert [r["content"][:6] for r in strong] == ["Deploy"]
        assert await services.search_memories("zzzz unknownword") == []

    async def test_memory_type_filter(self, services: CognitiveServices) -> None:
        """Filtering by type excludes otherwise matching memories."""
        await _fill(services)
        assert await services.search_memories("morning tea", threshold=0.0, memory_type="semantic") == []
        hits = await services.search_memories("morning tea", threshold=0.0, memory_type="episodic")
        assert hits[0]["content"].startswith("The user prefers tea")

    async def test_query_syntax_is_not_interpreted(self, services: CognitiveServices) -> None:
        """FTS5 operators and quotes in user text are searched as words, never parsed."""
        await _fill(services)
        for query in ['tea" OR "cat', "NEAR(tea coffee)", "tea AND -coffee*", "^cat:", "()"]:
            await services.search_memories(query, threshold=0.0)
        hits = await services.search_memories('tea" OR "cat', threshold=0.0)
        assert {h["content"][:7] for h in hits} >= {"The use", "The cat"}


class TestSemanticRecall:
    async def test_header_names_method_and_lines_are_ranked(self, services: CognitiveServices) -> None:
        """The text starts with the method and lists matching memories with scores."""
        await _fill(services)
        text = await services.semantic_recall("strategy reliability features")
        lines = text.splitlines()
        assert lines[0].startswith(f"[recall method={services.recall.method_offline} results=1")
        assert "fallback_reason='no embeddings provider configured'" in lines[0]
        assert "Quarterly strategy" in lines[1] and "importance=0.90" in lines[1]

    async def test_importance_weighting_reorders(self, services: CognitiveServices) -> None:
        """Equal similarity: the more important memory ranks first only when weighting."""
        low = await services.create_memory("garden tomato harvest notes", importance=0.0)
        high = await services.create_memory("garden tomato harvest plans", importance=1.0)
        weighted = await services.semantic_recall("garden tomato harvest", threshold=0.5)
        assert weighted.index(high["memory_id"]) < weighted.index(low["memory_id"])
        first = weighted.splitlines()[1]
        similarity = float(first.split("similarity=")[1].split(",")[0])
        score = float(first.split("score=")[1].split(" ")[0])
        assert score == pytest.approx(similarity * 1.0, abs=1e-3)
        second = weighted.splitlines()[2]
        assert float(second.split("score=")[1].split(" ")[0]) == pytest.approx(
            float(second.split("similarity=")[1].split(",")[0]) * 0.5, abs=1e-3
        )

    async def test_scoping_by_project_session_and_type(self, services: CognitiveServices) -> None:
        """project_id, session_id and memory_types restrict recall."""
        await services.create_memory(
            "alpha launch checklist", metadata={"project_id": "a", "session_id": "s1"}
        )
        await services.create_memory("alpha launch retrospective", "episodic", metadata={"project_id": "b"})
        only_a = await services.semantic_recall("alpha launch", threshold=0.5, project_id="a")
        assert "checklist" in only_a and "retrospective" not in only_a
        only_s = await services.semantic_recall("alpha launch", threshold=0.5, session_id="s1")
        assert "checklist" in only_s and "retrospective" not in only_s
        episodic = await services.semantic_recall("alpha launch", threshold=0.5, memory_types=["episodic"])
        assert "retrospective" in episodic and "checklist" not in episodic
        none = await services.semantic_recall("alpha launch", project_id="zzz")
        assert "results=0" in none and "No memories matched." in none

    async def test_rejects_bad_arguments(self, services: CognitiveServices) -> None:
        """Unknown memory types and bad top_k raise ServiceError."""
        with pytest.raises(ServiceError, match="episodic, semantic"):
            await services.semantic_recall("x", memory_types=["dreams"])
        with pytest.raises(ServiceError, match="top_k"):
            await services.semantic_recall("x", top_k=0)
        with pytest.raises(ServiceError, match="query"):
            await services.semantic_recall("")


def _write_memories(settings_json: str, prefix: str, count: int) -> None:
    """Worker for the concurrency test (runs in threads and in a spawned process)."""
    svc = CognitiveServices.open(ServicesSettings.model_validate_json(settings_json))

    async def run() -> None:
        for i in range(count):
            await svc.create_memory(f"{prefix} memory number {i}")

    try:
        asyncio.run(run())
    finally:
        svc.close()


def test_concurrent_writers_lose_no_memories(settings: ServicesSettings, tmp_path: Path) -> None:
    """Three threads and a second process create memories at once; all rows, outbox entries and index entries exist."""
    CognitiveServices.open(settings).close()
    payload = settings.model_dump_json()
    count = 40
    exitcode = race_threads_and_a_process(_write_memories, lambda worker: (payload, worker, count), threads=3)
    assert exitcode == 0
    svc = CognitiveServices.open(settings)
    try:
        assert svc.store.query_one("SELECT count(*) FROM memories WHERE mind = :mind")[0] == 4 * count
        assert svc.store.query_one("SELECT count(*) FROM sync_outbox WHERE mind = :mind")[0] == 4 * count
        with svc.store.reading() as conn:  # the backend's text index holds every memory too
            assert svc.recall.text_index.document_counts(conn, ["proc"], 10 * count) == {"proc": count}
    finally:
        svc.close()


async def test_offline_recall_finds_the_relevant_memory_in_a_large_store(services: CognitiveServices) -> None:
    """20k stopword-heavy memories: the one memory about the query still ranks first.

    Speed at this scale is measured in benchmarks/tool_latency.py, not asserted here.
    """
    import random

    rng = random.Random(0)
    words = [f"w{i}" for i in range(5000)] + ["the", "a", "of", "and"] * 200
    with services.store.transaction() as conn:
        conn.executemany(
            "INSERT INTO memories(mind, id, content, memory_type, importance, metadata, created_at, updated_at) "
            "VALUES (:mind, ?, ?, 'semantic', 0.5, '{}', 0, 0)",
            [(f"m{i}", " ".join(rng.choices(words, k=25))) for i in range(20_000)],
        )
    planted = await services.create_memory("the heron fishes the quiet estuary at dawn", importance=0.5)
    text = await services.semantic_recall("heron estuary dawn", threshold=0.0)
    first = text.splitlines()[1]
    assert planted["memory_id"] in first


async def test_query_of_only_common_words_still_ranks_by_coverage(services: CognitiveServices) -> None:
    """When every query word is in thousands of memories, recall scores the newest holders of all of them."""
    from orchestra.services import recall

    with services.store.transaction() as conn:
        conn.executemany(
            "INSERT INTO memories(mind, id, content, memory_type, importance, metadata, created_at, updated_at) "
            "VALUES (:mind, ?, ?, 'semantic', 0.5, '{}', 0, 0)",
            [(f"m{i}", "garden rain" if i % 2 else "garden coffee") for i in range(recall.MATCH_BUDGET + 10)],
        )
    text = await services.semantic_recall("garden rain", threshold=0.9, top_k=3)
    lines = text.splitlines()
    assert "results=3" in lines[0]
    assert all("garden rain" in line for line in lines[1:])
