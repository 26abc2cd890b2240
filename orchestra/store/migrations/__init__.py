"""Orchestra's own versioned migrations, one ordered list per dialect, applied when a store opens.

Why not Alembic: a store is migrated by whichever process opens it first (the CLI, an MCP server,
a worker), under the same lock its writers take, and the steps that matter most are raw DDL
Alembic cannot generate (FTS5 virtual tables and triggers, a generated ``tsvector`` column);
SQLite files from before version 5 carry their version in ``PRAGMA user_version``. A list of
frozen SQL scripts per dialect, numbered alike, does all of that with no script directory to ship.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Sequence
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from orchestra.errors import StoreError
from orchestra.store.location import POSTGRESQL, StoreLocation
from orchestra.store.migrations import postgresql_steps, sqlite_steps

MIGRATIONS: tuple[str, ...] = sqlite_steps.STEPS
"""The SQLite steps; index ``i`` takes a file to version ``i + 1``."""

LATEST_VERSION = len(MIGRATIONS)
assert max(postgresql_steps.STEPS) == LATEST_VERSION, "both dialects must reach the same version"

_PG_VERSION_TABLE = "CREATE TABLE IF NOT EXISTS orchestra_schema (version INTEGER NOT NULL)"
_PG_MIGRATION_LOCK = 7_013_421_008  # an arbitrary advisory-lock key: one migrator at a time


def _statements(script: str) -> list[str]:
    """Split a SQLite script into statements, keeping trigger bodies whole."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


def migrate_sqlite(
    conn: Any, shown: str, steps: Sequence[str] = MIGRATIONS, errors: type[Exception] = sqlite3.Error
) -> tuple[int, int]:
    """Bring a SQLite file to ``len(steps)``; returns (version before, version after).

    Runs on a raw connection in autocommit mode: foreign keys are switched off for the upgrade
    (a rebuilt parent table would otherwise fail its children's checks; SQLite ignores the pragma
    inside a transaction), the steps run inside one ``BEGIN IMMEDIATE``, and the result must pass
    ``foreign_key_check`` before it commits.

    Raises:
        StoreError: the file is newer than this orchestra, or a step failed (nothing is applied).
    """
    target = len(steps)
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = int(conn.execute("PRAGMA user_version").fetchone()[0])
            _check_not_newer(current, target, shown)
            for version in range(current + 1, target + 1):
                for statement in _statements(steps[version - 1]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {int(version)}")
            broken = conn.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise StoreError(f"store {shown}: migration left {len(broken)} rows without their parent")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    except errors as exc:
        raise StoreError(f"cannot migrate store {shown}: {exc}") from exc
    finally:
        conn.execute("PRAGMA foreign_keys = ON")
    return current, max(current, target)


def migrate_postgresql(conn: Connection, shown: str, target: int = LATEST_VERSION) -> tuple[int, int]:
    """Bring a PostgreSQL database to ``target`` inside the caller's transaction.

    An advisory transaction lock makes concurrent openers wait for the first one's upgrade.

    Raises:
        StoreError: the database is newer than this orchestra.
    """
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
    conn.execute(text(_PG_VERSION_TABLE))
    found = conn.execute(text("SELECT max(version) FROM orchestra_schema")).scalar()
    current = int(found or 0)
    _check_not_newer(current, target, shown)
    for version in sorted(v for v in postgresql_steps.STEPS if current < v <= target):
        conn.exec_driver_sql(postgresql_steps.STEPS[version])
        conn.execute(text("INSERT INTO orchestra_schema(version) VALUES (:v)"), {"v": version})
    return current, max(current, target)


def _check_not_newer(current: int, target: int, shown: str) -> None:
    if current > target:
        raise StoreError(
            f"store {shown} has schema version {current}, but this orchestra understands up to "
            f"version {target}; upgrade orchestra or use another store"
        )


def stored_version(location: StoreLocation) -> int:
    """The schema version of a store without migrating it (0: nothing there yet).

    Raises:
        StoreError: the server cannot be reached.
    """
    if location.dialect == POSTGRESQL:
        engine = create_engine(location.url, poolclass=NullPool)
        try:
            with engine.connect() as conn:
                exists = conn.execute(text("SELECT to_regclass('orchestra_schema')")).scalar()
                if exists is None:
                    return 0
                return int(conn.execute(text("SELECT max(version) FROM orchestra_schema")).scalar() or 0)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read store {location.shown}: {exc}") from exc
        finally:
            engine.dispose()
    assert location.path is not None
    if not location.path.exists():
        return 0
    with contextlib.closing(sqlite3.connect(location.path)) as connection:
        return int(connection.execute("PRAGMA user_version").fetchone()[0])
