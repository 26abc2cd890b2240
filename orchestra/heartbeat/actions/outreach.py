"""Reaching out: to the user or the public. No outbound channel exists yet, so a message is kept
in the outbox (an episodic memory marked undelivered) and the result says so."""

from __future__ import annotations

from typing import Any

from orchestra.heartbeat.actions.registry import ActionCall, handles


async def _reach_out(call: ActionCall, audience: str) -> dict[str, Any]:
    message = call.text("message")
    memory = await call.services.create_memory(
        message,
        memory_type="episodic",
        importance=call.number("importance", 0.6, 0.0, 1.0),
        metadata=call.provenance(outbox=audience, delivered=False),
    )
    return {
        "memory_id": memory["memory_id"],
        "audience": audience,
        "delivered": False,
        "note": f"no outbound channel to the {audience} is configured; the message is stored in the "
        f"outbox as an episodic memory (metadata.outbox={audience!r}, delivered=false)",
    }


@handles("reach_out_user", "message", "importance")
async def _reach_out_user(call: ActionCall) -> dict[str, Any]:
    return await _reach_out(call, "user")


@handles("reach_out_public", "message", "importance")
async def _reach_out_public(call: ActionCall) -> dict[str, Any]:
    return await _reach_out(call, "public")
