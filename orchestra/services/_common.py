"""Small helpers every service shares: time, ids, JSON, validation, thread offloading."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar

from orchestra.errors import ServiceError

T = TypeVar("T")


async def blocking(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run blocking SQLite work in a worker thread so the event loop stays responsive."""
    return await asyncio.to_thread(fn, *args, **kwargs)


def now() -> float:
    """Current time as Unix seconds."""
    return time.time()


def iso(ts: float | None) -> str | None:
    """Unix seconds to an ISO 8601 UTC string (``None`` stays ``None``)."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, tz=UTC).isoformat()


def parse_time(value: str | None, name: str) -> float | None:
    """Parse an ISO 8601 date or datetime argument into Unix seconds (naive means UTC).

    Raises:
        ServiceError: the text is not ISO 8601.
    """
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise ServiceError(
            f"{name} must be an ISO 8601 date or datetime such as '2025-01-31' or "
            f"'2025-01-31T12:00:00Z', got {value!r}"
        ) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def new_id() -> str:
    """A fresh random identifier."""
    return str(uuid.uuid4())


def dumps(value: Any) -> str:
    """JSON text for a column."""
    return json.dumps(value, sort_keys=True, default=str)


def loads(text: str | None, default: Any = None) -> Any:
    """Parse a JSON column (``default`` for NULL)."""
    return default if text is None else json.loads(text)


def check_choice(name: str, value: object, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices``.

    Raises:
        ServiceError: naming the valid choices.
    """
    options = tuple(choices)
    if not isinstance(value, str) or value not in options:
        raise ServiceError(f"invalid {name} {value!r}; valid values: {', '.join(options)}")
    return value


def check_text(name: str, value: object) -> str:
    """Return a non-empty string argument.

    Raises:
        ServiceError: the argument is missing, not a string or blank.
    """
    if not isinstance(value, str) or not value.strip():
        raise ServiceError(f"{name} must be a non-empty string, got {value!r}")
    return value


def check_unit(name: str, value: object) -> float:
    """Return a number in [0, 1].

    Raises:
        ServiceError: the argument is not a number between 0 and 1.
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= float(value) <= 1.0:
        raise ServiceError(f"{name} must be a number between 0 and 1, got {value!r}")
    return float(value)


def check_limit(name: str, value: object, maximum: int = 1000) -> int:
    """Return a positive integer no larger than ``maximum``.

    Raises:
        ServiceError: the argument is not an integer in 1..maximum.
    """
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise ServiceError(f"{name} must be an integer between 1 and {maximum}, got {value!r}")
    return value


def check_object(name: str, value: object, *, optional: bool = False) -> dict[str, Any]:
    """Return a JSON object argument (``{}`` for an optional ``None``).

    Raises:
        ServiceError: the argument is not a dict.
    """
    if value is None and optional:
        return {}
    if not isinstance(value, dict):
        raise ServiceError(f"{name} must be a JSON object, got {type(value).__name__}")
    return value
