"""Conceptual: concepts, goals and memories that give observations meaning."""

from layers import LayerDefaults

DEFAULTS = LayerDefaults(
    name="conceptual",
    description=(
        "Conceptual layer: relates what is perceived to goals, memories and known concepts, and says what "
        "it means for current goals. Call it to connect the situation to what matters."
    ),
    instructions=(
        "You are the conceptual layer of a ThoughtSeed hierarchy. Connect the upstream reports to goals "
        "and memories. Say which goals are affected and why. Keep the report under 150 words."
    ),
    tools=("semantic_recall", "list_goals", "get_consciousness_state"),
    max_steps=5,
)
