"""The mind's upkeep: observe its own state, rest, maintain the store (destruction check, sync)."""

from __future__ import annotations

from typing import Any

from orchestra.heartbeat.actions.registry import ActionCall, handles


@handles("observe")
async def _observe(call: ActionCall) -> dict[str, Any]:
    s = call.services
    recent = await s.memory.recent(hours=24.0, limit=1000)
    sync = await s.get_sync_status()
    return {
        "energy": await s.energy.current(),
        "goal_counts": await s.goals.counts(),
        "memory_count": await s.memory.count(),
        "memories_last_24h": len(recent),
        "pending_predictions": len(await s.mental_models.pending_predictions(limit=1000)),
        "sync_queue_length": sync["queue_length"],
    }


@handles("rest")
async def _rest(call: ActionCall) -> dict[str, Any]:
    return {"rested": True, "energy": await call.services.energy.current()}


@handles("maintain")
async def _maintain(call: ActionCall) -> dict[str, Any]:
    s = call.services
    destruction = await s.check_destruction()
    sync = None if destruction["alert"] else await s.sync_now()
    return {"destruction": destruction, "sync": sync, "sync_status": await s.get_sync_status()}
