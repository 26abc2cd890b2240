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
