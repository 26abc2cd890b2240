"""Vector indexes for embedding recall: pgvector, sqlite-vec, or an exact NumPy scan.

:func:`choose` picks the best one the store's backend offers and says why a better one is not
used; the answer of every embedding recall names the index that produced it.
"""

from __future__ import annotations

from orchestra.services.vectors.base import VectorIndex, VectorMatch
from orchestra.services.vectors.numpy_scan import NumpyIndex
from orchestra.store import Store
from orchestra.store.location import SQLITE

INDEXES = ("auto", "pgvector_hnsw", "sqlite_vec", "numpy_exact")


def choose(store: Store, wanted: str = "auto") -> tuple[VectorIndex, str | None]:
    """The vector index for ``store`` and, when it is the NumPy fallback, the reason.

    Args:
        store: the open store.
        wanted: ``auto`` (the best available) or one index by name (``numpy_exact`` always works).

    Raises:
        ValueError: ``wanted`` names an index this backend cannot have.
    """
    if wanted not in INDEXES:
        raise ValueError(f"unknown vector index {wanted!r}; valid: {', '.join(INDEXES)}")
    if wanted == "numpy_exact":
        return NumpyIndex(), None
    if store.dialect == SQLITE:
        from orchestra.store.sqlite_driver import vector_problem

        problem = vector_problem()
        if wanted == "pgvector_hnsw":
            raise ValueError("pgvector_hnsw needs a PostgreSQL store")
        if problem is None:
            from orchestra.services.vectors.sqlite_vec import SqliteVecIndex

            return SqliteVecIndex(), None
    else:
        from orchestra.services.vectors.pgvector import PgVectorIndex, pgvector_problem

        if wanted == "sqlite_vec":
            raise ValueError("sqlite_vec needs a SQLite store")
        problem = pgvector_problem(store)
        if problem is None:
            return PgVectorIndex(), None
    if wanted != "auto":
        raise ValueError(f"{wanted} is not available: {problem}")
    return NumpyIndex(), problem


__all__ = ["INDEXES", "NumpyIndex", "VectorIndex", "VectorMatch", "choose"]
