"""Abstract: higher-order reasoning and mental-model predictions."""

from layers import LayerDefaults

DEFAULTS = LayerDefaults(
    name="abstract",
    description=(
        "Abstract layer: reasons about causes and consequences, and makes predictions from mental models "
        "about what will happen next. Call it for explanations and forecasts."
    ),
    instructions=(
        "You are the abstract layer of a ThoughtSeed hierarchy. Reason about causes and likely futures. "
        "State each prediction with a confidence between 0 and 1. Keep the report under 150 words."
    ),
    tools=("semantic_recall", "list_mental_models", "generate_prediction"),
    max_steps=7,
)
