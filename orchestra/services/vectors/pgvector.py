"""Embedding recall on PostgreSQL through pgvector: an HNSW index per (model, dimension).

A table ``memory_vectors_<model>_<dim>`` holds ``vector(dim)`` rows keyed by the memory's seq
(deleted with it, by cascade) under an HNSW index with cosine distance. A search filtered by mind
(and recall's filters) uses pgvector's iterative index scan, so a selective filter still fills
the answer. The table catches up from ``memories`` before a search (see ``base``).
"""

from __future__ import annotations

from array import array

from orchestra.errors import StoreError
from orchestra.services.recall_filters import Filters
from orchestra.services.vectors.base import CatchUpIndex, VectorMatch
from orchestra.store import Session, Store

NAME = "pgvector_hnsw"
PREFIX = "memory_vectors"


def vector_literal(blob: bytes) -> str:
    """pgvector's text form of a stored float32 vector."""
    values = array("f")
    values.frombytes(blob)
    return "[" + ",".join(repr(v) for v in values) + "]"


def pgvector_problem(store: Store) -> str | None:
    """None when the server has pgvector (installing it in this database if allowed), else why not."""
    try:
        with store.transaction() as conn:
            available = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'").fetchone()
            if available is None:
                return "the PostgreSQL server has no pgvector extension"
            conn.define("CREATE EXTENSION IF NOT EXISTS vector")
    except StoreError as exc:
        return f"pgvector could not be enabled: {exc}"
    return None


class PgVectorIndex(CatchUpIndex):
    """pgvector tables with HNSW indexes, one per (model, dimension)."""

    name = NAME
    prefix = PREFIX

    def __init__(self) -> None:
        super().__init__()
        self._ready: set[str] = set()

    def _ensure(self, conn: Session, table: str, dim: int) -> None:
        if table in self._ready:
            return
        conn.define(
            f"CREATE TABLE IF NOT EXISTS {table} (seq BIGINT PRIMARY KEY REFERENCES memories(seq) "
            f"ON DELETE CASCADE, mind TEXT NOT NULL, embedding vector({dim}) NOT NULL)"
        )

    def _put(self, conn: Session, table: str, rows: list[tuple[int, bytes]]) -> None:
        conn.executemany(
            f"INSERT INTO {table}(seq, mind, embedding) VALUES (?, :mind, CAST(? AS vector)) "
            "ON CONFLICT (seq) DO UPDATE SET embedding = excluded.embedding",
            [(seq, vector_literal(blob)) for seq, blob in rows],
        )

    def _needs_visit(self, store: Store, table: str) -> bool:
        return table not in self._ready  # this process has not made sure of the table and its graph

    def _finish(self, conn: Session, table: str) -> None:
        # Built after the first catch-up (one bulk build, not 100k incremental inserts); a no-op later.
        # No btree on mind: given one, the planner filters by it and sorts every row (a full scan)
        # instead of walking the graph with the filter applied (iterative scan).
        if table not in self._ready:
            conn.define(
                f"CREATE INDEX IF NOT EXISTS {table}_hnsw ON {table} USING hnsw (embedding vector_cosine_ops)"
            )
            conn.execute(f"ANALYZE {table}")  # so the planner knows the table's size at once

    def _visited(self, store: Store, table: str) -> None:
        self._ready.add(table)  # only once the transaction that made it has committed

    def search(
        self, store: Store, model: str, query: list[float], limit: int, threshold: float, filters: Filters
    ) -> list[VectorMatch]:
        table = self.catch_up(store, model, len(query))
        where, params = filters.sql()
        literal = "[" + ",".join(repr(float(v)) for v in query) + "]"
        k = max(limit, 16) * (4 if filters else 1)
        with store.reading() as conn:
            # Iterative scans keep reading the HNSW graph until the mind's rows fill the answer.
            conn.execute("SET hnsw.iterative_scan = relaxed_order")
            conn.execute(f"SET hnsw.ef_search = {min(1000, max(40, k))}")
            while True:
                rows = conn.execute(
                    "SELECT m.id, 1.0 - v.distance AS similarity FROM (SELECT seq, "
                    f"embedding <=> CAST(? AS vector) AS distance FROM {table} WHERE mind = :mind "
                    "ORDER BY distance LIMIT ?) v "
                    f"JOIN memories m ON m.seq = v.seq WHERE m.mind = :mind{where} ORDER BY v.distance",
                    [literal, k, *params],
                ).fetchall()
                if len(rows) >= limit or not filters or k >= 4096:
                    break
                k *= 4
        matches = [VectorMatch(row["id"], float(row["similarity"])) for row in rows]
        return [match for match in matches if match.similarity >= threshold][:limit]
