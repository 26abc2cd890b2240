"""The few SQL expressions that differ between SQLite and PostgreSQL, in one place."""

from __future__ import annotations

import re

from orchestra.store.location import SQLITE

_NAME = re.compile(r"[a-z_][a-z0-9_]*")


def json_is_true(dialect: str, column: str, key: str) -> str:
    """A condition: the JSON text in ``column`` has ``key`` set to true (or 1).

    ``column`` and ``key`` are identifiers chosen by orchestra, never user input (checked).
    """
    if not (_NAME.fullmatch(column) and _NAME.fullmatch(key)):
        raise ValueError(f"not a plain identifier: {column!r}, {key!r}")
    if dialect == SQLITE:
        return f"json_extract({column}, '$.{key}') = 1"
    return f"({column}::jsonb -> '{key}') IN ('true'::jsonb, '1'::jsonb)"
