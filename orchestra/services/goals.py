"""Goals: what the agent is working towards, in three priority bands.

``promote`` moves backburner -> queued -> active and ``demote`` the other way (at the
end of the ladder the goal stays put and ``changed`` is false). ``complete`` and
``abandon`` close a goal; ``add_progress`` appends a note (required). Every update
refreshes ``updated_at``, which the procedural fallback uses to find stale goals.
"""

from __future__ import annotations

from typing import Any

from orchestra.errors import ServiceError
from orchestra.services._common import (
    blocking,
    check_choice,
    check_limit,
    check_text,
    dumps,
    iso,
    loads,
    new_id,
    now,
)
from orchestra.services.vocabulary import GOAL_ACTIONS, GOAL_PRIORITIES, GOAL_SOURCES
from orchestra.store import Record, Store

_LADDER = ("backburner", "queued", "active")


def goal_view(row: Record) -> dict[str, Any]:
    """JSON form of a goal."""
    return {
        "goal_id": row["id"],
        "title": row["title"],
        "description": row["description"],
        "priority": row["priority"],
        "source": row["source"],
        "status": row["status"],
        "progress": loads(row["progress"], []),
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
        "closed_at": iso(row["closed_at"]),
    }


class GoalService:
    """Create, list and move goals.

    Args:
        store: the migrated store.
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    async def create(
        self,
        title: str,
        description: str | None = None,
        priority: str = "queued",
        source: str = "user_request",
    ) -> dict[str, Any]:
        """Store a new open goal.

        Raises:
            ServiceError: empty title, unknown priority or source.
        """
        check_text("title", title)
        check_choice("priority", priority, GOAL_PRIORITIES)
        check_choice("source", source, GOAL_SOURCES)
        goal_id, at = new_id(), now()

        def write() -> Record:
            with self.store.transaction() as conn:
                conn.execute(
                    "INSERT INTO goals(mind, id, title, description, priority, source, "
                    "created_at, updated_at) "
                    "VALUES (:mind, ?, ?, ?, ?, ?, ?, ?)",
                    (goal_id, title, description, priority, source, at, at),
                )
                return conn.execute(
                    "SELECT * FROM goals WHERE mind = :mind AND id = ?", (goal_id,)
                ).fetchone()

        return goal_view(await blocking(write))

    async def list_goals(
        self, priority: str | None = None, include_completed: bool = False, limit: int = 20
    ) -> dict[str, Any]:
        """Goals ordered active, queued, backburner, most recently touched first, with counts.

        Raises:
            ServiceError: unknown priority or bad limit.
        """
        if priority is not None:
            check_choice("priority", priority, GOAL_PRIORITIES)
        check_limit("limit", limit)
        sql = "SELECT * FROM goals WHERE mind = :mind"
        params: list[Any] = []
        if priority is not None:
            sql += " AND priority = ?"
            params.append(priority)
        if not include_completed:
            sql += " AND status = 'open'"
        sql += (
            " ORDER BY CASE priority WHEN 'active' THEN 0 WHEN 'queued' THEN 1 ELSE 2 END,"
            " updated_at DESC LIMIT ?"
        )
        rows = await blocking(self.store.query, sql, [*params, limit])
        counts = await self.counts()
        return {"goals": [goal_view(r) for r in rows], "counts": counts}

    async def counts(self) -> dict[str, int]:
        """Open goals per priority, plus completed and abandoned totals."""
        rows = await blocking(
            self.store.query,
            "SELECT CASE status WHEN 'open' THEN priority ELSE status "
            "END AS k, count(*) FROM goals WHERE mind = :mind GROUP BY k",
        )
        counts = {key: 0 for key in (*GOAL_PRIORITIES, "completed", "abandoned")}
        counts.update({row[0]: int(row[1]) for row in rows})
        return counts

    async def update(self, goal_id: str, action: str, note: str | None = None) -> dict[str, Any]:
        """Apply one action to a goal and return it with what changed.

        Raises:
            ServiceError: unknown goal or action, a closed goal, or add_progress without a note.
        """
        check_text("goal_id", goal_id)
        check_choice("action", action, GOAL_ACTIONS)
        if action == "add_progress" and (note is None or not str(note).strip()):
            raise ServiceError("add_progress needs a non-empty note describing the progress")
        return await blocking(self._update, goal_id, action, note)

    def _update(self, goal_id: str, action: str, note: str | None) -> dict[str, Any]:
        with self.store.transaction() as conn:
            row = conn.execute("SELECT * FROM goals WHERE mind = :mind AND id = ?", (goal_id,)).fetchone()
            if row is None:
                raise ServiceError(f"no goal with id {goal_id!r}")
            if row["status"] != "open":
                raise ServiceError(f"goal {goal_id!r} is {row['status']}; only open goals can change")
            at = now()
            priority, status, closed = row["priority"], row["status"], None
            progress = loads(row["progress"], [])
            step = _LADDER.index(priority)
            if action == "promote":
                priority = _LADDER[min(step + 1, len(_LADDER) - 1)]
            elif action == "demote":
                priority = _LADDER[max(step - 1, 0)]
            elif action in ("complete", "abandon"):
                status, closed = ("completed" if action == "complete" else "abandoned"), at
            if note:
                progress.append({"at": iso(at), "action": action, "note": note})
            conn.execute(
                "UPDATE goals SET priority = ?, status = ?, progress = ?, "
                "updated_at = ?, closed_at = ? WHERE mind = :mind AND id = ?",
                (priority, status, dumps(progress), at, closed, goal_id),
            )
            new = conn.execute("SELECT * FROM goals WHERE mind = :mind AND id = ?", (goal_id,)).fetchone()
        view = goal_view(new)
        view["action"] = action
        view["changed"] = priority != row["priority"] or status != row["status"] or bool(note)
        view["previous_priority"] = row["priority"]
        return view
