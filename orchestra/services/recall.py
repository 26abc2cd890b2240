"""Recall: rank memories by meaning, with an offline fallback that is always there.

Two methods, and every answer names the one that produced it:

* ``embeddings`` - the query is embedded by the configured provider and compared by
  cosine similarity with the unit vectors stored per memory, through the best vector index
  the backend has (pgvector's HNSW, sqlite-vec, else an exact NumPy scan; the answer names
  it). Memories written while the provider was down are embedded lazily, at most
  ``BACKFILL_LIMIT`` per recall.
* ``fts5_bm25`` (SQLite) or ``postgres_fts`` (PostgreSQL: ``tsvector``, GIN, ``ts_rank``) -
  used when no provider is configured or it fails. The text index ranks the
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
import threading
import unicodedata
from dataclasses import dataclass
from typing import Any

import structlog

from orchestra.errors import ServiceError
from orchestra.services._common import blocking, check_choice, check_limit, check_text, check_unit, iso, loads
from orchestra.services.embeddings import EmbeddingProvider, normalise, pack
from orchestra.services.recall_filters import Filters
from orchestra.services.recall_text import COLUMNS, METHOD_FTS5, TextIndex, text_index_for
from orchestra.services.vectors import VectorIndex, choose
from orchestra.services.vocabulary import MEMORY_TYPES
from orchestra.store import Record, Session, Store

log = structlog.get_logger(__name__)

METHOD_EMBEDDINGS = "embeddings"
METHOD_OFFLINE = METHOD_FTS5
BACKFILL_LIMIT = 256
MAX_QUERY_TERMS = 32
MATCH_BUDGET = 5000
"""Most postings (documents per term, summed) one offline query asks the text index to rank."""
_TOKEN = re.compile(r"[^\W_]+")


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
    index: str | None = None
    """The vector index that answered an embedding recall (None for the text index)."""


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
            "index": self.result.index,
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


def tokenize(text: str) -> list[str]:
    """Split like FTS5's unicode61 tokenizer: lower case, no diacritics, letters and digits."""
    folded = text.lower()
    if not folded.isascii():  # ASCII has no diacritics to strip; skip the per-character pass
        folded = unicodedata.normalize("NFKD", folded)
        folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _TOKEN.findall(folded)


class RecallEngine:
    """Searches memories by embeddings when possible, else by the backend's text index.

    Args:
        store: the migrated store.
        provider: the embeddings provider, or ``None`` for offline recall only.
        vector_index: ``auto`` (the best the backend has) or an index by name
            (``numpy_exact``, ``sqlite_vec``, ``pgvector_hnsw``).
    """

    def __init__(self, store: Store, provider: EmbeddingProvider | None, vector_index: str = "auto") -> None:
        self.store = store
        self.provider = provider
        self.text_index = text_index_for(store.dialect)
        self._wanted_index = vector_index
        self._vectors: VectorIndex | None = None
        self._lock = threading.Lock()
        self._df = _DocumentFrequencies()

    @property
    def method_offline(self) -> str:
        """The name of this backend's offline method (``fts5_bm25`` or ``postgres_fts``)."""
        return self.text_index.method

    def vectors(self) -> VectorIndex:
        """The vector index, chosen on first use (a PostgreSQL server is asked for pgvector then)."""
        with self._lock:
            if self._vectors is None:
                self._vectors, reason = choose(self.store, self._wanted_index)
                if reason:
                    log.info("recall.vector_index", index=self._vectors.name, reason=reason)
            return self._vectors

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
    def bump_epoch(conn: Session) -> None:
        """Tell every cache (any process) that stored vectors changed other than by insert."""
        conn.execute(
            "INSERT INTO kv(mind, key, value, updated_at) VALUES (:mind, 'vector_epoch', '1', 0) "
            "ON CONFLICT(mind, key) DO UPDATE SET value = CAST(CAST(kv.value AS INTEGER) + 1 AS TEXT)"
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
            The hits and the method (and vector index) that produced them.
        """
        reason: str | None = None
        if self.provider is None:
            reason = "no embeddings provider configured"
        elif not self.provider.available():
            reason = f"embeddings provider {self.provider.model!r} failed recently; retrying later"
        else:
            try:
                index = self.vectors()
                hits = self._search_embeddings(index, query, limit, threshold, filters)
                return RecallResult(method=METHOD_EMBEDDINGS, hits=hits, index=index.name)
            except ServiceError as exc:
                reason = str(exc)
        return RecallResult(
            method=self.text_index.method,
            hits=self._search_offline(query, limit, threshold, filters),
            fallback_reason=reason,
        )

    def _search_offline(self, query: str, limit: int, threshold: float, filters: Filters) -> list[RecallHit]:
        terms = list(dict.fromkeys(tokenize(query)))[:MAX_QUERY_TERMS]
        if not terms:
            return []
        index = self.text_index
        with self.store.reading() as conn:
            total = index.total(conn)
            df = self._df.lookup(conn, index, terms, total)
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
                # Even the rarest query word is in thousands of memories: ranking them all costs
                # tens of milliseconds and says little. Take the newest memories holding the
                # rarest words together (or, failing that, the rarest word), then score those.
                rarest = sorted(match_terms, key=lambda term: df[term])[:3]
                rows = index.newest(conn, rarest, where, params, pool)
                if len(rows) < limit:
                    rows = index.newest(conn, rarest[:1], where, params, pool)
            else:
                rows = index.ranked(conn, match_terms, where, params, pool)
        return self._score(rows, terms, idf, idf_total, limit, threshold)

    @staticmethod
    def _score(
        rows: list[Record],
        terms: list[str],
        idf: dict[str, float],
        idf_total: float,
        limit: int,
        threshold: float,
    ) -> list[RecallHit]:
        """0.8 x IDF-weighted share of query words present + 0.2 x rank relative to the best row."""
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
        self, index: VectorIndex, query: str, limit: int, threshold: float, filters: Filters
    ) -> list[RecallHit]:
        assert self.provider is not None
        query_vector = normalise(self.provider.embed([query])[0])
        self._backfill(index)
        matches = index.search(self.store, self.provider.model, query_vector, limit, threshold, filters)
        if not matches:
            return []
        ids = [match.memory_id for match in matches]
        rows = self.store.query(
            f"SELECT {COLUMNS} FROM memories m WHERE m.mind = :mind "
            f"AND m.id IN ({', '.join('?' * len(ids))})",
            ids,
        )
        by_id = {row["id"]: row for row in rows}
        return [
            _hit(by_id[match.memory_id], max(0.0, match.similarity))
            for match in matches
            if match.memory_id in by_id
        ]

    def _backfill(self, index: VectorIndex) -> None:
        """Embed memories stored without a vector of this model (written while it was down)."""
        assert self.provider is not None
        model = self.provider.model
        # "Other than this model" as three index ranges on (mind, embedding_model), each empty when
        # nothing waits: microseconds at any size (a != or an OR of them makes SQLite scan the mind).
        rows: list[Record] = []
        for condition, values in (
            ("embedding_model IS NULL", ()),
            ("embedding_model < ?", (model,)),
            ("embedding_model > ?", (model,)),
        ):
            rows = self.store.query(
                f"SELECT seq, id, content FROM memories WHERE mind = :mind AND {condition} LIMIT ?",
                (*values, BACKFILL_LIMIT),
            )
            if rows:
                break
        if not rows:
            return
        vectors = [pack(normalise(v)) for v in self.provider.embed([row["content"] for row in rows])]
        with self.store.transaction() as conn:
            conn.executemany(
                "UPDATE memories SET embedding = ?, embedding_model = ? WHERE mind = :mind AND id = ?",
                [(blob, model, row["id"]) for row, blob in zip(rows, vectors, strict=True)],
            )
            index.added(
                conn, model, [(int(row["seq"]), blob) for row, blob in zip(rows, vectors, strict=True)]
            )
            self.bump_epoch(conn)
        log.info("recall.backfilled", count=len(rows), model=model)


class _DocumentFrequencies:
    """Per-term document counts, cached until the store grows or shrinks by more than 1 %.

    Counting a term's documents walks its postings: about 2 ms for a word in half of 100k
    memories, paid on every query. Counts that are 1 % stale change IDF weights by less than
    that, so they are kept and refreshed when the corpus has moved.
    """

    DRIFT = 0.01

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self._total = 0
        self._lock = threading.Lock()

    def lookup(self, conn: Session, index: TextIndex, terms: list[str], total: int) -> dict[str, int]:
        with self._lock:
            if abs(total - self._total) > max(1, self.DRIFT * self._total):
                self._counts.clear()
                self._total = total
            known = {term: self._counts[term] for term in terms if term in self._counts}
        missing = [term for term in terms if term not in known]
        if missing:
            found = index.document_counts(conn, missing, MATCH_BUDGET)
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


def _hit(row: Record, score: float) -> RecallHit:
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
    index = f" index={result.index}" if result.index else ""
    header = f"[recall method={result.method}{index} results={len(ranked)} query={query!r}"
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
