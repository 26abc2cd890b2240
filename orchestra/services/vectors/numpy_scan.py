"""Exact nearest neighbours by one matrix product over an in-process cache (NumPy).

The fallback wherever no database-side index is available, on either backend: the cache holds a
float32 matrix of one mind's vectors of one model, grows by seq as memories are added (any
process), and is rebuilt when the vector epoch moves (a deletion or a backfill).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from orchestra.services.recall_filters import Filters
from orchestra.services.vectors.base import VectorMatch
from orchestra.store import Session, Store

NAME = "numpy_exact"


@dataclass
class _Cache:
    epoch: int = -1
    max_seq: int = 0
    ids: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    projects: list[str | None] = field(default_factory=list)
    sessions: list[str | None] = field(default_factory=list)
    blocks: list[np.ndarray] = field(default_factory=list)
    matrix: np.ndarray | None = None


class NumpyIndex:
    """Exact cosine search over cached unit vectors (a matrix-vector product per query)."""

    name = NAME

    def __init__(self) -> None:
        self._caches: dict[tuple[str, str], _Cache] = {}
        self._lock = threading.Lock()

    def added(self, conn: Session, model: str, rows: list[tuple[int, bytes]]) -> None:
        """Nothing to do: a backfill bumps the epoch and the cache reloads."""

    def search(
        self, store: Store, model: str, query: list[float], limit: int, threshold: float, filters: Filters
    ) -> list[VectorMatch]:
        with self._lock:
            cache = self._refresh(store, model)
            if cache.matrix is None or not cache.ids:
                return []
            q = np.asarray(query, dtype=np.float32)
            if q.shape[0] != cache.matrix.shape[1]:
                return []
            scores = cache.matrix @ q
            if filters:
                mask = np.fromiter(
                    (
                        filters.accepts(t, p, s)
                        for t, p, s in zip(cache.types, cache.projects, cache.sessions, strict=True)
                    ),
                    dtype=bool,
                    count=len(cache.ids),
                )
                scores = np.where(mask, scores, -np.inf)
            candidates = np.flatnonzero(scores >= threshold)
            if candidates.size > limit:
                top = np.argpartition(-scores[candidates], limit - 1)[:limit]
                candidates = candidates[top]
            order = candidates[np.argsort(-scores[candidates], kind="stable")]
            return [VectorMatch(cache.ids[i], float(scores[i])) for i in order]

    def _refresh(self, store: Store, model: str) -> _Cache:
        key = (store.mind, model)
        cache = self._caches.setdefault(key, _Cache())
        epoch = int(store.get_state("vector_epoch", 0))
        if epoch != cache.epoch:
            self._caches[key] = cache = _Cache(epoch=epoch)
        rows = store.query(
            "SELECT seq, id, memory_type, project_id, session_id, embedding FROM memories "
            "WHERE mind = :mind AND embedding_model = ? AND seq > ? ORDER BY seq",
            (model, cache.max_seq),
        )
        if not rows:
            return cache
        dim = cache.matrix.shape[1] if cache.matrix is not None else len(rows[0]["embedding"]) // 4
        fresh = [row for row in rows if row["embedding"] is not None and len(row["embedding"]) == dim * 4]
        if fresh:
            block = np.frombuffer(b"".join(row["embedding"] for row in fresh), dtype="<f4").reshape(-1, dim)
            cache.blocks.append(block)
            cache.ids.extend(row["id"] for row in fresh)
            cache.types.extend(row["memory_type"] for row in fresh)
            cache.projects.extend(row["project_id"] for row in fresh)
            cache.sessions.extend(row["session_id"] for row in fresh)
            cache.matrix = cache.blocks[0] if len(cache.blocks) == 1 else np.vstack(cache.blocks)
            cache.blocks = [cache.matrix]
        cache.max_seq = int(rows[-1]["seq"])
        return cache
