"""The offline text index recall falls back on, one per backend, with the same answers' shape.

* SQLite: FTS5 (``memories_fts``, BM25, document counts from the ``fts5vocab`` table).
* PostgreSQL: the generated ``content_tsv`` column under a GIN index, ranked by ``ts_rank``.

Both hand recall rows with ``bm``, a rank where lower is better and the best row is the most
negative (BM25's convention; PostgreSQL's rank is negated), so one scoring rule serves both.
Document counts on SQLite come from FTS5's vocabulary over the whole file; on PostgreSQL they
are counted per mind and capped just above the postings budget (past it, a word only needs to be
known as too common to rank by).
"""

from __future__ import annotations

import time
from typing import Any, Protocol

from orchestra.store import Record, Session
from orchestra.store.location import SQLITE

COLUMNS = (
    "m.seq AS seq, m.id, m.content, m.memory_type, m.importance, m.metadata, "
    "m.project_id, m.session_id, m.created_at"
)

METHOD_FTS5 = "fts5_bm25"
METHOD_POSTGRES = "postgres_fts"


def quote(term: str) -> str:
    """An FTS5 string literal for one word, so user text can never be parsed as syntax."""
    return '"' + term.replace('"', '""') + '"'


class TextIndex(Protocol):
    """What recall asks of a backend's text index."""

    method: str

    def total(self, conn: Session) -> int:
        """How many memories the mind holds (for IDF; may lag by a few seconds)."""
        ...

    def document_counts(self, conn: Session, terms: list[str], cap: int) -> dict[str, int]:
        """Memories holding each term (at least ``cap + 1`` when more)."""
        ...

    def ranked(
        self, conn: Session, terms: list[str], where: str, params: list[Any], pool: int
    ) -> list[Record]:
        """The ``pool`` best memories holding any of ``terms``, best first."""
        ...

    def newest(
        self, conn: Session, terms: list[str], where: str, params: list[Any], pool: int
    ) -> list[Record]:
        """The ``pool`` newest memories holding all of ``terms``, with their rank."""
        ...


class _CachedTotal:
    """A mind's memory count for IDF, recounted at most every few seconds.

    Counting reads every index entry of the mind (milliseconds at 100k on SQLite, tens on
    PostgreSQL), once per recall; IDF moves by far less than that in a few seconds.
    """

    TOTAL_TTL_S = 5.0

    def __init__(self) -> None:
        self._totals: dict[str, tuple[int, float]] = {}

    def total(self, conn: Session) -> int:
        known = self._totals.get(conn.mind)
        if known is not None and time.monotonic() - known[1] < self.TOTAL_TTL_S:
            return known[0]
        count = int(conn.execute("SELECT count(*) FROM memories WHERE mind = :mind").fetchone()[0])
        self._totals[conn.mind] = (count, time.monotonic())
        return count


class Fts5Index(_CachedTotal):
    """SQLite's FTS5 table kept in step with ``memories`` by triggers.

    Joins are ``CROSS JOIN`` (SQLite's way to fix the join order): FTS5 first, then each match's
    row. Left to itself the planner may walk the mind's rows through its index and probe FTS5 for
    each one - seconds at 10k memories for a query of common words.
    """

    method = METHOD_FTS5

    def document_counts(self, conn: Session, terms: list[str], cap: int) -> dict[str, int]:
        marks = ", ".join("?" * len(terms))
        rows = conn.execute(f"SELECT term, doc FROM memories_vocab WHERE term IN ({marks})", terms).fetchall()
        return {row[0]: int(row[1]) for row in rows}

    def ranked(
        self, conn: Session, terms: list[str], where: str, params: list[Any], pool: int
    ) -> list[Record]:
        expression = " OR ".join(quote(term) for term in terms)
        if not where:
            # Rank inside FTS5 first and join only the survivors (the fast path). The file may
            # hold other minds: if any survivor is theirs, the exact (joined) form runs instead.
            rows = conn.execute(
                f"SELECT {COLUMNS}, f.bm AS bm, m.mind = :mind AS mine FROM (SELECT rowid, "
                "bm25(memories_fts) AS bm FROM memories_fts WHERE memories_fts MATCH ? "
                "ORDER BY bm LIMIT ?) f "
                "JOIN memories m ON m.seq = f.rowid ORDER BY bm",
                [expression, pool],
            ).fetchall()
            if all(row["mine"] for row in rows):
                return rows
        return conn.execute(
            f"SELECT {COLUMNS}, bm25(memories_fts) AS bm FROM memories_fts "
            f"CROSS JOIN memories m ON m.seq = memories_fts.rowid "
            f"WHERE memories_fts MATCH ? AND m.mind = :mind{where} ORDER BY bm LIMIT ?",
            [expression, *params, pool],
        ).fetchall()

    def newest(
        self, conn: Session, terms: list[str], where: str, params: list[Any], pool: int
    ) -> list[Record]:
        return conn.execute(
            f"SELECT {COLUMNS}, bm25(memories_fts) AS bm FROM memories_fts "
            f"CROSS JOIN memories m ON m.seq = memories_fts.rowid "
            f"WHERE memories_fts MATCH ? AND m.mind = :mind{where} ORDER BY memories_fts.rowid DESC LIMIT ?",
            [" AND ".join(quote(term) for term in terms), *params, pool],
        ).fetchall()


class PostgresTextIndex(_CachedTotal):
    """PostgreSQL full-text search over the generated ``content_tsv`` column (GIN)."""

    method = METHOD_POSTGRES

    @staticmethod
    def _matching(
        conn: Session, terms: list[str], operator: str, order: str, where: str, params: list[Any], pool: int
    ) -> list[Record]:
        """The mind's memories matching the terms joined by ``operator`` (``||`` any, ``&&`` all)."""
        query = "(" + f" {operator} ".join("plainto_tsquery('simple', ?)" for _ in terms) + ")"
        return conn.execute(
            f"SELECT {COLUMNS}, -ts_rank(m.content_tsv, q.query) AS bm FROM memories m, "
            f"(SELECT {query} AS query) q WHERE m.mind = :mind AND m.content_tsv @@ q.query{where} "
            f"ORDER BY {order} LIMIT ?",
            [*terms, *params, pool],
        ).fetchall()

    def document_counts(self, conn: Session, terms: list[str], cap: int) -> dict[str, int]:
        counts: dict[str, int] = {}
        for term in terms:
            row = conn.execute(
                "SELECT count(*) FROM (SELECT 1 FROM memories WHERE mind = :mind "
                "AND content_tsv @@ plainto_tsquery('simple', ?) LIMIT ?) hits",
                (term, cap + 1),
            ).fetchone()
            counts[term] = int(row[0]) if row else 0
        return counts

    def ranked(
        self, conn: Session, terms: list[str], where: str, params: list[Any], pool: int
    ) -> list[Record]:
        return self._matching(conn, terms, "||", "bm", where, params, pool)

    def newest(
        self, conn: Session, terms: list[str], where: str, params: list[Any], pool: int
    ) -> list[Record]:
        return self._matching(conn, terms, "&&", "m.seq DESC", where, params, pool)


def text_index_for(dialect: str) -> TextIndex:
    """The text index of a backend."""
    return Fts5Index() if dialect == SQLITE else PostgresTextIndex()
