"""Which SQLite library the store drives, and the sqlite-vec extension it loads into each connection.

Embedding recall on SQLite uses ``sqlite-vec``, a loadable extension. Python's own ``sqlite3`` is
used when it can load extensions; many builds (pyenv's default, some distributions) cannot, and
then ``pysqlite3`` - the same module compiled against a recent SQLite with extension loading, FTS5
and JSON - is used when installed. Without either, recall on SQLite uses the exact NumPy scan and
says why (:func:`vector_problem`).
"""

from __future__ import annotations

import functools
import sqlite3
from types import ModuleType
from typing import Any

import structlog

log = structlog.get_logger(__name__)


@functools.cache
def driver() -> tuple[ModuleType, str | None]:
    """The DB-API module for SQLite stores, and why sqlite-vec cannot be used (None: it can)."""
    try:
        import sqlite_vec  # noqa: F401 - only its presence is checked here
    except ImportError:
        return sqlite3, "the sqlite-vec package is not installed"
    if hasattr(sqlite3.Connection, "enable_load_extension"):
        return sqlite3, None
    try:
        from pysqlite3 import dbapi2
    except ImportError:
        return sqlite3, "this Python's sqlite3 cannot load extensions and pysqlite3 is not installed"
    return dbapi2, None


def vector_problem() -> str | None:
    """Why SQLite stores have no sqlite-vec index here (None: they have)."""
    return driver()[1]


def load_extensions(connection: Any) -> None:
    """Load sqlite-vec into a new connection when the driver allows it."""
    if driver()[1] is not None:
        return
    import sqlite_vec

    connection.enable_load_extension(True)
    try:
        sqlite_vec.load(connection)
    finally:
        connection.enable_load_extension(False)
