"""Embedding recall on SQLite through sqlite-vec: a ``vec0`` table per (model, dimension).

Rows are partitioned by mind (a ``partition key``, so a search reads only that mind's chunks) and
ranked by cosine distance inside SQLite. The table catches up from ``memories`` before a search
(see :mod:`orchestra.services.vectors.base`); when the vector epoch moves (a memory was deleted),
rows whose memory is gone are pruned.
"""

from __future__ import annotations

import threading
from array import array

from orchestra.services.recall_filters import Filters
from orchestra.services.vectors.base import VectorMatch, pending_rows, table_name, watermark_key
from orchestra.store import Session, Store

NAME = "sqlite_vec"
PREFIX = "memories_vec"


class SqliteVecIndex:
    """sqlite-vec's ``vec0`` virtual tables, one per (model, dimension), partitioned by mind."""

    name = NAME

    def __init__(self) -> None:
        self._epochs: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def _ensure(self, conn: Session, table: str, dim: int) -> None:
        conn.define(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING vec0("
            f"mind text partition key, embedding float[{dim}] distance_metric=cosine)"
        )

    def added(self, conn: Session, model: str, rows: list[tuple[int, bytes]]) -> None:
        by_dim: dict[int, list[tuple[int, bytes]]] = {}
        for seq, blob in rows:
            by_dim.setdefault(len(blob) // 4, []).append((seq, blob))
        for dim, group in by_dim.items():
            table = table_name(PREFIX, model, dim)
            self._ensure(conn, table, dim)
            self._put(conn, table, group)

    @staticmethod
    def _put(conn: Session, table: str, rows: list[tuple[int, bytes]]) -> None:
        """Insert or replace (vec0 has no upsert): a backfilled row may be caught up again."""
        conn.executemany(f"DELETE FROM {table} WHERE rowid = ?", [(seq,) for seq, _ in rows])
        conn.executemany(
            f"INSERT INTO {table}(rowid, mind, embedding) VALUES (?, :mind, ?)", [list(r) for r in rows]
        )

    def _catch_up(self, store: Store, model: str, table: str, dim: int) -> None:
        key = watermark_key(table)
        epoch = int(store.get_state("vector_epoch", 0))
        pruned = self._epochs.get((store.mind, table)) == epoch
        mark = int(store.get_state(key, 0))
        newest = store.query_one(
            "SELECT max(seq) FROM memories WHERE mind = :mind AND embedding_model = ?", (model,)
        )
        if pruned and (newest is None or newest[0] is None or int(newest[0]) <= mark):
            return
        with store.transaction() as conn:
            self._ensure(conn, table, dim)
            if not pruned:
                conn.execute(
                    f"DELETE FROM {table} WHERE mind = :mind AND rowid NOT IN "
                    "(SELECT seq FROM memories WHERE mind = :mind)"
                )
            mark = int(store.get_state(key, 0, conn))
            while rows := pending_rows(conn, model, mark, dim):
                self._put(conn, table, [(row["seq"], row["embedding"]) for row in rows])
                mark = int(rows[-1]["seq"])
            last = conn.execute(
                "SELECT max(seq) FROM memories WHERE mind = :mind AND embedding_model = ?", (model,)
            ).fetchone()
            store.set_state(key, max(mark, int(last[0] or 0)), conn)
        self._epochs[(store.mind, table)] = epoch

    def search(
        self, store: Store, model: str, query: list[float], limit: int, threshold: float, filters: Filters
    ) -> list[VectorMatch]:
        dim = len(query)
        table = table_name(PREFIX, model, dim)
        with self._lock:
            self._catch_up(store, model, table, dim)
        blob = array("f", query).tobytes()
        where, params = filters.sql()
        k = max(limit, 16) * (4 if filters else 1)
        while True:
            rows = store.query(
                f"SELECT m.id, 1.0 - v.distance AS similarity FROM (SELECT rowid, distance FROM {table} "
                "WHERE embedding MATCH ? AND k = ? AND mind = :mind) v "
                f"JOIN memories m ON m.seq = v.rowid WHERE m.mind = :mind{where} ORDER BY v.distance",
                [blob, k, *params],
            )
            found = [VectorMatch(row["id"], float(row["similarity"])) for row in rows]
            exhausted = len(rows) >= limit or k >= 4096
            if exhausted or not filters:
                break
            k *= 4
        return [match for match in found if match.similarity >= threshold][:limit]
