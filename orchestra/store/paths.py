"""Where the store lives: one rule, so the CLI, the MCP server and tests agree.

Precedence: an explicit path, then ``$ORCHESTRA_STORE`` (how orchestra hands its store to an MCP
server it starts: a file here; a URL is resolved by :mod:`orchestra.store.location`), then
``$ORCHESTRA_HOME/orchestra.db``, then ``platformdirs.user_data_dir("orchestra")/orchestra.db``.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from orchestra.errors import StoreError

DB_FILENAME = "orchestra.db"
HOME_ENV = "ORCHESTRA_HOME"
STORE_ENV = "ORCHESTRA_STORE"


def resolve_store_path(explicit: str | Path | None = None) -> Path:
    """Return the SQLite file to use and make sure its directory exists.

    Args:
        explicit: a file path that overrides the environment and platform defaults.

    Returns:
        The absolute path of the database file.

    Raises:
        StoreError: an explicit path (or ``$ORCHESTRA_STORE``) is a directory, or its directory does
            not exist: a typo must not silently create directories and a fresh, empty store. The
            default locations (``$ORCHESTRA_HOME``, the platform's data directory) are created.
    """
    named = None
    if explicit is not None and str(explicit) != "":
        named = path = Path(explicit).expanduser()
    elif os.environ.get(STORE_ENV):
        named = path = Path(os.environ[STORE_ENV]).expanduser()
    elif os.environ.get(HOME_ENV):
        path = Path(os.environ[HOME_ENV]).expanduser() / DB_FILENAME
    else:
        path = Path(platformdirs.user_data_dir("orchestra")) / DB_FILENAME
    path = path.resolve()
    if named is None:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif path.is_dir():
        raise StoreError(
            f"store path {named} is a directory; name the database file, e.g. {named}/{DB_FILENAME}"
        )
    elif not path.parent.is_dir():
        raise StoreError(
            f"store path {named}: the directory {path.parent} does not exist (create it, or fix the path)"
        )
    return path
