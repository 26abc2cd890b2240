"""Model and belief actions: activate a basin, revise a mental model, revise a belief."""

from __future__ import annotations

from typing import Any

from orchestra.errors import ServiceError
from orchestra.heartbeat.actions.registry import ActionCall, handles


@handles("connect", "basin_id", "strength")
async def _connect(call: ActionCall) -> dict[str, Any]:
    return await call.services.activate_basin(
        call.text("basin_id"), strength=call.number("strength", 0.5, 0.01, 1.0)
    )


@handles("revise_model", "model_id", "trigger_description", "add_basins", "remove_basins")
async def _revise_model(call: ActionCall) -> dict[str, Any]:
    return await call.services.revise_mental_model(
        call.text("model_id"),
        call.text("trigger_description"),
        add_basins=call.texts("add_basins"),
        remove_basins=call.texts("remove_basins"),
    )


@handles("revise_belief", "domain", "belief", "confidence")
async def _revise_belief(call: ActionCall) -> dict[str, Any]:
    belief = call.params.get("belief")
    if isinstance(belief, str) and belief.strip():
        belief = {"statement": belief.strip()}
    if not isinstance(belief, dict) or not belief:
        raise ServiceError(
            "revise_belief needs params.belief (a non-empty JSON object, or a statement as text)"
        )
    return await call.services.update_belief(
        call.text("domain"), belief, confidence=call.number("confidence", 0.5, 0.0, 1.0)
    )
