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

from sqlalchemy import TextClause, text

from orchestra.errors import StoreError

Params = Sequence[Any] | dict[str, Any]

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

_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\?")
_TABLE_WORDS = re.compile(r"\b(" + "|".join(sorted(MIND_TABLES, key=len, reverse=True)) + r")\b")
STATEMENT_CACHE = 4096


@functools.lru_cache(maxsize=STATEMENT_CACHE)
def compile_statement(sql: str) -> tuple[TextClause, int]:
    """The statement for ``sql`` and how many ``?`` values it takes.

    Raises:
        StoreError: it touches a mind's table without ``:mind``.
    """
    unquoted = _TOKENS.sub(lambda m: "?" if m.group(0) == "?" else "''", sql)
    touched = set(_TABLE_WORDS.findall(unquoted))
    if touched and ":mind" not in unquoted:
        raise StoreError(
            f"unscoped statement on {', '.join(sorted(touched))}: every query on a mind's table must "
            f"filter or write ':mind' ({' '.join(sql.split())[:120]})"
        )
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        if match.group(0) != "?":
            return match.group(0)
        count += 1
        return f":_{count - 1}"

    return text(_TOKENS.sub(number, sql)), count


def bind(sql: str, params: Params, mind: str) -> tuple[TextClause, dict[str, Any]]:
    """The compiled statement and its values, the mind among them.

    Raises:
        StoreError: unscoped, or the number of values does not match the ``?`` marks.
    """
    statement, count = compile_statement(sql)
    if isinstance(params, dict):
        values = dict(params)
    else:
        if len(params) != count:
            raise StoreError(
                f"statement takes {count} values, got {len(params)}: {' '.join(sql.split())[:120]}"
            )
        values = {f"_{i}": value for i, value in enumerate(params)}
    values["mind"] = mind
    return statement, values
