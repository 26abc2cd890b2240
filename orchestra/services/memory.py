"""Memories: store, fetch, delete, search. Each write is indexed and queued for sync.

``project_id`` and ``session_id`` are read from a memory's metadata (keys of those
names) into columns, so recall can scope by them without parsing JSON per row.
A memory whose embedding could not be computed at write time is still stored and
indexed offline; recall embeds it later (see ``recall``).
"""

from __future__ import annotations

from typing import Any

import structlog

from orchestra.errors import ServiceError
from orchestra.services import outbox
from orchestra.services._common import (
    blocking,
    check_choice,
    check_limit,
    check_object,
    check_text,
    check_unit,
    dumps,
    iso,
    loads,
    new_id,
    now,
)
from orchestra.services.recall import Filters, RecallEngine
from orchestra.services.vocabulary import MEMORY_TYPES
from orchestra.store import Record, Store

log = structlog.get_logger(__name__)


def _payload(row: Record | dict[str, Any]) -> dict[str, Any]:
    """The portable form of a memory (what sync pushes; no embedding)."""
    return {
        "id": row["id"],
        "content": row["content"],
        "memory_type": row["memory_type"],
        "importance": row["importance"],
        "metadata": loads(row["metadata"], {}) if isinstance(row["metadata"], str) else row["metadata"],
        "project_id": row["project_id"],
        "session_id": row["session_id"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def memory_view(row: Record) -> dict[str, Any]:
    """JSON form of a stored memory."""
    view = _payload(row)
    return {
        "memory_id": view.pop("id"),
        **view,
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
        "embedding_model": row["embedding_model"],
    }


class MemoryService:
    """Creates, reads, deletes and searches memories.

    Args:
        store: the migrated store.
        recall: the recall engine (embeds on write, ranks on search).
    """

    def __init__(self, store: Store, recall: RecallEngine) -> None:
        self.store = store
        self.recall = recall

    async def create(
        self,
        content: str,
        memory_type: str = "semantic",
        importance: float = 0.5,
        metadata: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Store a memory, embed it when a provider answers, index it and queue it for sync.

        Raises:
            ServiceError: empty content, unknown type, importance outside 0..1, bad metadata.
        """
        check_text("content", content)
        check_choice("memory_type", memory_type, MEMORY_TYPES)
        importance = check_unit("importance", importance)
        meta = check_object("metadata", metadata, optional=True)
        embedding, model = await blocking(self.recall.embed_for_storage, content)
        return await blocking(self._insert, content, memory_type, importance, meta, embedding, model)

    def _insert(
        self,
        content: str,
        memory_type: str,
        importance: float,
        meta: dict[str, Any],
        embedding: bytes | None,
        model: str | None,
    ) -> dict[str, Any]:
        at = now()
        row = {
            "id": new_id(),
            "content": content,
            "memory_type": memory_type,
            "importance": importance,
            "metadata": meta,
            "project_id": _scope(meta, "project_id"),
            "session_id": _scope(meta, "session_id"),
            "created_at": at,
            "updated_at": at,
        }
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO memories(mind, id, content, memory_type, "
                "importance, metadata, project_id, session_id, "
                "created_at, updated_at, embedding, embedding_model) VALUES (:mind,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    row["id"],
                    content,
                    memory_type,
                    importance,
                    dumps(meta),
                    row["project_id"],
                    row["session_id"],
                    at,
                    at,
                    embedding,
                    model,
                ),
            )
            outbox.enqueue(conn, op="upsert", payload=_payload(row), at=at)
        return {
            "memory_id": row["id"],
            "memory_type": memory_type,
            "importance": importance,
            "created_at": iso(at),
            "embedded": embedding is not None,
            "embedding_model": model,
        }

    async def get(self, memory_id: str) -> dict[str, Any] | None:
        """One memory, or ``None`` when no memory has that id.

        Raises:
            ServiceError: the id is not a non-empty string.
        """
        check_text("memory_id", memory_id)
        row = await blocking(
            self.store.query_one, "SELECT * FROM memories WHERE mind = :mind AND id = ?", (memory_id,)
        )
        return None if row is None else memory_view(row)

    async def exists(self, memory_id: str) -> bool:
        """True when a memory with this id is stored."""
        return await self.get(memory_id) is not None

    async def delete(self, memory_id: str) -> bool:
        """Delete a memory and queue the deletion for sync; False when it did not exist."""
        check_text("memory_id", memory_id)
        return await blocking(self._delete, memory_id)

    def _delete(self, memory_id: str) -> bool:
        with self.store.transaction() as conn:
            row = conn.execute(
                "SELECT * FROM memories WHERE mind = :mind AND id = ?", (memory_id,)
            ).fetchone()
            if row is None:
                return False
            conn.execute("DELETE FROM memories WHERE mind = :mind AND id = ?", (memory_id,))
            at = now()
            payload = _payload(row)
            payload["updated_at"] = at
            outbox.enqueue(conn, op="delete", payload=payload, at=at)
            RecallEngine.bump_epoch(conn)
        return True

    async def search(
        self, query: str, limit: int = 10, threshold: float = 0.5, memory_type: str | None = None
    ) -> list[dict[str, Any]]:
        """Memories most similar to ``query``, best first, each naming the recall method.

        Raises:
            ServiceError: empty query, bad limit/threshold or unknown memory type.
        """
        check_text("query", query)
        check_limit("limit", limit)
        threshold = check_unit("threshold", threshold)
        if memory_type is not None:
            check_choice("memory_type", memory_type, MEMORY_TYPES)
        filters = Filters(memory_types=[memory_type] if memory_type else None)
        result = await blocking(self.recall.search, query, limit=limit, threshold=threshold, filters=filters)
        return [hit.to_dict(result.method) for hit in result.hits]

    async def recent(
        self, hours: float = 24.0, limit: int = 10, memory_type: str | None = None
    ) -> list[dict[str, Any]]:
        """Memories created in the last ``hours``, newest first (for the heartbeat's orient phase)."""
        check_limit("limit", limit)
        sql = "SELECT * FROM memories WHERE mind = :mind AND created_at >= ?"
        params: list[Any] = [now() - hours * 3600]
        if memory_type is not None:
            params.append(check_choice("memory_type", memory_type, MEMORY_TYPES))
            sql += " AND memory_type = ?"
        rows = await blocking(self.store.query, sql + " ORDER BY created_at DESC LIMIT ?", [*params, limit])
        return [memory_view(row) for row in rows]

    async def count(self) -> int:
        """Number of stored memories."""
        row = await blocking(self.store.query_one, "SELECT count(*) FROM memories WHERE mind = :mind")
        return int(row[0]) if row else 0

    def restore(self, payloads: list[dict[str, Any]]) -> int:
        """Insert memories recovered from the remote, keeping their ids; no outbox entries.

        Returns:
            How many were inserted (ids already present are skipped).
        """
        inserted = 0
        with self.store.transaction() as conn:
            for p in payloads:
                cur = conn.execute(
                    "INSERT INTO memories(mind, id, content, "
                    "memory_type, importance, metadata, project_id, "
                    "session_id, created_at, updated_at) VALUES (:mind,?,?,?,?,?,?,?,?,?) "
                    "ON CONFLICT (mind, id) DO NOTHING",
                    (
                        p["id"],
                        p["content"],
                        p["memory_type"],
                        float(p["importance"]),
                        dumps(p.get("metadata") or {}),
                        p.get("project_id"),
                        p.get("session_id"),
                        float(p["created_at"]),
                        float(p.get("updated_at") or p["created_at"]),
                    ),
                )
                inserted += cur.rowcount
        if inserted:
            log.info("memory.restored", count=inserted)
        return inserted


def _scope(meta: dict[str, Any], key: str) -> str | None:
    value = meta.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int):
        raise ServiceError(f"metadata.{key} must be a string, got {type(value).__name__}")
    return str(value)
