"""The store: one database (a SQLite file or a PostgreSQL server) holding the rows of many minds.

Built on SQLAlchemy (engine, pooling, the pysqlite and psycopg 3 dialects, error classes). The
services' SQL is one portable text, written with ``?`` for values and ``:mind`` for the mind;
:mod:`orchestra.store.statements` turns it into a bound statement and refuses any that touches a
mind's table without naming the mind, so no query can read or change another mind's rows.

Writes are whole and serialised per mind on both backends: SQLite takes its write lock up front
(``BEGIN IMMEDIATE``; a second writer waits ``busy_timeout``), PostgreSQL takes a transaction
advisory lock keyed by the mind, so a read-modify-write (energy, a goal's progress) never loses an
update while minds on one server write in parallel. Nested blocks join the outer one.

A connection lost under a read is retried once on a fresh one (a read is idempotent); lost under a
write it is reported, and the transaction has been rolled back by the server - never half-applied.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.pool import QueuePool

from orchestra.errors import StoreError
from orchestra.store.location import POSTGRESQL, SQLITE, StoreLocation, resolve_store
from orchestra.store.migrations import MIGRATIONS, migrate_postgresql, migrate_sqlite
from orchestra.store.minds import DEFAULT_MIND, check_mind
from orchestra.store.results import Result
from orchestra.store.sqlite_driver import driver, load_extensions
from orchestra.store.statements import Params, bind

log = structlog.get_logger(__name__)

_WRITE = "orchestra_write"
_SNAPSHOT = "orchestra_snapshot"
_MIND = "orchestra_mind"
POOL_SIZE = 8
"""Connections kept open per process; more are opened under load and closed when returned."""
MAX_OVERFLOW = 56


class Session:
    """One connection inside a transaction (or a read): ``execute`` runs the services' portable SQL."""

    __slots__ = ("_conn", "_store")

    def __init__(self, conn: Connection, store: Store) -> None:
        self._conn = conn
        self._store = store

    @property
    def mind(self) -> str:
        """The mind every statement of this session is scoped to."""
        return self._store.mind

    def execute(self, sql: str, params: Params = ()) -> Result:
        """Run one statement (``?`` values, ``:mind`` the session's mind).

        Raises:
            StoreError: the statement is unscoped or the database refused it.
        """
        statement, values = bind(sql, params, self._store.mind, self._store.dialect)
        return Result(self._conn.exec_driver_sql(statement, values))

    def define(self, ddl: str) -> None:
        """Run a schema statement (``CREATE TABLE/INDEX ... IF NOT EXISTS``): it touches no rows, so
        the scope guard does not apply. Only for statements orchestra writes, never for user input."""
        if not ddl.lstrip().upper().startswith("CREATE "):
            raise StoreError(f"define() runs CREATE statements only, not: {' '.join(ddl.split())[:80]}")
        self._conn.execute(text(ddl))

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        """Run one statement for each parameter row (a single round trip where the driver can)."""
        if not rows:
            return
        bound = [bind(sql, params, self._store.mind, self._store.dialect) for params in rows]
        self._conn.exec_driver_sql(bound[0][0], [values for _, values in bound])

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``: for the few statements that differ (text and vector search)."""
        return self._store.dialect


class Store:
    """A migrated database, its connection pool, and the one mind this handle reads and writes.

    Args:
        location: a store URL (``sqlite:///file.db``, ``postgresql://…``), a SQLite path, or
            ``None`` for the default (``$ORCHESTRA_STORE``, ``$ORCHESTRA_HOME``, the platform's
            data directory).
        mind: whose rows this handle sees (``for_mind`` gives another mind's handle, same pool).
        busy_timeout_s: how long a writer waits for another writer's lock, in seconds.
        migrations: SQLite steps to apply (tests pass a prefix to build old files).

    Raises:
        StoreError: the store cannot be opened or reached, or was written by a newer orchestra.
    """

    def __init__(
        self,
        location: str | Path | StoreLocation | None = None,
        *,
        mind: str = DEFAULT_MIND,
        busy_timeout_s: float = 30.0,
        migrations: Sequence[str] = MIGRATIONS,
    ) -> None:
        self.location = location if isinstance(location, StoreLocation) else resolve_store(location)
        self.path: Path | None = self.location.path
        self.dialect = self.location.dialect
        self.mind = check_mind(mind)
        self._busy_timeout_s = busy_timeout_s
        self._local = threading.local()
        self._closed = False
        self._owner = True
        self._engine = self._create_engine()
        self.schema_version = self._migrate(tuple(migrations))

    # -- engine --------------------------------------------------------------------------

    def _create_engine(self) -> Engine:
        if self.dialect == SQLITE:
            engine = create_engine(
                self.location.url,
                poolclass=QueuePool,
                pool_size=POOL_SIZE,
                max_overflow=MAX_OVERFLOW,
                pool_timeout=self._busy_timeout_s,
                connect_args={"timeout": self._busy_timeout_s, "check_same_thread": False},
                module=driver()[0],
            )
            event.listen(engine, "connect", self._on_sqlite_connect)
            event.listen(engine, "begin", _on_sqlite_begin)
            return engine
        engine = create_engine(
            self.location.url,
            pool_size=POOL_SIZE,
            max_overflow=MAX_OVERFLOW,
            pool_timeout=self._busy_timeout_s,
            connect_args={"connect_timeout": 10, "application_name": "orchestra"},
        )
        event.listen(engine, "begin", _on_postgresql_begin)
        return engine

    def _on_sqlite_connect(self, dbapi_connection: Any, _record: Any) -> None:
        # Transactions are explicit (the begin hook), never pysqlite's implicit ones.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_s * 1000)}")
            mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StoreError(f"could not switch {self.path} to WAL mode (got {mode!r})")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()
        load_extensions(dbapi_connection)

    def _migrate(self, steps: tuple[str, ...]) -> int:
        try:
            if self.dialect == SQLITE:
                with self._engine.connect() as conn:
                    raw = conn.connection.dbapi_connection
                    before, after = migrate_sqlite(raw, self.location.shown, steps, driver()[0].Error)
            else:
                with self._engine.connect() as conn, conn.begin():
                    before, after = migrate_postgresql(conn, self.location.shown)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open store {self.location.shown}: {_reason(exc)}") from exc
        if after != before:
            log.info("store.migrate", store=self.location.shown, from_version=before, to=after)
        return after

    # -- minds ---------------------------------------------------------------------------

    def for_mind(self, mind: str) -> Store:
        """A handle on another mind's rows in the same database, sharing this one's pool.

        Raises:
            StoreError: the name is not a valid mind id.
        """
        other = copy.copy(self)
        other.mind = check_mind(mind)
        other._local = threading.local()
        other._owner = False
        return other

    # -- transactions and queries ----------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Run a block atomically under this mind's write lock; nested blocks join the outer one.

        Raises:
            StoreError: the database failed or the connection was lost (the block is rolled back).
        """
        self._check_open()
        current: Session | None = getattr(self._local, "session", None)
        if current is not None:
            yield current
            return
        conn = self._begun()
        session = Session(conn, self)
        self._local.session = session
        committing = False
        try:
            try:
                yield session
                committing = True
                conn.commit()
            except SQLAlchemyError as exc:
                _rollback(conn)
                raise StoreError(self._write_failure(exc, committing)) from exc
            except BaseException:
                _rollback(conn)
                raise
        finally:
            self._local.session = None
            conn.close()

    def _begun(self) -> Connection:
        """A connection inside a begun write transaction (holding the mind's lock).

        A pooled connection the server dropped while idle (a restart, an idle timeout) fails on its
        first statement - the begin, before the block ran anything - so it is replaced once. No
        ping per checkout: that would cost a round trip on every call.
        """
        for attempt in (1, 2):
            try:
                conn = self._engine.connect().execution_options(**{_WRITE: True, _MIND: self.mind})
            except SQLAlchemyError as exc:
                raise StoreError(f"store {self.location.shown} is unreachable: {_reason(exc)}") from exc
            try:
                conn.begin()
                return conn
            except SQLAlchemyError as exc:
                conn.close()
                if isinstance(exc, DBAPIError) and exc.connection_invalidated and attempt == 1:
                    log.warning("store.reconnected", store=self.location.shown, reason=_reason(exc))
                    continue
                shown = self.location.shown
                raise StoreError(f"store {shown} is busy or unwritable: {_reason(exc)}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _write_failure(self, exc: SQLAlchemyError, committing: bool) -> str:
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            if committing:
                return (
                    f"store {self.location.shown}: the connection was lost while committing; the write "
                    "may or may not have been applied (check before repeating it)"
                )
            return (
                f"store {self.location.shown}: the connection was lost mid-transaction; the server "
                "rolled it back, nothing was applied"
            )
        return f"store write failed: {_reason(exc)}"

    @contextmanager
    def reading(self, *, snapshot: bool = False) -> Iterator[Session]:
        """A session for several reads (the open transaction's, inside one).

        Args:
            snapshot: read one consistent state across statements (an export), without
                taking the write lock: SQLite's deferred transaction, PostgreSQL's repeatable read.
        """
        self._check_open()
        current: Session | None = getattr(self._local, "session", None)
        if current is not None:
            yield current
            return
        try:
            conn = self._snapshot_connection() if snapshot else self._read_connection()
        except SQLAlchemyError as exc:
            raise StoreError(f"store {self.location.shown} is unreachable: {_reason(exc)}") from exc
        try:
            yield Session(conn, self)
        except SQLAlchemyError as exc:
            raise StoreError(f"store read failed: {_reason(exc)}") from exc
        finally:
            conn.close()

    def _snapshot_connection(self) -> Connection:
        conn = self._engine.connect()
        if self.dialect == POSTGRESQL:
            return conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        return conn.execution_options(**{_SNAPSHOT: True})

    def query_all_minds(self, sql: str, params: dict[str, Any] | None = None) -> list[Any]:
        """A read across every mind (``store info``'s counts): the one way past the scope guard.

        Raises:
            StoreError: the database failed.
        """
        try:
            with self._read_connection() as conn:
                return [tuple(row) for row in conn.execute(text(sql), params or {})]
        except SQLAlchemyError as exc:
            raise StoreError(f"store read failed: {_reason(exc)}") from exc

    def _read_connection(self) -> Connection:
        conn = self._engine.connect()
        if self.dialect == POSTGRESQL:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        return conn

    def query(self, sql: str, params: Params = ()) -> list[Any]:
        """Run a read and return all rows (retried once on a fresh connection if the first is lost).

        Raises:
            StoreError: the database failed.
        """
        return self._read(sql, params, lambda result: result.fetchall())

    def query_one(self, sql: str, params: Params = ()) -> Any:
        """Run a read and return the first row or ``None``.

        Raises:
            StoreError: the database failed.
        """
        return self._read(sql, params, lambda result: result.fetchone())

    def _read(self, sql: str, params: Params, take: Any) -> Any:
        self._check_open()
        current: Session | None = getattr(self._local, "session", None)
        if current is not None:
            return _translated(lambda: take(current.execute(sql, params)))
        statement, values = bind(sql, params, self.mind, self.dialect)
        for attempt in (1, 2):
            try:
                with self._read_connection() as conn:
                    return take(Result(conn.exec_driver_sql(statement, values)))
            except DBAPIError as exc:
                if exc.connection_invalidated and attempt == 1:
                    log.warning("store.read_retried", store=self.location.shown, reason=_reason(exc))
                    continue
                raise StoreError(f"store read failed: {_reason(exc)}") from exc
            except SQLAlchemyError as exc:
                raise StoreError(f"store read failed: {_reason(exc)}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one write in its own transaction and return the number of rows changed.

        Raises:
            StoreError: the database failed.
        """
        with self.transaction() as session:
            return session.execute(sql, params).rowcount

    # -- small JSON key/value state ------------------------------------------------------

    def get_state(self, key: str, default: Any = None, conn: Session | None = None) -> Any:
        """Read this mind's JSON value under ``key`` (``default`` when absent)."""
        sql = "SELECT value FROM kv WHERE mind = :mind AND key = ?"
        row = conn.execute(sql, (key,)).fetchone() if conn is not None else self.query_one(sql, (key,))
        return default if row is None else json.loads(row[0])

    def set_state(self, key: str, value: Any, conn: Session | None = None) -> None:
        """Write this mind's JSON value under ``key``; joins the caller's transaction when given one."""
        with self.transaction() if conn is None else _joined(conn) as session:
            session.execute(
                "INSERT INTO kv(mind, key, value, updated_at) VALUES (:mind, ?, ?, ?) "
                "ON CONFLICT(mind, key) DO UPDATE SET value = excluded.value, updated_at = "
                "excluded.updated_at",
                (key, json.dumps(value), time.time()),
            )

    # -- lifecycle -----------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for whole-database tools: export, import, info)."""
        self._check_open()
        return self._engine

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"store {self.location.shown} is closed")

    def close(self) -> None:
        """Close the pool's connections (a ``for_mind`` handle leaves the shared pool open)."""
        self._closed = True
        if self._owner:
            self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def mind_lock_key(mind: str) -> int:
    """A stable signed 64-bit advisory-lock key for a mind's writes."""
    return int.from_bytes(hashlib.blake2b(mind.encode(), digest_size=8).digest(), "big", signed=True)


def _on_postgresql_begin(conn: Connection) -> None:
    # The handle's mind rides on the connection: handles of several minds share one engine.
    options = conn.get_execution_options()
    if options.get(_WRITE):
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%(key)s)", {"key": mind_lock_key(options[_MIND])})


def _on_sqlite_begin(conn: Connection) -> None:
    # Writes take the write lock up front so a second writer waits instead of failing half-way;
    # reads run in autocommit (WAL readers never block and are never blocked).
    options = conn.get_execution_options()
    if options.get(_WRITE):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif options.get(_SNAPSHOT):
        conn.exec_driver_sql("BEGIN")


def _rollback(conn: Connection) -> None:
    try:
        conn.rollback()
    except SQLAlchemyError:
        log.debug("store.rollback_failed")  # the connection is gone; the server rolled back


def _translated(run: Any) -> Any:
    try:
        return run()
    except SQLAlchemyError as exc:
        raise StoreError(f"store read failed: {_reason(exc)}") from exc


def _reason(exc: SQLAlchemyError) -> str:
    """The driver's own message, without SQLAlchemy's statement dump and background link."""
    original = getattr(exc, "orig", None)
    text = str(original if original is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@contextmanager
def _joined(session: Session) -> Iterator[Session]:
    yield session
