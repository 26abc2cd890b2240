"""Issue 14: embedding recall through a real vector index on each backend - pgvector's HNSW on
PostgreSQL with the extension, sqlite-vec on SQLite, an exact NumPy scan where neither exists -
each named in the answer, all agreeing with an exact computation."""

from __future__ import annotations

import hashlib
import math
import random
from typing import Any

import pytest

from orchestra.services import CognitiveServices, ServicesSettings
from orchestra.services.embeddings import EmbeddingSettings
from orchestra.store import Store
from orchestra.store.sqlite_driver import vector_problem
from tests.conftest import fresh_database

pytestmark = pytest.mark.anyio

WORDS = ["heron", "estuary", "tide", "delta", "river", "stone", "reed", "marsh", "dawn", "dusk", "wind", "salt", "mud", "fish", "crab", "gull"]


class HashEmbeddings:
    """A deterministic local embedding (each word hashed into 32 dimensions): no model, no network."""

    model = "test/hash-32"

    def available(self) -> bool:
        return True

    def embed(self, texts: list[str]) -> list[list[float]]:
        out = []
        for text in texts:
            vector = [0.0] * 32
            for word in text.lower().split():
                digest = hashlib.sha256(word.encode()).digest()
                vector[digest[0] % 32] += 1.0
                vector[digest[1] % 32] += 0.5
            norm = math.sqrt(sum(x * x for x in vector)) or 1.0
            out.append([x / norm for x in vector])
        return out


def _url(case: str, request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if case.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'v.db'}"
    cluster = request.getfixturevalue("pgvector_postgres" if case == "pgvector" else "postgres")
    return fresh_database(cluster)


CASES = {
    "sqlite": ("auto", "sqlite_vec"),
    "sqlite-exact": ("numpy_exact", "numpy_exact"),
    "postgresql-without-pgvector": ("auto", "numpy_exact"),
    "pgvector": ("auto", "pgvector_hnsw"),
}


@pytest.fixture(params=sorted(CASES))
def case(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite" and vector_problem():
        pytest.skip(f"sqlite-vec cannot load here: {vector_problem()}")
    return str(request.param)


def _open(url: str, wanted: str, mind: str = "default") -> CognitiveServices:
    settings = ServicesSettings(
        store=url, mind=mind, embeddings=EmbeddingSettings(model=HashEmbeddings.model, vector_index=wanted)
    )
    return CognitiveServices(Store(url, mind=mind), settings, provider=HashEmbeddings())


def _exact(texts: dict[str, str], query: str, k: int) -> list[str]:
    provider = HashEmbeddings()
    q = provider.embed([query])[0]
    scored = {
        mid: sum(a * b for a, b in zip(q, provider.embed([t])[0], strict=True)) for mid, t in texts.items()
    }
    return [mid for mid, _ in sorted(scored.items(), key=lambda kv: -kv[1])[:k]]


async def test_each_index_answers_like_an_exact_scan_and_names_itself(
    case: str, request: pytest.FixtureRequest, tmp_path: Any
) -> None:
    wanted, expected_index = CASES[case]
    url = _url(case, request, tmp_path)
    rng = random.Random(7)
    services = _open(url, wanted)
    other = _open(url, wanted, mind="other")
    try:
        texts: dict[str, str] = {}
        for i in range(120):
            text = " ".join(rng.choices(WORDS, k=5)) + f" n{i}"
            kind = "episodic" if i % 3 else "semantic"
            texts[(await services.create_memory(text, memory_type=kind))["memory_id"]] = text
        await other.create_memory("heron estuary tide heron estuary")  # another mind's near-perfect match
        query = "heron estuary tide"
        data = (
            await services.recall.recall(query, top_k=5, threshold=0.0, weight_by_importance=False)
        ).data()
        assert data["method"] == "embeddings" and data["index"] == expected_index
        found = [m["memory_id"] for m in data["memories"]]
        assert found == _exact(texts, query, 5)  # the other mind's memory is not among them
        semantic = {mid: t for mid, t in texts.items() if mid in await _ids_of(services, "semantic")}
        filtered = await services.recall.recall(
            query, top_k=5, threshold=0.0, memory_types=["semantic"], weight_by_importance=False
        )
        assert [m["memory_id"] for m in filtered.data()["memories"]] == _exact(semantic, query, 5)
        gone = found[0]
        assert await services.memory.delete(gone)
        again = (
            await services.recall.recall(query, top_k=5, threshold=0.0, weight_by_importance=False)
        ).data()
        assert gone not in [m["memory_id"] for m in again["memories"]]
        assert [m["memory_id"] for m in again["memories"]] == _exact(
            {k: v for k, v in texts.items() if k != gone}, query, 5
        )
        added = await services.create_memory("heron estuary tide")  # a new memory is found at once
        latest = (
            await services.recall.recall(query, top_k=1, threshold=0.0, weight_by_importance=False)
        ).data()
        assert latest["memories"][0]["memory_id"] == added["memory_id"]
        assert "index=" in (await services.semantic_recall(query)).splitlines()[0]
    finally:
        services.close()
        other.close()


async def _ids_of(services: CognitiveServices, kind: str) -> set[str]:
    rows = services.store.query("SELECT id FROM memories WHERE mind = :mind AND memory_type = ?", (kind,))
    return {row["id"] for row in rows}


async def test_memories_written_while_the_provider_was_down_join_the_index(
    case: str, request: pytest.FixtureRequest, tmp_path: Any
) -> None:
    """Backfilled vectors (written after the memory, below the index's watermark) are searchable."""
    wanted, expected_index = CASES[case]
    url = _url(case, request, tmp_path)
    offline = CognitiveServices(Store(url), ServicesSettings(store=url))
    created = await offline.create_memory("volcanoes erupt molten lava")
    offline.close()
    services = _open(url, wanted)
    try:
        await services.create_memory("glaciers carve valleys")
        data = (await services.recall.recall("molten lava volcanoes", top_k=2, threshold=0.0)).data()
        assert data["index"] == expected_index
        assert data["memories"][0]["memory_id"] == created["memory_id"]
    finally:
        services.close()
