"""Energy: one budget over compute, network, attention and coherence (reference §2).

Energy regenerates by 10 per heartbeat, is capped at 20, never goes below 0 and carries
over fully. A fresh store starts full (20), so the first beat can act. Reads and writes
of the level happen inside one ``BEGIN IMMEDIATE`` transaction, so two processes
spending at once cannot both spend the same energy.
"""

from __future__ import annotations

from typing import Any

from orchestra.errors import ServiceError
from orchestra.services._common import blocking, iso, now
from orchestra.store import Session, Store

MAX_ENERGY = 20
REGENERATION_PER_BEAT = 10
ACTION_COSTS: dict[str, int] = {
    "observe": 0,
    "review_goals": 0,
    "remember": 0,
    "rest": 0,
    "recall": 1,
    "connect": 1,
    "reprioritize": 1,
    "archive_semantic": 1,
    "maintain": 2,
    "reflect": 2,
    "prune_episodic": 2,
    "brainstorm_goals": 3,
    "inquire_shallow": 3,
    "revise_model": 3,
    "revise_belief": 3,
    "synthesize": 4,
    "reach_out_user": 5,
    "inquire_deep": 6,
    "reach_out_public": 7,
}
_KEY = "energy"


def action_cost(action: str) -> int:
    """Cost of an action.

    Raises:
        ServiceError: the action is not in the costs table (the message lists them).
    """
    if action not in ACTION_COSTS:
        raise ServiceError(f"unknown action {action!r}; valid actions: {', '.join(ACTION_COSTS)}")
    return ACTION_COSTS[action]


class EnergyService:
    """The stored energy level and the rules that move it.

    Args:
        store: the migrated store.
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def _load(self, conn: Session | None = None) -> dict[str, Any]:
        state: dict[str, Any] = self.store.get_state(_KEY, None, conn)
        if state is None:
            state = {"current": MAX_ENERGY, "spent_total": 0, "regenerated_at": None, "last_action": None}
        return state

    async def current(self) -> int:
        """The energy available now."""
        return int((await blocking(self._load))["current"])

    async def status(self) -> dict[str, Any]:
        """Current and maximum energy, regeneration, costs, and what is affordable now."""
        state = await blocking(self._load)
        level = int(state["current"])
        return {
            "current_energy": level,
            "max_energy": MAX_ENERGY,
            "regeneration_per_heartbeat": REGENERATION_PER_BEAT,
            "action_costs": dict(ACTION_COSTS),
            "affordable_actions": [a for a, c in ACTION_COSTS.items() if c <= level],
            "unaffordable_actions": [a for a, c in ACTION_COSTS.items() if c > level],
            "spent_total": int(state["spent_total"]),
            "last_action": state["last_action"],
            "last_regenerated_at": iso(state["regenerated_at"]),
        }

    async def regenerate(self) -> int:
        """Add one beat's regeneration (+10), capped at 20; return the new level."""
        return await blocking(self._regenerate)

    def _regenerate(self) -> int:
        with self.store.transaction() as conn:
            state = self._load(conn)
            state["current"] = min(MAX_ENERGY, int(state["current"]) + REGENERATION_PER_BEAT)
            state["regenerated_at"] = now()
            self.store.set_state(_KEY, state, conn)
        return int(state["current"])

    async def can_afford(self, action: str) -> bool:
        """True when ``action``'s cost fits the current energy.

        Raises:
            ServiceError: unknown action.
        """
        cost = action_cost(action)
        return cost <= await self.current()

    async def spend(self, action: str) -> int:
        """Spend ``action``'s cost (call when the action completed); return what is left.

        Raises:
            ServiceError: unknown action, or not enough energy (energy never goes negative).
        """
        cost = action_cost(action)
        return await blocking(self._spend, action, cost)

    def _spend(self, action: str, cost: int) -> int:
        with self.store.transaction() as conn:
            state = self._load(conn)
            level = int(state["current"])
            if cost > level:
                raise ServiceError(f"cannot afford {action!r}: costs {cost}, energy is {level}")
            state["current"] = level - cost
            state["spent_total"] = int(state["spent_total"]) + cost
            state["last_action"] = {"action": action, "cost": cost, "at": iso(now())}
            self.store.set_state(_KEY, state, conn)
        return int(state["current"])

    async def set_level(self, level: int) -> int:
        """Set the level directly (tests, manual resets), clamped to 0..20."""

        def write() -> int:
            with self.store.transaction() as conn:
                state = self._load(conn)
                state["current"] = max(0, min(MAX_ENERGY, int(level)))
                self.store.set_state(_KEY, state, conn)
            return int(state["current"])

        return await blocking(write)
