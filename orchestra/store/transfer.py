"""A store as JSON lines: export every row of a mind, import it into an empty store, losslessly.

The way to back a mind up, move it to another machine, or (once the PostgreSQL backend lands)
from SQLite to PostgreSQL. One header line names the format, the schema version and the
counts; then one line per row, ``{"table": ..., "row": {...}}``, tables in dependency order.
Bytes (stored embedding vectors) are ``{"$bytes": "<base64>"}``. The full-text index is not
exported: the store's triggers rebuild it as the rows arrive.

Import refuses a file of another schema version, a store that already holds rows (merging
two minds' ids is not an import), and a line it cannot read, naming the line; the whole
import is one transaction, so a refused file leaves the store as it was.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from orchestra.errors import StoreError
from orchestra.store.database import Store

FORMAT = "orchestra-store-export"
FORMAT_VERSION = 1

SKIPPED_TABLES = frozenset({"sqlite_sequence"})
"""SQLite's own bookkeeping; AUTOINCREMENT counters follow the imported ids by themselves."""


@dataclass(frozen=True)
class TableCount:
    """Rows of one table."""

    table: str
    rows: int


def data_tables(store: Store) -> list[str]:
    """The store's tables holding data, parents before children (foreign keys), FTS tables left out.

    FTS5 virtual tables and their shadow tables are derived from ``memories``; exporting them
    would duplicate every memory's text.
    """
    rows = store.query("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY rowid")
    virtual = {row["name"] for row in rows if (row["sql"] or "").upper().startswith("CREATE VIRTUAL")}
    tables = [
        row["name"]
        for row in rows
        if row["name"] not in SKIPPED_TABLES
        and row["name"] not in virtual
        and not any(row["name"].startswith(f"{name}_") for name in virtual)
    ]
    return _parents_first(store, tables)


def _parents_first(store: Store, tables: list[str]) -> list[str]:
    parents = {
        table: {row["table"] for row in store.query(f"PRAGMA foreign_key_list({_quoted(table)})")}
        & set(tables)
        for table in tables
    }
    ordered: list[str] = []
    while len(ordered) < len(tables):
        ready = [t for t in tables if t not in ordered and parents[t] <= set(ordered) | {t}]
        if not ready:  # a foreign-key cycle: keep the creation order for the rest
            ready = [t for t in tables if t not in ordered]
        ordered.extend(ready)
    return ordered


def counts(store: Store) -> list[TableCount]:
    """Rows per data table, in export order."""
    return [
        TableCount(table, int(store.query_one(f"SELECT count(*) FROM {_quoted(table)}")[0]))  # type: ignore[index]
        for table in data_tables(store)
    ]


def export_lines(store: Store) -> Iterator[str]:
    """The store as JSON lines: the header, then every row (one consistent read snapshot)."""
    connection = store.connection()
    tables = data_tables(store)
    connection.execute("BEGIN")  # one snapshot: a writer in another process cannot tear the export
    try:
        sizes = {
            t: int(connection.execute(f"SELECT count(*) FROM {_quoted(t)}").fetchone()[0]) for t in tables
        }
        yield _dumps(
            {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "schema_version": store.schema_version,
                "exported_at": time.time(),
                "tables": sizes,
            }
        )
        for table in tables:
            cursor = connection.execute(f"SELECT * FROM {_quoted(table)} ORDER BY rowid")
            columns = [description[0] for description in cursor.description]
            for values in cursor:
                yield _dumps({"table": table, "row": dict(zip(columns, map(_encoded, values), strict=True))})
    finally:
        connection.execute("COMMIT")


def export_to(store: Store, out: IO[str]) -> dict[str, int]:
    """Write the export to ``out``; returns rows per table."""
    written: dict[str, int] = {}
    for number, line in enumerate(export_lines(store)):
        out.write(line + "\n")
        if number == 0:
            written = dict(json.loads(line)["tables"])
    return written


def import_from(store: Store, lines: Iterable[str], *, source: str = "<input>") -> dict[str, int]:
    """Load an export into ``store``, which must hold no rows; returns rows per table.

    Raises:
        StoreError: the file is not an export of this schema version, a line is malformed or
            names an unknown table or column, the counts do not match the header, or the store
            is not empty. Nothing is written then.
    """
    numbered = enumerate(lines, start=1)
    header = _header(next(numbered, (1, "")), store, source)
    tables = data_tables(store)
    columns = {t: {row["name"] for row in store.query(f"PRAGMA table_info({_quoted(t)})")} for t in tables}
    loaded = dict.fromkeys(tables, 0)
    with store.transaction() as connection:
        occupied = [t for t in tables if connection.execute(f"SELECT 1 FROM {_quoted(t)} LIMIT 1").fetchone()]
        if occupied:
            raise StoreError(
                f"cannot import into {store.path}: it already holds rows ({', '.join(occupied)}); "
                "import into a new store"
            )
        for number, line in numbered:
            if not line.strip():
                continue
            table, row = _record(line, number, source, columns)
            names = list(row)
            connection.execute(
                f"INSERT INTO {_quoted(table)} ({', '.join(map(_quoted, names))}) "
                f"VALUES ({', '.join('?' * len(names))})",
                [row[name] for name in names],
            )
            loaded[table] += 1
        expected = {t: int(n) for t, n in header["tables"].items()}
        if {t: n for t, n in loaded.items() if n} != {t: n for t, n in expected.items() if n}:
            raise StoreError(f"{source}: the rows read ({loaded}) are not the header's counts ({expected})")
    return loaded


def _header(first: tuple[int, str], store: Store, source: str) -> dict[str, Any]:
    number, line = first
    try:
        header = json.loads(line)
    except json.JSONDecodeError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise StoreError(f"{source}:{number}: not an orchestra store export (no {FORMAT} header)")
    if header.get("format_version") != FORMAT_VERSION:
        raise StoreError(
            f"{source}:{number}: export format {header.get('format_version')!r}; "
            f"this orchestra reads {FORMAT_VERSION}"
        )
    if header.get("schema_version") != store.schema_version:
        raise StoreError(
            f"{source}:{number}: exported at schema version {header.get('schema_version')!r}, the store is "
            f"at {store.schema_version}; import with the orchestra that exported it, then upgrade"
        )
    if not isinstance(header.get("tables"), dict):
        raise StoreError(f"{source}:{number}: the header has no table counts")
    return header


def _record(line: str, number: int, source: str, columns: dict[str, set[str]]) -> tuple[str, dict[str, Any]]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise StoreError(f"{source}:{number}: not JSON ({error.msg})") from None
    table = record.get("table") if isinstance(record, dict) else None
    row = record.get("row") if isinstance(record, dict) else None
    if table not in columns or not isinstance(row, dict):
        raise StoreError(
            f'{source}:{number}: expected {{"table": <one of the store\'s tables>, "row": {{...}}}}'
        )
    unknown = sorted(set(row) - columns[table])
    if unknown:
        raise StoreError(f"{source}:{number}: table {table} has no column(s) {', '.join(unknown)}")
    try:
        return table, {name: _decoded(value) for name, value in row.items()}
    except (ValueError, TypeError) as error:
        raise StoreError(f"{source}:{number}: {error}") from None


def _encoded(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    return value


def _decoded(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"$bytes"}:
        return base64.b64decode(value["$bytes"], validate=True)
    if isinstance(value, dict | list):
        raise ValueError('a column value must be a scalar or {"$bytes": "<base64>"}')
    return value


def _dumps(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
