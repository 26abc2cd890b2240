"""Recall through a real litellm embeddings call to a local server, and fallback when it is down."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from orchestra.services import CognitiveServices, EmbeddingSettings, ServicesSettings
from tests.services.embedding_server import EmbeddingServer

pytestmark = pytest.mark.anyio


@pytest.fixture
def server() -> Iterator[EmbeddingServer]:
    srv = EmbeddingServer()
    yield srv
    srv.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _with_embeddings(
    settings: ServicesSettings, api_base: str, retry_after_s: float = 30.0
) -> ServicesSettings:
    return settings.model_copy(
        update={
            "embeddings": EmbeddingSettings(
                model="openai/hash-embed",
                api_base=api_base,
                api_key="test-key",
                timeout_s=5,
                retry_after_s=retry_after_s,
            )
        }
    )


class TestEmbeddingsRecall:
    async def test_ranks_by_cosine_through_litellm(
        self, settings: ServicesSettings, server: EmbeddingServer
    ) -> None:
        """Memories are embedded on write; the relevant one ranks first and the method says embeddings."""
        svc = CognitiveServices.open(_with_embeddings(settings, server.api_base))
        try:
            target = await svc.create_memory("rivers carry sediment to the delta")
            assert target["embedded"] is True and target["embedding_model"] == "openai/hash-embed"
            await svc.create_memory("the bakery sells sourdough bread")
            await svc.create_memory("stock prices fell sharply today")
            results = await svc.search_memories("sediment carried by rivers", threshold=0.1)
            assert results[0]["memory_id"] == target["memory_id"]
            assert results[0]["method"] == "embeddings"
            assert 0.3 < results[0]["score"] <= 1.0
            assert all(r["score"] < results[0]["score"] for r in results[1:])
            text = await svc.semantic_recall("rivers sediment delta", threshold=0.3)
            assert text.startswith("[recall method=embeddings") and target["memory_id"] in text
            assert any(req["input"] == ["sediment carried by rivers"] for req in server.requests)
        finally:
            svc.close()

    async def test_falls_back_when_provider_is_down(self, settings: ServicesSettings) -> None:
        """With nothing listening, writes still succeed and recall answers offline, saying why."""
        svc = CognitiveServices.open(_with_embeddings(settings, f"http://127.0.0.1:{_free_port()}/v1"))
        try:
            created = await svc.create_memory("glaciers carve valleys slowly")
            assert created["embedded"] is False
            started = time.perf_counter()
            results = await svc.search_memories("glaciers valleys", threshold=0.0)
            assert time.perf_counter() - started < 2.0  # the failed provider is not retried at once
            assert results[0]["memory_id"] == created["memory_id"]
            assert results[0]["method"] == svc.recall.method_offline
            text = await svc.semantic_recall("glaciers valleys")
            assert (
                text.startswith(f"[recall method={svc.recall.method_offline}") and "fallback_reason=" in text
            )
        finally:
            svc.close()

    async def test_backfills_memories_written_while_down(
        self, settings: ServicesSettings, server: EmbeddingServer
    ) -> None:
        """Memories stored without vectors are embedded when the provider answers again."""
        offline = CognitiveServices.open(settings)
        created = await offline.create_memory("volcanoes erupt molten lava")
        offline.close()
        svc = CognitiveServices.open(_with_embeddings(settings, server.api_base))
        try:
            results = await svc.search_memories("molten lava volcanoes", threshold=0.5)
            assert [r["memory_id"] for r in results] == [created["memory_id"]]
            assert results[0]["method"] == "embeddings"
            stored = await svc.get_memory(created["memory_id"])
            assert stored is not None and stored["embedding_model"] == "openai/hash-embed"
            await svc.memory.delete(created["memory_id"])
            assert await svc.search_memories("molten lava volcanoes", threshold=0.0) == []
        finally:
            svc.close()
