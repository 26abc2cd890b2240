"""Recall: rank memories by meaning, with an offline fallback that is always there.

Two methods, and every answer names the one that produced it:

* ``embeddings`` - the query is embedded by the configured provider and compared by
  cosine similarity with the unit vectors stored per memory (brute force over an
  in-process cache, refreshed incrementally). Memories written while the provider was
  down are embedded lazily, at most ``BACKFILL_LIMIT`` per recall.
* ``fts5_bm25`` - used when no provider is configured or it fails. FTS5 ranks the
  candidates with BM25 (``MATCH ... ORDER BY rank LIMIT``; no full scan; the rarest
  query terms up to a postings budget, so stopwords cannot make it rank half the
  store), then each
  candidate gets a score in 0..1 that a threshold can mean something against:
  ``0.8 x coverage + 0.2 x bm25 / best_bm25``, where coverage is the IDF-weighted share
  of the query's terms found in the memory (IDF from the FTS5 vocabulary, so frequent
  words such as stopwords weigh little; words no memory contains are left out). A
  memory holding every query term scores at least 0.8; one holding a single common
  word scores low.
"""

from __future__ import annotations

import math
import re
import sqlite3
import threading
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import structlog

from orchestra.errors import ServiceError
from orchestra.services._common import blocking, check_choice, check_limit, check_text, check_unit, iso, loads
from orchestra.services.embeddings import EmbeddingProvider, normalise, pack, unpack
from orchestra.services.vocabulary import MEMORY_TYPES
from orchestra.store import Store

log = structlog.get_logger(__name__)

METHOD_EMBEDDINGS = "embeddings"
METHOD_OFFLINE = "fts5_bm25"
BACKFILL_LIMIT = 256
MAX_QUERY_TERMS = 32
MATCH_BUDGET = 5000
"""Most postings (documents per term, summed) one offline query asks FTS5 to rank."""
_TOKEN = re.compile(r"[^\W_]+")
_COLUMNS = (
    "m.rowid AS rowid, m.id, m.content, m.memory_type, m.importance, m.metadata, "
    "m.project_id, m.session_id, m.created_at"
)


@dataclass(frozen=True, kw_only=True)
class RecallHit:
    """One recalled memory and its similarity score (0..1)."""

    memory_id: str
    content: str
    memory_type: str
    importance: float
    score: float
    metadata: dict[str, Any]
    created_at: float

    def to_dict(self, method: str) -> dict[str, Any]:
        """JSON form, naming the method that scored it."""
        return {
            "memory_id": self.memory_id,
            "content": self.content,
            "memory_type": self.memory_type,
            "importance": self.importance,
            "score": round(self.score, 4),
            "method": method,
            "metadata": self.metadata,
            "created_at": iso(self.created_at),
        }


@dataclass(kw_only=True)
class RecallResult:
    """Hits best first, the method that answered, and why the fallback was used."""

    method: str
    hits: list[RecallHit]
    fallback_reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class Recalled:
    """What one recall found, ranked: as text for a prompt, or as data for a program."""

    query: str
    result: RecallResult
    ranked: list[tuple[float, RecallHit]]
    weighted: bool

    def text(self) -> str:
        """The prompt text ``semantic_recall`` returns."""
        return format_recall(self.query, self.result, self.ranked, self.weighted)

    def data(self) -> dict[str, Any]:
        """The same recall as JSON data: the text, the method and each memory with its scores."""
        return {
            "result": self.text(),
            "method": self.result.method,
            "fallback_reason": self.result.fallback_reason,
            "memories": [
                {
                    "memory_id": hit.memory_id,
                    "memory_type": hit.memory_type,
                    "content": hit.content,
                    "importance": hit.importance,
                    "score": round(final, 4),
                    "similarity": round(hit.score, 4),
                }
                for final, hit in self.ranked
            ],
        }


@dataclass(kw_only=True)
class Filters:
    """Optional restrictions applied inside the search, not after it."""

    memory_types: list[str] | None = None
    project_id: str | None = None
    session_id: str | None = None

    def sql(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if self.memory_types:
            clauses.append(f"m.memory_type IN ({', '.join('?' * len(self.memory_types))})")
            params.extend(self.memory_types)
        if self.project_id is not None:
            clauses.append("m.project_id = ?")
            params.append(self.project_id)
        if self.session_id is not None:
            clauses.append("m.session_id = ?")
            params.append(self.session_id)
        return "".join(f" AND {c}" for c in clauses), params

    def accepts(self, entry: _Vector) -> bool:
        return (
            (not self.memory_types or entry.memory_type in self.memory_types)
            and (self.project_id is None or entry.project_id == self.project_id)
            and (self.session_id is None or entry.session_id == self.session_id)
        )


def tokenize(text: str) -> list[str]:
    """Split like FTS5's unicode61 tokenizer: lower case, no diacritics, letters and digits."""
    folded = text.lower()
    if not folded.isascii():  # ASCII has no diacritics to strip; skip the per-character pass
        folded = unicodedata.normalize("NFKD", folded)
        folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _TOKEN.findall(folded)


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def match_expression(terms: list[str]) -> str:
    """An FTS5 query that ORs quoted terms, so user text can never be parsed as syntax."""
    return " OR ".join(_quote(term) for term in terms)


@dataclass(frozen=True, kw_only=True)
class _Vector:
    memory_id: str
    memory_type: str
    project_id: str | None
    session_id: str | None
    values: Any


@dataclass(kw_only=True)
class _VectorCache:
    """Unit vectors of one model, loaded incrementally by rowid; reloaded when ``epoch`` moves."""

    model: str
    epoch: int = -1
    max_rowid: int = 0
    entries: dict[int, _Vector] = field(default_factory=dict)


class RecallEngine:
    """Searches memories by embeddings when possible, else by the FTS5 index.

    Args:
        store: the migrated store.
        provider: the embeddings provider, or ``None`` for offline recall only.
    """

    def __init__(self, store: Store, provider: EmbeddingProvider | None) -> None:
        self.store = store
        self.provider = provider
        self._cache = _VectorCache(model=provider.model if provider else "")
        self._lock = threading.Lock()
        self._df = _DocumentFrequencies()

    # -- write side ---------------------------------------------------------------------

    def embed_for_storage(self, text: str) -> tuple[bytes | None, str | None]:
        """Embed a new memory's text; ``(None, None)`` when no provider can answer now."""
        if self.provider is None or not self.provider.available():
            return None, None
        try:
            vector = self.provider.embed([text])[0]
        except ServiceError:
            return None, None
        return pack(normalise(vector)), self.provider.model

    @staticmethod
    def bump_epoch(conn: sqlite3.Connection) -> None:
        """Tell every cache (any process) that stored vectors changed other than by insert."""
        conn.execute(
            "INSERT INTO kv(key, value, updated_at) VALUES ('vector_epoch', '1', 0) "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    # -- search -------------------------------------------------------------------------

    async def recall(
        self,
        query: str,
        top_k: int = 5,
        threshold: float = 0.7,
        project_id: str | None = None,
        session_id: str | None = None,
        memory_types: list[str] | None = None,
        weight_by_importance: bool = True,
    ) -> Recalled:
        """What ``semantic_recall`` finds, ranked: ``.text()`` for a prompt, ``.data()`` for a program.

        ``threshold`` applies to the raw similarity; weighting (score x (0.5 + 0.5 x
        importance)) then reorders the survivors.

        Raises:
            ServiceError: empty query, bad top_k/threshold, unknown memory type.
        """
        check_text("query", query)
        check_limit("top_k", top_k, 100)
        threshold = check_unit("threshold", threshold)
        if memory_types is not None:
            if not isinstance(memory_types, list) or not memory_types:
                raise ServiceError(f"memory_types must be a non-empty list of {', '.join(MEMORY_TYPES)}")
            for kind in memory_types:
                check_choice("memory type", kind, MEMORY_TYPES)
        filters = Filters(memory_types=memory_types, project_id=project_id, session_id=session_id)
        # Fetch more than top_k: weighting by importance can reorder the survivors.
        pool = top_k * 3 if weight_by_importance else top_k
        result = await blocking(self.search, query, limit=pool, threshold=threshold, filters=filters)
        ranked = [
            (hit.score * (0.5 + 0.5 * hit.importance) if weight_by_importance else hit.score, hit)
            for hit in result.hits
        ]
        ranked.sort(key=lambda pair: pair[0], reverse=True)
        return Recalled(query=query, result=result, ranked=ranked[:top_k], weighted=weight_by_importance)

    def search(self, query: str, *, limit: int, threshold: float, filters: Filters) -> RecallResult:
        """Rank memories for ``query``; best first, scores at or above ``threshold``.

        Returns:
            The hits and the method that produced them.
        """
        reason: str | None = None
        if self.provider is None:
            reason = "no embeddings provider configured"
        elif not self.provider.available():
            reason = f"embeddings provider {self.provider.model!r} failed recently; retrying later"
        else:
            try:
                hits = self._search_embeddings(query, limit, threshold, filters)
                return RecallResult(method=METHOD_EMBEDDINGS, hits=hits)
            except ServiceError as exc:
                reason = str(exc)
        return RecallResult(
            method=METHOD_OFFLINE,
            hits=self._search_offline(query, limit, threshold, filters),
            fallback_reason=reason,
        )

    def _search_offline(self, query: str, limit: int, threshold: float, filters: Filters) -> list[RecallHit]:
        terms = list(dict.fromkeys(tokenize(query)))[:MAX_QUERY_TERMS]
        if not terms:
            return []
        conn = self.store.connection()
        total = conn.execute("SELECT count(*) FROM memories").fetchone()[0]
        df = self._df.lookup(conn, terms, total)
        idf = {t: math.log(1.0 + (total - df.get(t, 0) + 0.5) / (df.get(t, 0) + 0.5)) for t in terms}
        # Words no memory contains cannot tell memories apart; leaving them out keeps a
        # small corpus from punishing every memory for the query's filler words.
        idf_total = sum(idf[t] for t in terms if df.get(t, 0) > 0) or 1.0
        match_terms = _selective(terms, df)
        if not match_terms:
            return []
        where, params = filters.sql()
        pool = max(limit * 5, 50)
        if df[match_terms[0]] > MATCH_BUDGET:
            # Even the rarest query word is in thousands of memories: ranking them all by BM25
            # costs tens of milliseconds and says little. Take the newest memories holding the
            # rarest words together (or, failing that, the rarest word), then score those.
            rarest = sorted(match_terms, key=lambda term: df[term])[:3]
            rows = self._newest_matching(conn, " AND ".join(_quote(t) for t in rarest), where, params, pool)
            if len(rows) < limit:
                rows = self._newest_matching(conn, _quote(rarest[0]), where, params, pool)
            return self._score(rows, terms, idf, idf_total, limit, threshold)
        if where:
            sql = (
                f"SELECT {_COLUMNS}, bm25(memories_fts) AS bm FROM memories_fts "
                f"JOIN memories m ON m.rowid = memories_fts.rowid "
                f"WHERE memories_fts MATCH ?{where} ORDER BY bm LIMIT ?"
            )
            args = [match_expression(match_terms), *params, pool]
        else:
            # Rank inside FTS5 first, then join only the survivors.
            sql = (
                f"SELECT {_COLUMNS}, f.bm AS bm FROM (SELECT rowid, bm25(memories_fts) AS bm "
                f"FROM memories_fts WHERE memories_fts MATCH ? ORDER BY bm LIMIT ?) f "
                f"JOIN memories m ON m.rowid = f.rowid ORDER BY bm"
            )
            args = [match_expression(match_terms), pool]
        rows = conn.execute(sql, args).fetchall()
        return self._score(rows, terms, idf, idf_total, limit, threshold)

    @staticmethod
    def _newest_matching(
        conn: sqlite3.Connection, expression: str, where: str, params: list[Any], pool: int
    ) -> list[sqlite3.Row]:
        sql = (
            f"SELECT {_COLUMNS}, bm25(memories_fts) AS bm FROM memories_fts "
            f"JOIN memories m ON m.rowid = memories_fts.rowid "
            f"WHERE memories_fts MATCH ?{where} ORDER BY memories_fts.rowid DESC LIMIT ?"
        )
        return conn.execute(sql, [expression, *params, pool]).fetchall()

    @staticmethod
    def _score(
        rows: list[sqlite3.Row],
        terms: list[str],
        idf: dict[str, float],
        idf_total: float,
        limit: int,
        threshold: float,
    ) -> list[RecallHit]:
        """0.8 x IDF-weighted share of query words present + 0.2 x BM25 relative to the best row."""
        if not rows:
            return []
        best = min(row["bm"] for row in rows) or -1e-9
        hits: list[RecallHit] = []
        for row in rows:
            present = set(tokenize(row["content"]))
            coverage = sum(idf[t] for t in terms if t in present) / idf_total
            relative = max(0.0, min(1.0, row["bm"] / best)) if best < 0 else 0.0
            score = 0.8 * coverage + 0.2 * relative
            if score >= threshold:
                hits.append(_hit(row, score))
        hits.sort(key=lambda h: h.score, reverse=True)
        return hits[:limit]

    def _search_embeddings(
        self, query: str, limit: int, threshold: float, filters: Filters
    ) -> list[RecallHit]:
        assert self.provider is not None
        query_vector = normalise(self.provider.embed([query])[0])
        self._backfill()
        with self._lock:
            self._refresh()
            scored = [
                (sum(a * b for a, b in zip(query_vector, entry.values, strict=False)), entry.memory_id)
                for entry in self._cache.entries.values()
                if filters.accepts(entry)
            ]
        scored = sorted(((max(0.0, s), mid) for s, mid in scored if s >= threshold), reverse=True)[:limit]
        if not scored:
            return []
        ids = [mid for _, mid in scored]
        rows = self.store.query(
            f"SELECT {_COLUMNS} FROM memories m WHERE m.id IN ({', '.join('?' * len(ids))})", ids
        )
        by_id = {row["id"]: row for row in rows}
        return [_hit(by_id[mid], score) for score, mid in scored if mid in by_id]

    def _backfill(self) -> None:
        """Embed memories stored without a vector of this model (written while it was down)."""
        assert self.provider is not None
        model = self.provider.model
        rows = self.store.query(
            "SELECT id, content FROM memories WHERE embedding_model IS NULL OR embedding_model != ? LIMIT ?",
            (model, BACKFILL_LIMIT),
        )
        if not rows:
            return
        vectors = self.provider.embed([row["content"] for row in rows])
        with self.store.transaction() as conn:
            conn.executemany(
                "UPDATE memories SET embedding = ?, embedding_model = ? WHERE id = ?",
                [(pack(normalise(v)), model, row["id"]) for row, v in zip(rows, vectors, strict=True)],
            )
            self.bump_epoch(conn)
        log.info("recall.backfilled", count=len(rows), model=model)

    def _refresh(self) -> None:
        cache = self._cache
        epoch = int(self.store.get_state("vector_epoch", 0))
        if epoch != cache.epoch:
            cache.entries.clear()
            cache.max_rowid = 0
            cache.epoch = epoch
        rows = self.store.query(
            "SELECT rowid, id, memory_type, project_id, session_id, embedding FROM memories "
            "WHERE rowid > ? AND embedding_model = ? ORDER BY rowid",
            (cache.max_rowid, cache.model),
        )
        for row in rows:
            cache.entries[row["rowid"]] = _Vector(
                memory_id=row["id"],
                memory_type=row["memory_type"],
                project_id=row["project_id"],
                session_id=row["session_id"],
                values=unpack(row["embedding"]),
            )
            cache.max_rowid = max(cache.max_rowid, row["rowid"])


class _DocumentFrequencies:
    """Per-term document counts, cached until the store grows or shrinks by more than 1 %.

    FTS5's vocabulary table counts a term's documents by walking its postings: about 2 ms for a
    word in half of 100k memories, paid on every query. Counts that are 1 % stale change IDF
    weights by less than that, so they are kept and refreshed when the corpus has moved.
    """

    DRIFT = 0.01

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self._total = 0
        self._lock = threading.Lock()

    def lookup(self, conn: sqlite3.Connection, terms: list[str], total: int) -> dict[str, int]:
        with self._lock:
            if abs(total - self._total) > max(1, self.DRIFT * self._total):
                self._counts.clear()
                self._total = total
            known = {term: self._counts[term] for term in terms if term in self._counts}
        missing = [term for term in terms if term not in known]
        if missing:
            marks = ", ".join("?" * len(missing))
            found = dict(
                conn.execute(
                    f"SELECT term, doc FROM memories_vocab WHERE term IN ({marks})", missing
                ).fetchall()
            )
            fresh = {term: int(found.get(term, 0)) for term in missing}
            with self._lock:
                self._counts.update(fresh)
            known.update(fresh)
        return {term: count for term, count in known.items() if count > 0}


def _selective(terms: list[str], df: dict[str, int]) -> list[str]:
    """Rarest-first terms whose postings fit ``MATCH_BUDGET`` (at least one term).

    Very frequent words (stopwords) would make FTS5 rank tens of thousands of rows while
    adding almost nothing to the score; they still count, with their small IDF, in the
    coverage of the candidates the selective terms find.
    """
    chosen: list[str] = []
    budget = 0
    for term in sorted((t for t in terms if df.get(t, 0) > 0), key=lambda t: df[t]):
        if chosen and budget + df[term] > MATCH_BUDGET:
            break
        chosen.append(term)
        budget += df[term]
    return chosen


def _hit(row: sqlite3.Row, score: float) -> RecallHit:
    return RecallHit(
        memory_id=row["id"],
        content=row["content"],
        memory_type=row["memory_type"],
        importance=row["importance"],
        score=min(1.0, score),
        metadata=loads(row["metadata"], {}),
        created_at=row["created_at"],
    )


def format_recall(
    query: str, result: RecallResult, ranked: list[tuple[float, RecallHit]], weighted: bool
) -> str:
    """Text for a prompt: the method that answered, then numbered memories with scores."""
    header = f"[recall method={result.method} results={len(ranked)} query={query!r}"
    if result.fallback_reason:
        header += f" fallback_reason={result.fallback_reason!r}"
    lines = [header + "]"]
    if not ranked:
        lines.append("No memories matched.")
    for i, (final, hit) in enumerate(ranked, start=1):
        detail = f"score={final:.3f}" + (f" similarity={hit.score:.3f}" if weighted else "")
        lines.append(
            f"{i}. ({hit.memory_type}, importance={hit.importance:.2f}, {detail}, id={hit.memory_id}) "
            f"{' '.join(hit.content.split())}"
        )
    return "\n".join(lines)
