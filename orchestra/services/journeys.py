"""Journeys: session continuity per device - its sessions and the documents linked to it.

One journey per device id. Sessions are recorded by the runtime (``add_session``);
history search matches a keyword (case-insensitive substring) in a session's summary
or metadata, within an optional ISO 8601 time range (a bare ``to_date`` includes that
whole day), newest first. With
``include_documents`` the journey's documents in the same range and matching the same
keyword (title, content or type) come back too.
"""

from __future__ import annotations

from typing import Any

from orchestra.errors import ServiceError
from orchestra.services._common import (
    blocking,
    check_limit,
    check_object,
    check_text,
    dumps,
    iso,
    loads,
    new_id,
    now,
    parse_time,
)
from orchestra.store import Record, Session, Store


class JourneyService:
    """Journeys, their sessions and documents.

    Args:
        store: the migrated store.
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def _view(self, conn: Session, row: Record, created: bool) -> dict[str, Any]:
        sessions = conn.execute(
            "SELECT count(*), max(started_at) FROM journey_sessions WHERE mind = :mind AND journey_id = ?",
            (row["id"],),
        ).fetchone()
        documents = conn.execute(
            "SELECT count(*) FROM journey_documents WHERE mind = :mind AND journey_id = ?", (row["id"],)
        ).fetchone()
        return {
            "journey_id": row["id"],
            "device_id": row["device_id"],
            "created": created,
            "created_at": iso(row["created_at"]),
            "updated_at": iso(row["updated_at"]),
            "session_count": int(sessions[0]),
            "last_session_at": iso(sessions[1]),
            "document_count": int(documents[0]),
        }

    async def get_or_create(self, device_id: str) -> dict[str, Any]:
        """The device's journey, created on first request.

        Raises:
            ServiceError: empty device id.
        """
        check_text("device_id", device_id)

        def write() -> dict[str, Any]:
            with self.store.transaction() as conn:
                row = conn.execute(
                    "SELECT * FROM journeys WHERE mind = :mind AND device_id = ?", (device_id,)
                ).fetchone()
                created = row is None
                if created:
                    at = now()
                    conn.execute(
                        "INSERT INTO journeys(mind, id, device_id, created_at, updated_at) "
                        "VALUES (:mind, ?, ?, ?, ?)",
                        (new_id(), device_id, at, at),
                    )
                    row = conn.execute(
                        "SELECT * FROM journeys WHERE mind = :mind AND device_id = ?", (device_id,)
                    ).fetchone()
                return self._view(conn, row, created)

        return await blocking(write)

    def _require(self, conn: Session, journey_id: str) -> None:
        if (
            conn.execute("SELECT 1 FROM journeys WHERE mind = :mind AND id = ?", (journey_id,)).fetchone()
            is None
        ):
            raise ServiceError(f"no journey with id {journey_id!r}; call get_or_create_journey first")

    async def add_session(
        self,
        journey_id: str,
        summary: str,
        *,
        started_at: float | None = None,
        ended_at: float | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Record a session on a journey (runtime use, not a tool).

        Raises:
            ServiceError: unknown journey or empty summary.
        """
        check_text("summary", summary)
        meta = check_object("metadata", metadata, optional=True)

        def write() -> dict[str, Any]:
            with self.store.transaction() as conn:
                self._require(conn, journey_id)
                session_id, start = new_id(), started_at if started_at is not None else now()
                conn.execute(
                    "INSERT INTO journey_sessions(mind, id, journey_id, summary, metadata, "
                    "started_at, ended_at) "
                    "VALUES (:mind, ?, ?, ?, ?, ?, ?)",
                    (session_id, journey_id, summary, dumps(meta), start, ended_at),
                )
                conn.execute(
                    "UPDATE journeys SET updated_at = ? WHERE mind = :mind AND id = ?", (now(), journey_id)
                )
            return {"session_id": session_id, "journey_id": journey_id, "started_at": iso(start)}

        return await blocking(write)

    async def add_document(
        self,
        journey_id: str,
        document_type: str,
        title: str | None = None,
        content: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Link a document to a journey.

        Raises:
            ServiceError: unknown journey, empty document type, metadata not an object.
        """
        check_text("journey_id", journey_id)
        check_text("document_type", document_type)
        meta = check_object("metadata", metadata, optional=True)

        def write() -> dict[str, Any]:
            with self.store.transaction() as conn:
                self._require(conn, journey_id)
                doc_id, at = new_id(), now()
                conn.execute(
                    "INSERT INTO journey_documents(mind, id, journey_id, document_type, title, "
                    "content, metadata, "
                    "created_at) VALUES (:mind, ?, ?, ?, ?, ?, ?, ?)",
                    (doc_id, journey_id, document_type, title, content, dumps(meta), at),
                )
                conn.execute(
                    "UPDATE journeys SET updated_at = ? WHERE mind = :mind AND id = ?", (at, journey_id)
                )
                count = conn.execute(
                    "SELECT count(*) FROM journey_documents WHERE mind = :mind AND journey_id = ?",
                    (journey_id,),
                ).fetchone()[0]
            return {
                "document_id": doc_id,
                "journey_id": journey_id,
                "document_type": document_type,
                "title": title,
                "created_at": iso(at),
                "document_count": int(count),
            }

        return await blocking(write)

    async def history(
        self,
        journey_id: str,
        query: str | None = None,
        from_date: str | None = None,
        to_date: str | None = None,
        limit: int = 10,
        include_documents: bool = False,
    ) -> dict[str, Any]:
        """Sessions (and optionally documents) of a journey matching a keyword and time range.

        Raises:
            ServiceError: unknown journey, bad dates or limit.
        """
        check_text("journey_id", journey_id)
        check_limit("limit", limit)
        start, end = parse_time(from_date, "from_date"), parse_time(to_date, "to_date")
        if end is not None and to_date is not None and len(to_date.strip()) == 10:
            end += 86400 - 1e-3  # a bare date as the upper bound means the whole day
        if start is not None and end is not None and start > end:
            raise ServiceError(f"from_date {from_date!r} is after to_date {to_date!r}")
        like = f"%{query.lower()}%" if query else None

        def read() -> dict[str, Any]:
            with self.store.reading() as conn:
                self._require(conn, journey_id)
                sql = "SELECT * FROM journey_sessions WHERE mind = :mind AND journey_id = ?"
                params: list[Any] = [journey_id]
                sql, params = _range(sql, params, "started_at", start, end)
                if like:
                    sql += " AND (lower(summary) LIKE ? OR lower(metadata) LIKE ?)"
                    params += [like, like]
                rows = conn.execute(sql + " ORDER BY started_at DESC LIMIT ?", [*params, limit]).fetchall()
                result: dict[str, Any] = {
                    "journey_id": journey_id,
                    "query": query,
                    "sessions": [
                        {
                            "session_id": r["id"],
                            "summary": r["summary"],
                            "metadata": loads(r["metadata"], {}),
                            "started_at": iso(r["started_at"]),
                            "ended_at": iso(r["ended_at"]),
                        }
                        for r in rows
                    ],
                }
                if include_documents:
                    dsql = "SELECT * FROM journey_documents WHERE mind = :mind AND journey_id = ?"
                    dparams: list[Any] = [journey_id]
                    dsql, dparams = _range(dsql, dparams, "created_at", start, end)
                    if like:
                        dsql += (
                            " AND (lower(coalesce(title, '')) LIKE ? OR lower(coalesce(content, '')) LIKE ? "
                            "OR lower(document_type) LIKE ?)"
                        )
                        dparams += [like, like, like]
                    docs = conn.execute(
                        dsql + " ORDER BY created_at DESC LIMIT ?", [*dparams, limit]
                    ).fetchall()
                    result["documents"] = [
                        {
                            "document_id": d["id"],
                            "document_type": d["document_type"],
                            "title": d["title"],
                            "content": d["content"],
                            "metadata": loads(d["metadata"], {}),
                            "created_at": iso(d["created_at"]),
                        }
                        for d in docs
                    ]
                result["total_sessions_matched"] = len(result["sessions"])
                return result

        return await blocking(read)


def _range(
    sql: str, params: list[Any], column: str, start: float | None, end: float | None
) -> tuple[str, list[Any]]:
    if start is not None:
        sql += f" AND {column} >= ?"
        params.append(start)
    if end is not None:
        sql += f" AND {column} <= ?"
        params.append(end)
    return sql, params
