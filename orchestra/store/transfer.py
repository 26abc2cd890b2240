"""A mind as JSON lines: export every row of one mind, import it into any store, losslessly.

The way to back a mind up, copy it, or move it from SQLite to PostgreSQL (or back). One header
line names the format, the schema version, the mind and the counts; then one line per row,
``{"table": ..., "row": {...}}``, tables parents first. Bytes (stored embedding vectors) are
``{"$bytes": "<base64>"}``. Derived data is not exported: the text index (triggers or a generated
column rebuild it), vector indexes (they catch up on the next recall) and the counters a database
assigns (``seq``, ``beat``: rows are written in their exported order, so order is kept).

Import refuses a file of another schema version, a target mind that already holds rows (merging
two minds is not an import) and a line it cannot read, naming the line; the whole import is one
transaction, so a refused file leaves the store as it was.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import inspect

from orchestra.errors import StoreError
from orchestra.store.database import Session, Store

FORMAT = "orchestra-store-export"
FORMAT_VERSION = 2

TABLES: tuple[tuple[str, str], ...] = (
    ("kv", "key"),
    ("memories", "seq"),
    ("sync_outbox", "seq"),
    ("beliefs", "seq"),
    ("basins", "id"),
    ("thoughtseeds", "seq"),
    ("competitions", "created_at, id"),
    ("journeys", "id"),
    ("journey_sessions", "started_at, id"),
    ("journey_documents", "created_at, id"),
    ("goals", "created_at, id"),
    ("heartbeats", "seq"),
    ("mental_models", "seq"),
    ("predictions", "created_at, id"),
    ("model_revisions", "created_at, id"),
    ("beat_journal", "beat"),
)
"""A mind's tables, parents before children, each with the order its rows are written in."""

ASSIGNED = frozenset({"mind", "seq", "beat", "content_tsv"})
"""Columns the target fills itself: the mind imported into, counters, the generated text vector."""

DERIVED_STATE = "vector_index:"
"""``kv`` keys that describe the source's derived indexes: neither exported nor imported."""


def exported_condition(table: str) -> str:
    """The condition on a table's rows that an export carries (this mind's, derived state left out)."""
    if table == "kv":
        return f"mind = :mind AND key NOT LIKE '{DERIVED_STATE}%'"
    return "mind = :mind"


@dataclass(frozen=True)
class TableCount:
    """Rows of one table: this mind's, and every mind's."""

    table: str
    rows: int
    all_minds: int


def columns_of(store: Store) -> dict[str, list[str]]:
    """The exported columns of each table, as the database reports them (either backend)."""
    inspector = inspect(store.engine)
    return {
        table: [c["name"] for c in inspector.get_columns(table) if c["name"] not in ASSIGNED]
        for table, _ in TABLES
    }


def counts(store: Store) -> list[TableCount]:
    """Rows per table for the store's mind and for all minds, in export order."""
    result = []
    for table, _ in TABLES:
        mine = store.query_one(f"SELECT count(*) FROM {table} WHERE mind = :mind")
        every = store.query_all_minds(f"SELECT count(*) FROM {table}")
        result.append(TableCount(table, int(mine[0]), int(every[0][0])))
    return result


def minds(store: Store) -> list[tuple[str, int]]:
    """Every mind with rows in the store, and its number of rows (all tables)."""
    union = " UNION ALL ".join(f"SELECT mind FROM {table}" for table, _ in TABLES)
    rows = store.query_all_minds(f"SELECT mind, count(*) FROM ({union}) rows_ GROUP BY mind ORDER BY mind")
    return [(str(name), int(n)) for name, n in rows]


def export_lines(store: Store) -> Iterator[str]:
    """The store's mind as JSON lines: the header, then every row (one consistent snapshot)."""
    columns = columns_of(store)
    with store.reading(snapshot=True) as conn:
        sizes = {
            table: int(
                conn.execute(f"SELECT count(*) FROM {table} WHERE {exported_condition(table)}").fetchone()[0]
            )
            for table, _ in TABLES
        }
        yield _dumps(
            {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "schema_version": store.schema_version,
                "mind": store.mind,
                "exported_at": time.time(),
                "tables": sizes,
            }
        )
        for table, order in TABLES:
            names = columns[table]
            result = conn.execute(
                f"SELECT {', '.join(names)} FROM {table} WHERE {exported_condition(table)} ORDER BY {order}"
            )
            for values in result:
                yield _dumps({"table": table, "row": dict(zip(names, map(_encoded, values), strict=True))})


def export_to(store: Store, out: IO[str]) -> dict[str, int]:
    """Write the export to ``out``; returns rows per table."""
    written: dict[str, int] = {}
    for number, line in enumerate(export_lines(store)):
        out.write(line + "\n")
        if number == 0:
            written = dict(json.loads(line)["tables"])
    return written


def read_header(lines: Iterator[tuple[int, str]], source: str) -> dict[str, Any]:
    """The export's header line (format, versions, mind, counts).

    Raises:
        StoreError: not an orchestra export, or of another format version.
    """
    number, line = next(lines, (1, ""))
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
    if not isinstance(header.get("tables"), dict):
        raise StoreError(f"{source}:{number}: the header has no table counts")
    return header


def import_from(
    store: Store, lines: Iterable[str], *, source: str = "<input>", header: dict[str, Any] | None = None
) -> dict[str, int]:
    """Load an export into the store's mind, which must hold no rows; returns rows per table.

    Args:
        store: the target, a handle on the mind to fill (any backend).
        lines: the export's lines (its header first, unless ``header`` was read already).
        source: how the input is named in errors.
        header: the header, when the caller read it to choose the target mind.

    Raises:
        StoreError: the file is not an export of this schema version, a line is malformed or
            names an unknown table or column, the counts do not match the header, or the mind
            is not empty. Nothing is written then.
    """
    numbered = enumerate(lines, start=1 if header is None else 2)  # the header is line 1
    if header is None:
        header = read_header(numbered, source)
    if header.get("schema_version") != store.schema_version:
        raise StoreError(
            f"{source}: exported at schema version {header.get('schema_version')!r}, the store is at "
            f"{store.schema_version}; import with the orchestra that exported it, then upgrade"
        )
    columns = {table: set(names) for table, names in columns_of(store).items()}
    loaded = dict.fromkeys(columns, 0)
    with store.transaction() as conn:
        _require_empty(conn, store)
        for number, line in numbered:
            if not line.strip():
                continue
            table, row = _record(line, number, source, columns)
            if table == "kv" and str(row.get("key", "")).startswith(DERIVED_STATE):
                raise StoreError(f"{source}:{number}: {row['key']!r} is derived state, never exported")
            names = list(row)
            conn.execute(
                f"INSERT INTO {table} (mind, {', '.join(names)}) "
                f"VALUES (:mind, {', '.join('?' * len(names))})",
                [row[name] for name in names],
            )
            loaded[table] += 1
        expected = {t: int(n) for t, n in header["tables"].items()}
        if {t: n for t, n in loaded.items() if n} != {t: n for t, n in expected.items() if n}:
            raise StoreError(f"{source}: the rows read ({loaded}) are not the header's counts ({expected})")
    return loaded


def _require_empty(conn: Session, store: Store) -> None:
    occupied = [
        table
        for table, _ in TABLES
        if conn.execute(f"SELECT 1 FROM {table} WHERE mind = :mind LIMIT 1").fetchone()
    ]
    if occupied:
        raise StoreError(
            f"cannot import into mind {store.mind!r} of {store.location.shown}: it already holds rows "
            f"({', '.join(occupied)}); import into a new mind (--mind NAME) or a new store"
        )


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
