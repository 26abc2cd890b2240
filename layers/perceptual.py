"""Perceptual: pattern recognition over observations and recalled memories."""

from layers import LayerDefaults

DEFAULTS = LayerDefaults(
    name="perceptual",
    description=(
        "Perceptual layer: recognises patterns in current observations and recalled memories, and names "
        "which familiar situations (basins) they match. Call it to know what the situation looks like."
    ),
    instructions=(
        "You are the perceptual layer of a ThoughtSeed hierarchy. Recognise patterns: what is familiar, "
        "what is new, what repeats. Priors from higher layers tell you what to attend to. "
        "Report the patterns you see, each with its evidence. Keep the report under 150 words."
    ),
    tools=("semantic_recall", "get_active_basins"),
    max_steps=3,
)
