"""What every vector index answers, and the catch-up that keeps a database-side index in step.

The stored ``memories.embedding`` (little-endian float32, unit length) is the truth on every
backend; an index is derived from it. Database-side indexes (sqlite-vec, pgvector) hold one table
per (model, dimension) and catch up before each search: rows of this mind above its watermark (a
``kv`` entry, advanced in the same transaction as the rows it covers) are added. Seq order is
commit order within a mind because a mind's writes are serialised, so nothing is skipped.
Deleted memories leave the index by cascade (PostgreSQL) or by a prune when the vector epoch
moves (SQLite); updated embeddings (backfill) are re-added by the backfill itself.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Any, Protocol

from orchestra.services.recall_filters import Filters
from orchestra.store import Session, Store

CATCH_UP_BATCH = 5000


@dataclass(frozen=True)
class VectorMatch:
    """One memory found by similarity: its id and cosine similarity in [-1, 1]."""

    memory_id: str
    similarity: float


class VectorIndex(Protocol):
    """A nearest-neighbour search over one mind's stored embeddings of one model."""

    name: str
    """How the answer names it: ``pgvector_hnsw``, ``sqlite_vec`` or ``numpy_exact``."""

    def search(
        self, store: Store, model: str, query: list[float], limit: int, threshold: float, filters: Filters
    ) -> list[VectorMatch]:
        """The ``limit`` most similar memories at or above ``threshold``, best first."""
        ...

    def added(self, conn: Session, model: str, rows: list[tuple[int, bytes]]) -> None:
        """Embeddings of existing memories (seq, vector) just (re)written inside ``conn``'s transaction."""
        ...


def table_name(prefix: str, model: str, dim: int) -> str:
    """A stable table name for one (model, dimension): models are free text, names are not."""
    digest = hashlib.blake2b(f"{model}\x00{dim}".encode(), digest_size=6).hexdigest()
    return f"{prefix}_{digest}_{dim}"


def watermark_key(table: str) -> str:
    """The ``kv`` key of a mind's highest indexed seq in ``table``."""
    return f"vector_index:{table}"


def pending_rows(conn: Session, model: str, after: int, dim: int) -> list[Any]:
    """This mind's memories embedded by ``model`` with seq above ``after`` (one batch)."""
    rows = conn.execute(
        "SELECT seq, embedding FROM memories WHERE mind = :mind AND embedding_model = ? AND seq > ? "
        "ORDER BY seq LIMIT ?",
        (model, after, CATCH_UP_BATCH),
    ).fetchall()
    return [row for row in rows if row["embedding"] is not None and len(row["embedding"]) == dim * 4]


class CatchUpIndex:
    """The shared half of a database-side index: its tables and the catch-up that fills them.

    Subclasses say how a table is made (``_ensure``) and written (``_put``), and may add work to a
    catch-up: ``_needs_visit`` (a reason to enter the transaction though no row is new),
    ``_prepare`` (before the rows: sqlite-vec prunes deleted memories), ``_finish`` (after them:
    pgvector builds its graph once) and ``_visited`` (once the transaction has committed).
    """

    prefix: str

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def _ensure(self, conn: Session, table: str, dim: int) -> None:
        raise NotImplementedError

    def _put(self, conn: Session, table: str, rows: list[tuple[int, bytes]]) -> None:
        raise NotImplementedError

    def _needs_visit(self, store: Store, table: str) -> bool:
        return False

    def _prepare(self, conn: Session, table: str) -> None:
        """Work before the new rows are added (nothing by default)."""

    def _finish(self, conn: Session, table: str) -> None:
        """Work after the new rows are added (nothing by default)."""

    def _visited(self, store: Store, table: str) -> None:
        """Bookkeeping once the catch-up committed (nothing by default)."""

    def added(self, conn: Session, model: str, rows: list[tuple[int, bytes]]) -> None:
        """Embeddings of existing memories (seq, vector) just (re)written inside ``conn``'s transaction."""
        by_dim: dict[int, list[tuple[int, bytes]]] = {}
        for seq, blob in rows:
            by_dim.setdefault(len(blob) // 4, []).append((seq, blob))
        for dim, group in by_dim.items():
            table = table_name(self.prefix, model, dim)
            self._ensure(conn, table, dim)
            self._put(conn, table, group)

    def catch_up(self, store: Store, model: str, dim: int) -> str:
        """Add this mind's memories above the watermark; returns the table to search."""
        table = table_name(self.prefix, model, dim)
        with self._lock:
            key = watermark_key(table)
            mark = int(store.get_state(key, 0))
            newest = _newest(store.query_one(_NEWEST, (model,)))
            if not self._needs_visit(store, table) and newest <= mark:
                return table
            with store.transaction() as conn:
                self._ensure(conn, table, dim)
                self._prepare(conn, table)
                mark = int(store.get_state(key, 0, conn))
                while rows := pending_rows(conn, model, mark, dim):
                    self._put(conn, table, [(row["seq"], row["embedding"]) for row in rows])
                    mark = int(rows[-1]["seq"])
                store.set_state(key, max(mark, _newest(conn.execute(_NEWEST, (model,)).fetchone())), conn)
                self._finish(conn, table)
            self._visited(store, table)
        return table


_NEWEST = "SELECT max(seq) FROM memories WHERE mind = :mind AND embedding_model = ?"


def _newest(row: Any) -> int:
    return int(row[0]) if row is not None and row[0] is not None else 0
