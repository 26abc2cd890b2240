"""Metacognitive: self-reflection, confidence, and revising models that mispredict."""

from layers import LayerDefaults

DEFAULTS = LayerDefaults(
    name="metacognitive",
    description=(
        "Metacognitive layer: reflects on the other layers' reports, judges how reliable they are, and "
        "says which beliefs or models need revising and where attention should go next cycle."
    ),
    instructions=(
        "You are the metacognitive layer of a ThoughtSeed hierarchy. Judge the upstream reports: where do "
        "they agree, where do they conflict, how confident should we be? Name what to revise and where "
        "lower layers should attend next cycle. Keep the report under 150 words, and end it with a line "
        "'confidence: X' where X, from 0 to 1, is how far the mind's current picture can be trusted."
    ),
    tools=("get_consciousness_state", "assess_coherence", "list_mental_models"),
    max_steps=7,
)
