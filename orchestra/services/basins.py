"""Attractor basins: named regions of the cognitive landscape that activation pulls into.

Rules (reference §1, plus decay where the reference is silent):

* ``activate(id, strength)`` raises activation to ``min(1, current + strength)`` and
  strengthens the basin by +0.2, capped at 2.0. A basin is created on first mention
  with strength 1.0 and activation 0 (so its first activation leaves it at 1.2).
* Activation decays exponentially with time since the last activation (half-life from
  settings, one hour by default); stored values are the level at the last activation
  and the current level is computed when read.
* State from current activation: saturated >= 0.95, active >= 0.7, activating >= 0.5;
  below 0.5 a basin that had reached 0.5 is ``decaying`` until it falls under 0.05, then
  ``dormant``. An inhibited basin (``inhibit``) ignores activation until ``release``.
"""

from __future__ import annotations

from typing import Any

from orchestra.errors import ServiceError
from orchestra.services._common import blocking, check_limit, check_text, iso, now
from orchestra.store import Record, Session, Store

STRENGTH_STEP = 0.2
MAX_STRENGTH = 2.0
BASE_STRENGTH = 1.0
LIVE_STATES = ("activating", "active", "saturated")


def basin_state(current: float, peak: float, inhibited: bool) -> str:
    """Name the state of a basin from its current and last-activation levels."""
    if inhibited:
        return "inhibited"
    if current >= 0.95:
        return "saturated"
    if current >= 0.7:
        return "active"
    if current >= 0.5:
        return "activating"
    if peak >= 0.5 and current >= 0.05:
        return "decaying"
    return "dormant"


class BasinService:
    """Activation, strength and state of basins.

    Args:
        store: the migrated store.
        half_life_s: activation half-life in seconds.
    """

    def __init__(self, store: Store, half_life_s: float = 3600.0) -> None:
        self.store = store
        self.half_life_s = half_life_s

    def current_activation(self, row: Record, at: float) -> float:
        """Stored activation decayed to time ``at``."""
        if row["last_activated"] is None:
            return float(row["activation"])
        elapsed = max(0.0, at - float(row["last_activated"]))
        return float(row["activation"]) * 0.5 ** (elapsed / self.half_life_s)

    def view(self, row: Record, at: float) -> dict[str, Any]:
        """JSON form of a basin at time ``at``."""
        # Rounded before naming the state, so the state agrees with the reported level
        # (a basin just raised to 0.5 is not "decaying" by a microsecond of decay).
        current = round(self.current_activation(row, at), 4)
        return {
            "basin_id": row["id"],
            "activation": round(current, 4),
            "strength": round(float(row["strength"]), 4),
            "state": basin_state(current, float(row["activation"]), bool(row["inhibited"])),
            "activation_count": int(row["activation_count"]),
            "last_activated": iso(row["last_activated"]),
        }

    def ensure_in(self, conn: Session, basin_ids: list[str]) -> None:
        """Create dormant basins for unknown ids, inside the caller's transaction."""
        at = now()
        conn.executemany(
            "INSERT INTO basins(mind, id, activation, strength, created_at) VALUES (:mind, ?, 0, ?, ?) "
            "ON CONFLICT (mind, id) DO NOTHING",
            [(b, BASE_STRENGTH, at) for b in basin_ids],
        )

    def activate_in(self, conn: Session, basin_id: str, strength: float) -> dict[str, Any]:
        """Activate a basin inside the caller's transaction; return its new view."""
        at = now()
        self.ensure_in(conn, [basin_id])
        row = conn.execute("SELECT * FROM basins WHERE mind = :mind AND id = ?", (basin_id,)).fetchone()
        before = self.view(row, at)
        if row["inhibited"]:
            return {**before, "activated": False, "previous_activation": before["activation"]}
        level = min(1.0, self.current_activation(row, at) + strength)
        conn.execute(
            "UPDATE basins SET activation = ?, strength = ?, "
            "activation_count = activation_count + 1, last_activated = ? WHERE mind = :mind AND id = ?",
            (level, min(MAX_STRENGTH, float(row["strength"]) + STRENGTH_STEP), at, basin_id),
        )
        after = conn.execute("SELECT * FROM basins WHERE mind = :mind AND id = ?", (basin_id,)).fetchone()
        return {
            **self.view(after, at),
            "activated": True,
            "previous_activation": before["activation"],
            "previous_state": before["state"],
        }

    async def activate(self, basin_id: str, strength: float = 0.5) -> dict[str, Any]:
        """Raise a basin's activation by ``strength`` (0 < strength <= 1) and strengthen it.

        Raises:
            ServiceError: empty id or strength outside (0, 1].
        """
        check_text("basin_id", basin_id)
        if isinstance(strength, bool) or not isinstance(strength, int | float) or not 0 < strength <= 1:
            raise ServiceError(f"strength must be a number in (0, 1], got {strength!r}")

        def write() -> dict[str, Any]:
            with self.store.transaction() as conn:
                return self.activate_in(conn, basin_id, float(strength))

        return await blocking(write)

    def snapshot(self) -> list[dict[str, Any]]:
        """All basins now, strongest current activation first (blocking)."""
        at = now()
        views = [self.view(row, at) for row in self.store.query("SELECT * FROM basins WHERE mind = :mind")]
        views.sort(key=lambda v: (v["activation"], v["strength"]), reverse=True)
        return views

    async def active(self, limit: int = 10) -> list[dict[str, Any]]:
        """Basins activating, active or saturated, strongest first.

        Raises:
            ServiceError: bad limit.
        """
        check_limit("limit", limit)
        views = await blocking(self.snapshot)
        return [v for v in views if v["state"] in LIVE_STATES][:limit]

    async def landscape(self) -> dict[str, Any]:
        """Every basin with its state and strength, and counts per state."""
        views = await blocking(self.snapshot)
        counts: dict[str, int] = {}
        for v in views:
            counts[v["state"]] = counts.get(v["state"], 0) + 1
        total_activation = sum(v["activation"] for v in views)
        return {
            "basins": views,
            "total": len(views),
            "state_counts": counts,
            "total_activation": round(total_activation, 4),
            "mean_strength": round(sum(v["strength"] for v in views) / len(views), 4) if views else 0.0,
        }

    async def inhibit(self, basin_id: str, inhibited: bool = True) -> dict[str, Any]:
        """Inhibit a basin (or release it with ``inhibited=False``).

        Raises:
            ServiceError: unknown basin.
        """

        def write() -> dict[str, Any]:
            with self.store.transaction() as conn:
                changed = conn.execute(
                    "UPDATE basins SET inhibited = ? WHERE mind = :mind AND id = ?",
                    (int(inhibited), basin_id),
                ).rowcount
                if not changed:
                    raise ServiceError(f"no basin with id {basin_id!r}")
                return self.view(
                    conn.execute(
                        "SELECT * FROM basins WHERE mind = :mind AND id = ?", (basin_id,)
                    ).fetchone(),
                    now(),
                )

        return await blocking(write)
