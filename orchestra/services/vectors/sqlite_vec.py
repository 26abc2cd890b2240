"""Embedding recall on SQLite through sqlite-vec: a ``vec0`` table per (model, dimension).

Rows are partitioned by mind (a ``partition key``, so a search reads only that mind's chunks) and
ranked by cosine distance inside SQLite. The table catches up from ``memories`` before a search
(see :mod:`orchestra.services.vectors.base`); when the vector epoch moves (a memory was deleted),
rows whose memory is gone are pruned.
"""

from __future__ import annotations

from array import array

from orchestra.services.recall_filters import Filters
from orchestra.services.vectors.base import CatchUpIndex, VectorMatch
from orchestra.store import Session, Store

NAME = "sqlite_vec"
PREFIX = "memories_vec"


class SqliteVecIndex(CatchUpIndex):
    """sqlite-vec's ``vec0`` virtual tables, one per (model, dimension), partitioned by mind."""

    name = NAME
    prefix = PREFIX

    def __init__(self) -> None:
        super().__init__()
        self._epochs: dict[tuple[str, str], int] = {}
        self._seen: dict[tuple[str, str], int] = {}

    def _ensure(self, conn: Session, table: str, dim: int) -> None:
        conn.define(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING vec0("
            f"mind text partition key, embedding float[{dim}] distance_metric=cosine)"
        )

    def _put(self, conn: Session, table: str, rows: list[tuple[int, bytes]]) -> None:
        """Insert or replace (vec0 has no upsert): a backfilled row may be caught up again."""
        conn.executemany(f"DELETE FROM {table} WHERE rowid = ?", [(seq,) for seq, _ in rows])
        conn.executemany(
            f"INSERT INTO {table}(rowid, mind, embedding) VALUES (?, :mind, ?)", [list(r) for r in rows]
        )

    def _needs_visit(self, store: Store, table: str) -> bool:
        # A moved epoch (a memory deleted since this process last looked) means rows to prune.
        key = (store.mind, table)
        self._seen[key] = int(store.get_state("vector_epoch", 0))
        return self._epochs.get(key) != self._seen[key]

    def _prepare(self, conn: Session, table: str) -> None:
        if self._epochs.get((conn.mind, table)) != self._seen[(conn.mind, table)]:
            conn.execute(
                f"DELETE FROM {table} WHERE mind = :mind AND rowid NOT IN "
                "(SELECT seq FROM memories WHERE mind = :mind)"
            )

    def _visited(self, store: Store, table: str) -> None:
        self._epochs[(store.mind, table)] = self._seen[(store.mind, table)]

    def search(
        self, store: Store, model: str, query: list[float], limit: int, threshold: float, filters: Filters
    ) -> list[VectorMatch]:
        table = self.catch_up(store, model, len(query))
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
