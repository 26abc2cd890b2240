"""Heartbeat control: the paused flag, the beat log and the hook that runs a beat.

This module holds no heartbeat logic. The engine registers a runner with
``set_runner``; ``trigger`` calls it. Beats are counted from the ``heartbeats`` log that
the engine writes with ``record_beat``. The next beat is the one the engine announced
when it recorded the last beat, else the last beat plus the nominal interval; while
paused there is no next beat.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

import structlog

from orchestra.errors import ServiceError
from orchestra.services._common import blocking, check_text, dumps, iso, loads, now
from orchestra.store import Store

log = structlog.get_logger(__name__)

HeartbeatRunner = Callable[[], Any]
"""A callable (sync or async) that runs one heartbeat cycle and returns its summary."""

_KEY = "heartbeat"


class HeartbeatControl:
    """Stored scheduler state plus the attached heartbeat runner.

    Args:
        store: the migrated store.
        interval_s: nominal time between beats, for reporting the next beat.
    """

    def __init__(self, store: Store, interval_s: float = 3600.0) -> None:
        self.store = store
        self.interval_s = interval_s
        self._runner: HeartbeatRunner | None = None
        self._running = asyncio.Lock()

    def set_runner(self, runner: HeartbeatRunner | None) -> None:
        """Attach (or detach, with ``None``) the callable that runs one beat."""
        self._runner = runner

    @property
    def runner_attached(self) -> bool:
        """True when ``trigger`` can run a beat."""
        return self._runner is not None

    def _state(self) -> dict[str, Any]:
        state: dict[str, Any] = self.store.get_state(
            _KEY, {"paused": False, "pause_reason": None, "paused_at": None, "next_beat_at": None}
        )
        return state

    async def is_paused(self) -> bool:
        """True while the scheduler is paused."""
        return bool((await blocking(self._state))["paused"])

    async def status(self) -> dict[str, Any]:
        """Paused flag and reason, beat count, last and next beat."""
        return await blocking(self._status)

    def _status(self) -> dict[str, Any]:
        state = self._state()
        row = self.store.query_one("SELECT count(*), max(finished_at) FROM heartbeats WHERE mind = :mind")
        count = int(row[0]) if row else 0
        last = float(row[1]) if row and row[1] is not None else None
        last_row = self.store.query_one(
            "SELECT narrative, actions FROM heartbeats WHERE mind = :mind ORDER BY seq DESC LIMIT 1"
        )
        next_at: float | None = None
        if not state["paused"]:
            next_at = state.get("next_beat_at") or (last + self.interval_s if last is not None else None)
        return {
            "paused": bool(state["paused"]),
            "pause_reason": state["pause_reason"],
            "paused_at": iso(state["paused_at"]),
            "beat_count": count,
            "last_beat_at": iso(last),
            "next_beat_at": iso(next_at),
            "interval_seconds": self.interval_s,
            "runner_attached": self.runner_attached,
            "last_narrative": last_row["narrative"] if last_row else None,
            "last_actions": loads(last_row["actions"], []) if last_row else [],
        }

    async def pause(self, reason: str) -> dict[str, Any]:
        """Pause the scheduler with a reason.

        Raises:
            ServiceError: the reason is empty.
        """
        check_text("reason", reason)

        def write() -> dict[str, Any]:
            with self.store.transaction() as conn:
                state = self.store.get_state(_KEY, None, conn) or self._state()
                was = bool(state["paused"])
                state.update(paused=True, pause_reason=reason, paused_at=now())
                self.store.set_state(_KEY, state, conn)
            return {"paused": True, "was_paused": was, "reason": reason, "paused_at": iso(state["paused_at"])}

        return await blocking(write)

    async def resume(self) -> dict[str, Any]:
        """Resume the scheduler; reports how long it was paused."""

        def write() -> dict[str, Any]:
            with self.store.transaction() as conn:
                state = self.store.get_state(_KEY, None, conn) or self._state()
                was = bool(state["paused"])
                paused_for = now() - state["paused_at"] if was and state["paused_at"] else 0.0
                state.update(paused=False, pause_reason=None, paused_at=None)
                self.store.set_state(_KEY, state, conn)
            return {"paused": False, "was_paused": was, "paused_seconds": round(paused_for, 3)}

        return await blocking(write)

    async def trigger(self) -> dict[str, Any]:
        """Run one beat through the attached runner.

        Raises:
            ServiceError: the runner raised.
        """
        if self._runner is None:
            return {
                "status": "not_available",
                "message": "no heartbeat runtime is attached to this server; start orchestra's heartbeat "
                "(which registers a runner) to run beats on demand",
            }
        if self._running.locked():
            return {"status": "busy", "message": "a heartbeat is already running"}
        async with self._running:
            runner = self._runner
            try:
                if inspect.iscoroutinefunction(runner):
                    result = await runner()
                else:
                    result = await asyncio.to_thread(runner)
                    if inspect.isawaitable(result):
                        result = await result
            except Exception as exc:
                log.warning("heartbeat.trigger_failed", error=str(exc))
                raise ServiceError(f"heartbeat failed: {exc}") from exc
        status = await self.status()
        return {"status": "completed", "result": result, "beat_count": status["beat_count"]}

    async def record_beat(
        self,
        *,
        started_at: float,
        finished_at: float | None = None,
        energy_before: float | None = None,
        energy_after: float | None = None,
        actions: list[dict[str, Any]] | None = None,
        narrative: str | None = None,
        next_beat_at: float | None = None,
    ) -> int:
        """Log one finished beat (the engine's record phase); return the new beat count.

        Args:
            started_at: Unix seconds when the beat began.
            finished_at: Unix seconds when it ended (now when omitted).
            energy_before: energy after regeneration, before acting.
            energy_after: energy left after acting.
            actions: the executed actions, as JSON objects.
            narrative: the beat's narrative, shown to the next beat.
            next_beat_at: when the scheduler plans the next beat (Unix seconds).
        """

        def write() -> int:
            with self.store.transaction() as conn:
                conn.execute(
                    "INSERT INTO heartbeats(mind, started_at, finished_at, "
                    "energy_before, energy_after, actions, narrative) "
                    "VALUES (:mind, ?, ?, ?, ?, ?, ?)",
                    (
                        started_at,
                        finished_at or now(),
                        energy_before,
                        energy_after,
                        dumps(actions or []),
                        narrative,
                    ),
                )
                state = self.store.get_state(_KEY, None, conn) or self._state()
                state["next_beat_at"] = next_beat_at
                self.store.set_state(_KEY, state, conn)
                return int(conn.execute("SELECT count(*) FROM heartbeats WHERE mind = :mind").fetchone()[0])

        return await blocking(write)
