"""The SQLite store: one WAL-mode file shared by threads and processes.

Each thread gets its own connection (``sqlite3`` connections must not be shared while
in use), writes run inside ``BEGIN IMMEDIATE`` so the write lock is taken up front and
a second writer waits (``busy_timeout``) instead of failing half-way, and WAL lets
readers proceed while one process writes. Another process - the MCP server - may open
the same file at the same time; SQLite's file locks keep writes whole.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import structlog

from orchestra.errors import StoreError
from orchestra.store.migrations import MIGRATIONS, apply_migrations
from orchestra.store.paths import resolve_store_path

log = structlog.get_logger(__name__)

Params = Sequence[Any] | dict[str, Any]


class Store:
    """A migrated SQLite database with per-thread connections and atomic write blocks.

    Args:
        path: the database file; ``None`` uses ``resolve_store_path`` (ORCHESTRA_HOME,
            then the platform data directory).
        busy_timeout_s: how long a writer waits for another writer's lock, in seconds.
        migrations: the schema steps to apply (tests pass a prefix to build old files).

    Raises:
        StoreError: the file cannot be opened, or was written by a newer orchestra.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        busy_timeout_s: float = 30.0,
        migrations: Sequence[str] = MIGRATIONS,
    ) -> None:
        self.path = resolve_store_path(path)
        self._busy_timeout_ms = int(busy_timeout_s * 1000)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        self._migrations = tuple(migrations)
        self.schema_version = self._migrate()

    # -- connections ---------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        try:
            # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE below);
            # check_same_thread=False only so close() may close it from another thread.
            conn = sqlite3.connect(
                self.path,
                timeout=self._busy_timeout_ms / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StoreError(f"could not switch {self.path} to WAL mode (got {mode!r})")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open store {self.path}: {exc}") from exc
        return conn

    def connection(self) -> sqlite3.Connection:
        """Return this thread's connection, opening it on first use.

        Raises:
            StoreError: the store was closed.
        """
        if self._closed:
            raise StoreError(f"store {self.path} is closed")
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._open()
            self._local.conn = conn
            self._local.depth = 0
            with self._lock:
                self._all.append(conn)
        return conn

    def _migrate(self) -> int:
        target = len(self._migrations)
        with self.transaction() as conn:
            current = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if current > target:
                raise StoreError(
                    f"store {self.path} has schema version {current}, but this orchestra "
                    f"understands up to version {target}; upgrade orchestra or use another "
                    "store file"
                )
            if current < target:
                log.info("store.migrate", path=str(self.path), from_version=current, to=target)
                apply_migrations(conn, current, target, self._migrations)
        return target

    # -- transactions and queries ------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block atomically under the write lock; nested blocks join the outer one.

        Yields:
            This thread's connection, inside ``BEGIN IMMEDIATE``.

        Raises:
            StoreError: SQLite failed (the block is rolled back).
        """
        conn = self.connection()
        if self._local.depth > 0:
            self._local.depth += 1
            try:
                yield conn
            finally:
                self._local.depth -= 1
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(f"store {self.path} is busy or unwritable: {exc}") from exc
        self._local.depth = 1
        try:
            yield conn
        except sqlite3.Error as exc:
            conn.execute("ROLLBACK")
            raise StoreError(f"store write failed: {exc}") from exc
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")
        finally:
            self._local.depth = 0

    def query(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Run a read and return all rows.

        Raises:
            StoreError: SQLite failed.
        """
        try:
            return self.connection().execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"store read failed: {exc}") from exc

    def query_one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """Run a read and return the first row or ``None``.

        Raises:
            StoreError: SQLite failed.
        """
        try:
            row: sqlite3.Row | None = self.connection().execute(sql, params).fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"store read failed: {exc}") from exc
        return row

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one write in its own transaction and return the number of rows changed.

        Raises:
            StoreError: SQLite failed.
        """
        with self.transaction() as conn:
            return conn.execute(sql, params).rowcount

    # -- small JSON key/value state ----------------------------------------------------

    def get_state(self, key: str, default: Any = None, conn: sqlite3.Connection | None = None) -> Any:
        """Read a JSON value stored under ``key`` (``default`` when absent)."""
        cur = conn or self.connection()
        try:
            row = cur.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"store read failed: {exc}") from exc
        return default if row is None else json.loads(row[0])

    def set_state(self, key: str, value: Any, conn: sqlite3.Connection | None = None) -> None:
        """Write a JSON value under ``key``; joins the caller's transaction when given one."""
        with self.transaction() if conn is None else _joined(conn) as cur:
            cur.execute(
                "INSERT INTO kv(key, value, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                (key, json.dumps(value), time.time()),
            )

    def close(self) -> None:
        """Close every connection this store opened; later use raises StoreError."""
        self._closed = True
        with self._lock:
            for conn in self._all:
                with contextlib.suppress(sqlite3.Error):  # closing is best effort
                    conn.close()
            self._all.clear()
        self._local = threading.local()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def _joined(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    yield conn
