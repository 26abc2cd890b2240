"""The remote store the sync outbox drains into, and a SQLite implementation of it.

A record is one outbox entry: ``{"seq", "memory_id", "op": "upsert"|"delete",
"payload": {memory fields}, "created_at"}``. Pushing is idempotent (the newest entry for
a memory wins), so a batch pushed twice after a crash does no harm.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from orchestra.errors import ServiceError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS remote_memories (
    mind TEXT NOT NULL DEFAULT 'default',
    memory_id TEXT NOT NULL,
    project_id TEXT,
    payload TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    updated_at REAL NOT NULL,
    received_at REAL NOT NULL,
    PRIMARY KEY (mind, memory_id)
)
"""

# A remote written before minds existed: its rows become the default mind's.
_ADD_MINDS = (
    "ALTER TABLE remote_memories RENAME TO remote_memories_v1",
    _SCHEMA,
    "INSERT INTO remote_memories(memory_id, project_id, payload, deleted, updated_at, received_at) "
    "SELECT memory_id, project_id, payload, deleted, updated_at, received_at FROM remote_memories_v1",
    "DROP TABLE remote_memories_v1",
)


@runtime_checkable
class RemoteStore(Protocol):
    """Where memories are mirrored for recovery."""

    def push(self, records: list[dict[str, Any]]) -> int:
        """Apply outbox records in order; return how many were accepted. Raise when unreachable."""
        ...

    def fetch(self, project_id: str | None, since: float | None) -> list[dict[str, Any]]:
        """Live (not deleted) memory payloads, optionally one project's, updated at or after ``since``."""
        ...

    def ping(self) -> bool:
        """True when the remote answers."""
        ...


class SqliteRemoteStore:
    """A remote store in a second SQLite file.

    The parent directory is never created: a missing directory (an unmounted share)
    means the remote is down, and pushes fail until it comes back. Like the store, one remote
    holds many minds' memories; a handle pushes and fetches only its own mind's.

    Args:
        path: the remote database file.
        mind: whose memories this handle mirrors.
    """

    def __init__(self, path: str | Path, mind: str = "default") -> None:
        self.path = Path(path).expanduser()
        self.mind = mind

    def _connect(self) -> sqlite3.Connection:
        if not self.path.parent.is_dir():
            raise ServiceError(f"remote store {self.path} is unreachable (directory missing)")
        try:
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            conn.execute("PRAGMA busy_timeout = 10000")
            conn.execute(_SCHEMA)
            columns = {row[1] for row in conn.execute("PRAGMA table_info(remote_memories)")}
            if "mind" not in columns:
                conn.execute("BEGIN IMMEDIATE")
                for statement in _ADD_MINDS:
                    conn.execute(statement)
                conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise ServiceError(f"remote store {self.path} is unreachable: {exc}") from exc
        return conn

    def ping(self) -> bool:
        """True when the file can be opened and read."""
        try:
            conn = self._connect()
        except ServiceError:
            return False
        try:
            conn.execute("SELECT 1").fetchone()
            return True
        except sqlite3.Error:
            return False
        finally:
            conn.close()

    def push(self, records: list[dict[str, Any]]) -> int:
        """Upsert or tombstone each record unless the remote already holds a newer one.

        Raises:
            ServiceError: the remote cannot be reached or written.
        """
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            for record in records:
                payload = record["payload"]
                conn.execute(
                    "INSERT INTO remote_memories(mind, memory_id, project_id, "
                    "payload, deleted, updated_at, received_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(mind, memory_id) DO UPDATE SET "
                    "project_id = excluded.project_id, payload = "
                    "excluded.payload, deleted = excluded.deleted, "
                    "updated_at = excluded.updated_at, received_at = excluded.received_at "
                    "WHERE excluded.updated_at >= remote_memories.updated_at",
                    (
                        self.mind,
                        record["memory_id"],
                        payload.get("project_id"),
                        json.dumps(payload, sort_keys=True),
                        1 if record["op"] == "delete" else 0,
                        float(record["created_at"]),
                        time.time(),
                    ),
                )
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise ServiceError(f"remote store {self.path} rejected the push: {exc}") from exc
        finally:
            conn.close()
        return len(records)

    def fetch(self, project_id: str | None, since: float | None) -> list[dict[str, Any]]:
        """Live memory payloads, oldest first.

        Raises:
            ServiceError: the remote cannot be reached.
        """
        sql = "SELECT payload FROM remote_memories WHERE mind = ? AND deleted = 0"
        params: list[Any] = [self.mind]
        if project_id is not None:
            sql += " AND project_id = ?"
            params.append(project_id)
        if since is not None:
            sql += " AND updated_at >= ?"
            params.append(since)
        conn = self._connect()
        try:
            rows = conn.execute(sql + " ORDER BY updated_at", params).fetchall()
        except sqlite3.Error as exc:
            raise ServiceError(f"remote store {self.path} could not be read: {exc}") from exc
        finally:
            conn.close()
        return [json.loads(row[0]) for row in rows]
