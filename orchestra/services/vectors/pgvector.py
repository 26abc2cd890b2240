"""Embedding recall on PostgreSQL through pgvector: an HNSW index per (model, dimension).

A table ``memory_vectors_<model>_<dim>`` holds ``vector(dim)`` rows keyed by the memory's seq
(deleted with it, by cascade) under an HNSW index with cosine distance. A search filtered by mind
(and recall's filters) uses pgvector's iterative index scan, so a selective filter still fills
the answer. The table catches up from ``memories`` before a search (see ``base``).
"""

from __future__ import annotations

import threading
from array import array

from orchestra.errors import StoreError
from orchestra.services.recall_filters import Filters
from orchestra.services.vectors.base import VectorMatch, pending_rows, table_name, watermark_key
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


class PgVectorIndex:
    """pgvector tables with HNSW indexes, one per (model, dimension)."""

    name = NAME

    def __init__(self) -> None:
        self._ready: set[str] = set()
        self._lock = threading.Lock()

    def _ensure(self, conn: Session, table: str, dim: int) -> None:
        if table in self._ready:
            return
        conn.define(
            f"CREATE TABLE IF NOT EXISTS {table} (seq BIGINT PRIMARY KEY REFERENCES memories(seq) "
            f"ON DELETE CASCADE, mind TEXT NOT NULL, embedding vector({dim}) NOT NULL)"
        )

    def _write(self, conn: Session, table: str, rows: list[tuple[int, bytes]]) -> None:
        conn.executemany(
            f"INSERT INTO {table}(seq, mind, embedding) VALUES (?, :mind, CAST(? AS vector)) "
            "ON CONFLICT (seq) DO UPDATE SET embedding = excluded.embedding",
            [(seq, vector_literal(blob)) for seq, blob in rows],
        )

    def added(self, conn: Session, model: str, rows: list[tuple[int, bytes]]) -> None:
        by_dim: dict[int, list[tuple[int, bytes]]] = {}
        for seq, blob in rows:
            by_dim.setdefault(len(blob) // 4, []).append((seq, blob))
        for dim, group in by_dim.items():
            table = table_name(PREFIX, model, dim)
            self._ensure(conn, table, dim)
            self._write(conn, table, group)

    def _catch_up(self, store: Store, model: str, table: str, dim: int) -> None:
        key = watermark_key(table)
        mark = int(store.get_state(key, 0))
        newest = store.query_one(
            "SELECT max(seq) FROM memories WHERE mind = :mind AND embedding_model = ?", (model,)
        )
        if table in self._ready and (newest is None or newest[0] is None or int(newest[0]) <= mark):
            return
        with store.transaction() as conn:
            self._ensure(conn, table, dim)
            mark = int(store.get_state(key, 0, conn))
            while rows := pending_rows(conn, model, mark, dim):
                self._write(conn, table, [(row["seq"], row["embedding"]) for row in rows])
                mark = int(rows[-1]["seq"])
            last = conn.execute(
                "SELECT max(seq) FROM memories WHERE mind = :mind AND embedding_model = ?", (model,)
            ).fetchone()
            store.set_state(key, max(mark, int(last[0] or 0)), conn)
            # Built after the first catch-up (one bulk build, not 100k incremental inserts); a no-op later.
            # No btree on mind: given one, the planner filters by it and sorts every row (a full scan)
            # instead of walking the graph with the filter applied (iterative scan).
            if table not in self._ready:
                conn.define(
                    f"CREATE INDEX IF NOT EXISTS {table}_hnsw ON {table} "
                    "USING hnsw (embedding vector_cosine_ops)"
                )
                conn.execute(f"ANALYZE {table}")  # so the planner knows the table's size at once
        self._ready.add(table)  # only once the transaction that made it has committed

    def search(
        self, store: Store, model: str, query: list[float], limit: int, threshold: float, filters: Filters
    ) -> list[VectorMatch]:
        dim = len(query)
        table = table_name(PREFIX, model, dim)
        with self._lock:
            self._catch_up(store, model, table, dim)
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
