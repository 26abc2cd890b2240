"""Which database a store is: a SQLite file (the embedded default) or a PostgreSQL server, by URL.

Accepted forms, everywhere a store is named (``services.store``, ``services.store_path``, ``--store``,
``$ORCHESTRA_STORE``):

* ``sqlite:///relative/or/absolute/path.db`` or a plain file path (the SQLite shorthand; the path
  rules of :func:`~orchestra.store.paths.resolve_store_path` apply, so a typo in the directory
  fails instead of creating an empty store somewhere);
* ``postgresql://user:password@host:port/database`` (``postgres://`` and
  ``postgresql+psycopg://`` too), driven by psycopg 3.

The password never appears in what is shown or logged (:attr:`StoreLocation.shown`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from orchestra.errors import StoreError
from orchestra.store.paths import STORE_ENV, resolve_store_path

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
_POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


@dataclass(frozen=True)
class StoreLocation:
    """A resolved store: its dialect, the SQLAlchemy URL, and the file for SQLite."""

    dialect: str
    url: URL
    path: Path | None = None

    @property
    def shown(self) -> str:
        """How the store is named to people: the file, or the URL with its password hidden."""
        if self.path is not None:
            return str(self.path)
        return self.url.set(drivername=POSTGRESQL).render_as_string(hide_password=True)

    @property
    def handed_on(self) -> str:
        """How the store is named to a child process (an MCP server): the file, or the full URL."""
        if self.path is not None:
            return str(self.path)
        return self.url.render_as_string(hide_password=False)


def is_url(text: str) -> bool:
    """True for ``scheme://...`` (a store URL), False for a file path."""
    return "://" in text


def resolve_store(named: str | Path | None = None) -> StoreLocation:
    """Resolve a store name (URL or path; None: the environment and platform defaults).

    Raises:
        StoreError: an unknown scheme, a malformed URL, or a SQLite path that cannot be a store.
    """
    text = "" if named is None else str(named)
    if not is_url(text):
        env = os.environ.get(STORE_ENV, "")
        if not text and is_url(env):
            text = env
        else:
            return _sqlite(resolve_store_path(named if text else None))
    scheme = text.split("://", 1)[0].lower()
    if scheme == SQLITE:
        rest = text.split("://", 1)[1]
        if not rest.startswith("/"):
            raise StoreError(f"store URL {text!r}: write sqlite:///path/to/file.db (three slashes)")
        return _sqlite(resolve_store_path(rest[1:]))
    if scheme not in _POSTGRES_SCHEMES:
        raise StoreError(
            f"store URL {text!r}: unknown scheme {scheme!r}; use sqlite:///path.db or "
            "postgresql://user:password@host:port/database"
        )
    try:
        url = make_url(text)
    except (ArgumentError, ValueError) as exc:
        raise StoreError(f"store URL is malformed: {exc}") from exc
    if not url.database:
        raise StoreError(f"store URL {url.render_as_string()!r} names no database (…/database at the end)")
    return StoreLocation(dialect=POSTGRESQL, url=url.set(drivername="postgresql+psycopg"))


def _sqlite(path: Path) -> StoreLocation:
    return StoreLocation(dialect=SQLITE, url=URL.create("sqlite", database=str(path)), path=path)
