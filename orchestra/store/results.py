"""Rows as the services read them: by column name or position, like ``sqlite3.Row``, on any backend."""

from __future__ import annotations

from collections.abc import Iterator, KeysView, Sequence
from typing import Any

from sqlalchemy.engine import CursorResult


class Record:
    """One row: ``row["column"]``, ``row[0]``, ``dict(row)``, iteration over the values."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: Sequence[Any], index: dict[str, int]) -> None:
        self._values = values
        self._index = index

    def __getitem__(self, key: str | int) -> Any:
        if isinstance(key, str):
            return self._values[self._index[key]]
        return self._values[key]

    def keys(self) -> KeysView[str]:
        """Column names, in order."""
        return self._index.keys()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Record({dict(zip(self._index, self._values, strict=True))!r})"


class Result:
    """A statement's outcome: its rows (as :class:`Record`), the count of rows changed."""

    __slots__ = ("_cursor", "_index")

    def __init__(self, cursor: CursorResult[Any]) -> None:
        self._cursor = cursor
        self._index: dict[str, int] | None = None

    def _keys(self) -> dict[str, int]:
        if self._index is None:
            self._index = {name: i for i, name in enumerate(self._cursor.keys())}
        return self._index

    def fetchone(self) -> Any:
        """The next row (a :class:`Record`), or None; typed ``Any`` like ``sqlite3``'s, for callers
        that know the row exists."""
        row = self._cursor.fetchone()
        return None if row is None else Record(tuple(row), self._keys())

    def fetchall(self) -> list[Record]:
        """Every remaining row."""
        rows = self._cursor.fetchall()
        if not rows:
            return []
        index = self._keys()
        return [Record(tuple(row), index) for row in rows]

    def __iter__(self) -> Iterator[Record]:
        index = self._keys()
        for row in self._cursor:
            yield Record(tuple(row), index)

    @property
    def rowcount(self) -> int:
        """Rows inserted, changed or deleted by the statement."""
        return int(self._cursor.rowcount)
