"""The action registry: one handler per action of the energy table, and the params they accept.

Params are written by a model, so every handler reads them through ``ActionCall``, which checks
each: a missing or ill-typed param, or one the action does not accept, fails the action with a
message naming it (``remember needs params.content (a non-empty string)``). Handlers live in one
module per family (``memory``, ``goals``, ``beliefs``, ``outreach``, ``upkeep``) and register
themselves with :func:`handles`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from orchestra.errors import ServiceError
from orchestra.services.energy import ACTION_COSTS
from orchestra.services.surface import CognitiveServices

_MISSING = object()


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(kw_only=True)
class ActionCall:
    """One action being executed: its services, checked params, and the beat's bookkeeping."""

    services: CognitiveServices
    """The services the handler works through."""
    action: str
    """The action's name."""
    params: dict[str, Any]
    """The raw params from the decision."""
    beat: int
    """The heartbeat number (stamped on memories the action writes)."""
    touched: list[str] = field(default_factory=list)
    """Goal ids this call touched; ACT merges them into the report."""

    def _get(self, name: str, default: Any, expected: str, valid: Callable[[Any], bool]) -> Any:
        """The param, ``default`` when absent or null (required when ``_MISSING``)."""
        value = self.params.get(name)
        if value is None:
            if default is _MISSING:
                raise ServiceError(f"{self.action} needs params.{name} ({expected})")
            return default
        if not valid(value):
            raise ServiceError(f"{self.action}: params.{name} must be {expected}, got {value!r}")
        return value

    def text(self, name: str) -> str:
        """A required non-empty string param."""
        return str(self._get(name, _MISSING, "a non-empty string", _is_text)).strip()

    def maybe_text(self, name: str) -> str | None:
        """An optional non-empty string param (``None`` when absent or null)."""
        value = self._get(name, None, "a non-empty string", _is_text)
        return None if value is None else str(value).strip()

    def number(self, name: str, default: float, low: float, high: float) -> float:
        """A number in [low, high]."""
        expected = f"a number from {low:g} to {high:g}"
        return float(self._get(name, default, expected, lambda v: _is_number(v) and low <= v <= high))

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        """An integer in [low, high]."""
        expected = f"an integer from {low} to {high}"
        valid = lambda v: _is_number(v) and isinstance(v, int) and low <= v <= high  # noqa: E731
        return int(self._get(name, default, expected, valid))

    def flag(self, name: str, default: bool) -> bool:
        """A boolean."""
        return bool(self._get(name, default, "true or false", lambda v: isinstance(v, bool)))

    def choice(self, name: str, choices: tuple[str, ...], default: Any = _MISSING) -> Any:
        """One of ``choices`` (``default`` when absent; required without one)."""
        expected = "one of " + ", ".join(repr(c) for c in choices)
        return self._get(name, default, expected, lambda v: v in choices)

    def texts(self, name: str) -> list[str] | None:
        """An optional list of non-empty strings."""
        valid = lambda v: isinstance(v, list) and all(_is_text(x) for x in v)  # noqa: E731
        value = self._get(name, None, "a list of non-empty strings", valid)
        return None if value is None else [str(v).strip() for v in value]

    def mapping(self, name: str) -> dict[str, Any] | None:
        """An optional JSON object."""
        value = self._get(name, None, "a JSON object", lambda v: isinstance(v, dict))
        return None if value is None else dict(value)

    def touch(self, goal_id: str) -> None:
        """Note that this action touched a goal."""
        if goal_id not in self.touched:
            self.touched.append(goal_id)

    def provenance(self, **extra: Any) -> dict[str, Any]:
        """Metadata stamped on memories this action writes."""
        return {"source": "heartbeat", "beat": self.beat, "action": self.action, **extra}


HandlerFn = Callable[[ActionCall], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, kw_only=True)
class ActionHandler:
    """How one action of the energy table is executed."""

    action: str
    """The action's name."""
    params: tuple[str, ...]
    """Every param it accepts; any other key fails the action."""
    run: HandlerFn
    """The coroutine doing the work; returns a JSON-ready result."""


HANDLERS: dict[str, ActionHandler] = {}
"""Action name -> handler, one per action of the energy table."""


def handles(action: str, *params: str) -> Callable[[HandlerFn], HandlerFn]:
    """Register the decorated coroutine as the handler of ``action``, accepting ``params``."""

    def register(fn: HandlerFn) -> HandlerFn:
        if action not in ACTION_COSTS or action in HANDLERS:
            raise ValueError(f"handler for {action!r}: not in the energy table or registered twice")
        HANDLERS[action] = ActionHandler(action=action, params=params, run=fn)
        return fn

    return register


async def run_action(
    services: CognitiveServices, action: str, params: dict[str, Any], *, beat: int = 0
) -> tuple[dict[str, Any], list[str]]:
    """Execute one action's handler (no energy bookkeeping).

    Args:
        services: the services to work through.
        action: a name from the energy table.
        params: the action's params (see the module's table).
        beat: heartbeat number stamped on memories it writes.

    Returns:
        The handler's JSON-ready result and the goal ids it touched.

    Raises:
        ServiceError: unknown action, a param it does not accept, missing or invalid params,
            or a service refusing the call.
    """
    handler = HANDLERS.get(action)
    if handler is None:
        raise ServiceError(f"unknown action {action!r}; valid actions: {', '.join(ACTION_COSTS)}")
    unknown = sorted(set(params) - set(handler.params))
    if unknown:
        accepted = ", ".join(handler.params) or "none"
        raise ServiceError(f"{action} does not accept params {', '.join(unknown)}; accepted: {accepted}")
    call = ActionCall(services=services, action=action, params=params, beat=beat)
    result = await handler.run(call)
    return result, call.touched
