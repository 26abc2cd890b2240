"""The services' SQL, bound for SQLAlchemy: ``?`` values by position, ``:mind`` for the mind.

One portable text serves SQLite and PostgreSQL (``ON CONFLICT``, ``RETURNING``, ``coalesce``...).
A statement is parsed once and cached (bounded). Every statement that names one of a mind's
tables must say ``:mind`` - a structural guard, checked on first use, so a query that forgot
its scope fails in the first test that runs it instead of reading another mind's rows.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

from orchestra.errors import StoreError

Params = Sequence[Any]

MIND_TABLES = frozenset(
    {
        "memories",
        "sync_outbox",
        "kv",
        "beliefs",
        "basins",
        "thoughtseeds",
        "competitions",
        "journeys",
        "journey_sessions",
        "journey_documents",
        "goals",
        "heartbeats",
        "mental_models",
        "predictions",
        "model_revisions",
        "beat_journal",
    }
)
"""Tables whose rows belong to a mind (every query on them is scoped)."""

_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\?|(?<!:):mind\b")
_TABLE_WORDS = re.compile(r"\b(" + "|".join(sorted(MIND_TABLES, key=len, reverse=True)) + r")\b")
STATEMENT_CACHE = 4096
_PLACEHOLDER = {"sqlite": "?", "postgresql": "%s"}
MIND = -1
"""In a statement's value order: the place of the mind (the others are indexes into the values)."""


@functools.lru_cache(maxsize=STATEMENT_CACHE)
def compile_statement(sql: str, dialect: str) -> tuple[str, tuple[int, ...], int]:
    """The driver's SQL for ``sql``, the order of its values (:data:`MIND` for the mind), and how
    many ``?`` values it takes.

    Statements run through the driver directly (SQLAlchemy's ``exec_driver_sql``: its pool,
    transactions and error handling, without compiling a construct per call), so each is turned
    into the driver's placeholders once: ``?`` for SQLite, ``%s`` for psycopg (whose ``%`` are
    doubled).

    Raises:
        StoreError: it touches a mind's table without ``:mind``.
    """
    unquoted = _TOKENS.sub(lambda m: m.group(0) if m.group(0) in ("?", ":mind") else "''", sql)
    touched = set(_TABLE_WORDS.findall(unquoted))
    if touched and ":mind" not in unquoted:
        raise StoreError(
            f"unscoped statement on {', '.join(sorted(touched))}: every query on a mind's table must "
            f"filter or write ':mind' ({' '.join(sql.split())[:120]})"
        )
    placeholder = _PLACEHOLDER[dialect]
    order: list[int] = []
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        token = match.group(0)
        if token == "?":
            order.append(count)
            count += 1
            return placeholder
        if token == ":mind":
            order.append(MIND)
            return placeholder
        return token

    source = sql.replace("%", "%%") if dialect == "postgresql" else sql
    return _TOKENS.sub(number, source), tuple(order), count


def bind(sql: str, params: Sequence[Any], mind: str, dialect: str) -> tuple[str, tuple[Any, ...]]:
    """The driver's statement and its values in order, the mind among them.

    Raises:
        StoreError: unscoped, or the number of values does not match the ``?`` marks.
    """
    statement, order, count = compile_statement(sql, dialect)
    if isinstance(params, dict) or len(params) != count:
        got = "named values" if isinstance(params, dict) else f"{len(params)} values"
        raise StoreError(f"statement takes {count} values, got {got}: {' '.join(sql.split())[:120]}")
    return statement, tuple(mind if at == MIND else params[at] for at in order)
