"""The store every scenario decides over: a fresh SQLite file seeded with memories, goals and models."""

from __future__ import annotations

import asyncio
from pathlib import Path

from orchestra.services.settings import ServicesSettings
from orchestra.services.surface import CognitiveServices

MEMORIES: tuple[tuple[str, str, float], ...] = (
    (
        "The user worked late on the orchestra benchmark and asked for a summary in the morning.",
        "episodic",
        0.7,
    ),
    ("Deadlines make the user terse; keep check-ins short on weekdays.", "semantic", 0.6),
    ("The user prefers a one-paragraph summary with the key figures first.", "semantic", 0.6),
    ("Beat 41 recalled the benchmark notes and rested to save energy.", "episodic", 0.4),
    ("Reaching out while the user is away is rarely answered before morning.", "strategic", 0.5),
    ("Latency tables read best with p50 and p95 side by side.", "procedural", 0.3),
)
"""Content, type and importance of the seeded memories."""

GOALS: tuple[tuple[str, str, str], ...] = (
    ("Finish the benchmark report", "Write up the decision-latency results for the user.", "active"),
    ("Tidy the memory store", "Archive stale semantic memories.", "queued"),
    ("Learn the user's working rhythm", "Predict when the user returns.", "backburner"),
)
"""Title, description and priority of the seeded goals."""


def seed_store(path: Path) -> Path:
    """Create a store at ``path`` with a few memories, goals, active basins and one mental model.

    Every scenario gets its own copy seeded the same way, so no scenario sees another's writes.

    Args:
        path: The SQLite file to create (its directory must exist).

    Returns:
        ``path``.
    """
    services = CognitiveServices.open(ServicesSettings(store_path=str(path)))
    try:
        asyncio.run(_seed(services))
    finally:
        services.close()
    return path


async def _seed(services: CognitiveServices) -> None:
    for content, memory_type, importance in MEMORIES:
        await services.create_memory(content, memory_type, importance)
    for title, description, priority in GOALS:
        await services.create_goal(title, description, priority, "user_request")
    for basin in ("curiosity", "diligence"):
        await services.activate_basin(basin, 0.6)
    await services.create_mental_model(
        "user-rhythm", "user", ["curiosity", "diligence"], "When the user works and what they ask for."
    )
