"""The scripted model replies and the heartbeat task, shared by every scenario.

Wherever two scenarios do the same work they get the very same text: the root's steps 2 to 5 are
identical everywhere, the five layer replies are identical in the three hierarchical scenarios, and
the flat agent's step 1 makes exactly the tool calls the layers make. Only the root's step 1 differs,
because that is where the orchestration differs (one call to the sink layer, five calls in turn, or
the tools themselves).

Every reply is a CodeAgent reply: a ``Thought:`` and one ``<code>`` block, at least 60 completion
tokens after the server cuts it at the ``</code>`` stop sequence.
"""

from __future__ import annotations

import json

from benchmarks.common.routes import ROOT_AGENT, Route
from orchestra.heartbeat.decision import DECISION_FORMAT
from orchestra.services.energy import ACTION_COSTS

LAYERS: tuple[str, ...] = ("sensorimotor", "perceptual", "conceptual", "abstract", "metacognitive")
"""The five ThoughtSeed layers, bottom-up."""

ROOT_MARKER = "You are consciousness"
"""Found in every root's system prompt (orchestra's default root instructions and ours)."""

LAYER_MARKERS: dict[str, str] = {name: f"You are the {name} layer" for name in LAYERS}
"""Found in each layer's system prompt (``layers/<name>.py`` instructions)."""

ROOT_TOOLS: tuple[str, ...] = ("create_memory", "semantic_recall", "get_energy_status", "list_goals")
"""The root's own tools in the hierarchical scenarios: the shipped configs' plus steps 2 to 4's."""

FLAT_INSTRUCTIONS = (
    "You are consciousness, the global workspace of a mind that decides what to do at each heartbeat. "
    "Use your tools to observe the environment, recall memories, and check goals, energy and mental "
    "models, then give a final answer that states the decision and the evidence behind it."
)
"""The flat agent's instructions (it has no layers to call), carrying the root marker."""


def _code(thought: str, body: str) -> str:
    return f"Thought: {thought}\n<code>\n{body.strip()}\n</code>"


# ------------------------------------------------------------------------------------- the task

_OBSERVATION = {
    "beat": 42,
    "since_last_beat_s": 3600,
    "user_session_open": False,
    "last_user_message": "Can you have the benchmark summary ready for the morning?",
    "pending_predictions": 1,
}
_GOALS = [{"title": "Finish the benchmark report", "priority": "active", "progress": 1}]
_RECENT = [
    "The user worked late on the orchestra benchmark and asked for a summary in the morning.",
    "Deadlines make the user terse; keep check-ins short on weekdays.",
]


def heartbeat_task() -> str:
    """The DECIDE task every scenario is given, shaped like the heartbeat's own.

    Returns:
        The task text: observation, goals, recent memories, energy, action costs, the Decision format.
    """
    costs = ", ".join(f"{action}={cost}" for action, cost in ACTION_COSTS.items())
    return "\n\n".join(
        [
            "Heartbeat: decide what this mind does now.",
            f"Observation: {json.dumps(_OBSERVATION)}",
            f"Goals: {json.dumps(_GOALS)}",
            f"Recent memories: {json.dumps(_RECENT)}",
            "Identity: []",
            "Last beat: beat 41 recalled the benchmark notes and rested.",
            f"Energy: 20. Action costs: {costs}.",
            DECISION_FORMAT,
        ]
    )


# ------------------------------------------------------------------------------- layer replies

LAYER_TOOL_CALLS: dict[str, str] = {
    "sensorimotor": "env = observe_environment()",
    "perceptual": (
        'recalled = semantic_recall(query="recent user sessions and repeated work patterns", top_k=3, '
        "threshold=0.0)\nbasins = get_active_basins(limit=5)"
    ),
    "conceptual": (
        "goals_seen = list_goals(limit=10)\n"
        'related = semantic_recall(query="goals deadlines commitments", top_k=3, threshold=0.0)'
    ),
    "abstract": "models = list_mental_models(limit=5)",
    "metacognitive": "state = get_consciousness_state()",
}
"""Each layer's tool calls; the flat agent's step 1 makes all of them."""

_LAYER_REPORTS: dict[str, tuple[str, str]] = {
    "sensorimotor": (
        "I read the environment once and report it as facts with numbers; interpretation belongs to the "
        "layers above me, so the report stays short.",
        """
final_answer(
    f"At {env['local']} ({env['weekday']}, hour {env['hour']}) load per core is "
    f"{env['load_per_core_1m']} over 1 min and {env['load_per_core_5m']} over 5 min, "
    f"{env['memory_available_mib']} MiB free. No user session is open; the last user message "
    "asked for the benchmark summary by morning. Nothing new arrived since the last beat."
)
""",
    ),
    "perceptual": (
        "I recall recent sessions and look at which basins are active, then name the patterns that "
        "repeat and what is new, each with its evidence.",
        """
active = [basin["basin_id"] for basin in basins]
final_answer(
    f"Familiar pattern: late work on the benchmark before a morning deadline "
    f"({recalled.count(chr(10))} recalled lines support it). Active basins: {', '.join(active) or 'none'}. "
    "New: the user asked for a summary rather than more results. Repeating: short check-ins on weekdays."
)
""",
    ),
    "conceptual": (
        "I relate the upstream reports to the goals and to what memory says about commitments, and say "
        "which goal is affected and why.",
        """
titles = [goal["title"] for goal in goals_seen["goals"]]
final_answer(
    f"Affected goals: {', '.join(titles) or 'none'} ({goals_seen['counts']['active']} active). "
    "The morning deadline makes the benchmark report the goal this beat should serve; memories say the "
    f"user prefers short updates ({related.count(chr(10))} related lines). No goal conflicts with it."
)
""",
    ),
    "abstract": (
        "I reason from the mental models about what happens next if the report is or is not ready, and "
        "give each prediction a confidence.",
        """
names = [model["name"] for model in models["models"]]
final_answer(
    f"Models consulted: {', '.join(names) or 'none'}. Prediction: the user returns in the morning and "
    "asks for the summary first (confidence 0.75). If the outline exists by then, the review is short "
    "(0.6). If not, the user writes it and the goal slips a day (0.5)."
)
""",
    ),
    "metacognitive": (
        "I judge the upstream reports against the consciousness state: where they agree, where they "
        "conflict, how confident to be, and where attention should go next cycle.",
        """
level = state["coherence"]["consciousness_level"]
final_answer(
    f"The reports agree: the benchmark report is the focus and the user wants it short. Coherence "
    f"{level} ({state['coherence']['consciousness_label']}); confidence 0.7. Revise nothing yet; the "
    "user-rhythm model has no resolved predictions. Next cycle, perception should attend to whether "
    "the user opened a session and read the summary."
)
""",
    ),
}


def layer_reply(layer: str) -> str:
    """A layer's one step: its tool calls, then a report composed from their results.

    Args:
        layer: A layer name from :data:`LAYERS`.

    Returns:
        The reply text.
    """
    thought, tail = _LAYER_REPORTS[layer]
    return _code(thought, f"{LAYER_TOOL_CALLS[layer]}\n{tail.strip()}")


# -------------------------------------------------------------------------------- root step 1

_SWEEP_TASK = (
    "Heartbeat check-in: report how things stand, how reliable the picture is, and where attention "
    "should go, for a decision about what this mind does now."
)

DAG_STEP_1 = _code(
    "A heartbeat needs the whole hierarchy's view before I plan. Calling the metacognitive layer runs the "
    "layers it depends on first (sensorimotor and perceptual, then conceptual and abstract) and hands it "
    "their reports, so one call gives me the judged, integrated picture.",
    f"""
report = metacognitive(task="{_SWEEP_TASK}")
print(report)
""",
)
"""orchestra's step 1 (DAG and chain alike): one call to the sink layer."""

MANAGED_STEP_1 = _code(
    "A heartbeat needs every layer's view before I plan. I call the layers bottom-up and hand each one "
    "the reports of the layers that feed it, so the metacognitive layer can judge the whole picture.",
    f"""
task = "{_SWEEP_TASK}"
sensed = sensorimotor(task=task)
perceived = perceptual(task=task)
concepts = conceptual(task=task + "\\n\\nReports that feed you:\\n" + sensed + "\\n" + perceived)
forecast = abstract(task=task + "\\n\\nReports that feed you:\\n" + perceived)
report = metacognitive(task=task + "\\n\\nReports that feed you:\\n" + concepts + "\\n" + forecast)
print(report)
""",
)
"""Plain smolagents' step 1: the five managed agents one after another, feeders' reports passed on."""

FLAT_STEP_1 = _code(
    "A heartbeat needs a view of the environment, memory, goals, models and my own state before I plan. "
    "I gather them with my tools in one go and print the parts that matter for the decision.",
    "\n".join(LAYER_TOOL_CALLS[name] for name in LAYERS)
    + """
print("environment:", env)
print(recalled)
print("active basins:", [basin["basin_id"] for basin in basins])
print("goals:", [goal["title"] for goal in goals_seen["goals"]], goals_seen["counts"])
print(related)
print("models:", [model["name"] for model in models["models"]])
print("coherence:", state["coherence"])
""",
)
"""The flat agent's step 1: the layers' tool calls, made directly."""

# -------------------------------------------------------------------------------- root steps 2-5

ROOT_STEPS_2_TO_5: tuple[str, ...] = (
    _code(
        "The picture is clear at the level of summaries: the benchmark report is the focus and the user "
        "wants it short. Before planning I want the specific memories behind that, ranked by relevance, "
        "so the decision cites evidence rather than summaries.",
        """
memories = semantic_recall(
    query="user late sessions benchmark report deadline summary", top_k=5, threshold=0.0
)
print(memories)
""",
    ),
    _code(
        "The memories confirm the morning deadline and the preference for short updates. Every action "
        "costs energy, so I check what I can afford this beat before choosing between recalling, "
        "reflecting and reaching out.",
        """
energy = get_energy_status()
print(energy["current_energy"], "of", energy["max_energy"], "energy")
print("affordable:", energy["affordable_actions"])
""",
    ),
    _code(
        "Energy is enough for a recall and a reflection but reaching out can wait for the user to return. "
        "I list the active goals so the decision can name the goal this beat serves and record progress "
        "on it.",
        """
goals = list_goals(priority="active", limit=5)
print(goals)
""",
    ),
    _code(
        "I have the evidence: the benchmark report is the active goal, the user wants a short summary by "
        "morning, and energy covers a recall plus a reflection. I return the decision and note progress "
        "on the focus goal.",
        """
focus = goals["goals"][0]["goal_id"] if goals["goals"] else None
decision = {
    "reasoning": "The layers agree the benchmark report is the focus; memory says the user wants a short "
    "summary by morning; energy covers a recall and a reflection, and reaching out can wait.",
    "emotional_state": 0.3,
    "confidence": 0.7,
    "focus_goal_id": focus,
    "actions": [
        {"action": "recall", "params": {"query": "benchmark results"}, "reason": "gather the figures"},
        {"action": "reflect", "params": {}, "reason": "draft the short summary the user asked for"},
    ],
    "goal_changes": [{"goal_id": focus, "action": "add_progress", "note": "summary drafted"}]
    if focus
    else [],
}
final_answer(decision)
""",
    ),
)
"""The root's steps 2 to 5 in every scenario: recall, energy, goals, then the Decision."""


def root_replies(step_1: str) -> list[str]:
    """The root's five replies for one cycle.

    Args:
        step_1: The scenario's first step (:data:`DAG_STEP_1`, :data:`MANAGED_STEP_1` or
            :data:`FLAT_STEP_1`).

    Returns:
        Five replies: ``step_1`` then :data:`ROOT_STEPS_2_TO_5`.
    """
    return [step_1, *ROOT_STEPS_2_TO_5]


def decision_routes(scenario: str) -> list[Route]:
    """Who gets which replies in one cycle of ``scenario``: the root's five steps, one reply per layer.

    The decision suite queues them per cycle, the scale curves answer from them by step, so a point
    of a curve is this benchmark's cycle with one thing scaled.

    Args:
        scenario: ``orchestra-dag``, ``orchestra-chain``, ``smolagents-managed`` or ``smolagents-flat``.

    Returns:
        The root's route first, then one per layer (none for the flat scenario).
    """
    step_1 = {"smolagents-managed": MANAGED_STEP_1, "smolagents-flat": FLAT_STEP_1}.get(scenario, DAG_STEP_1)
    routes = [Route(agent=ROOT_AGENT, marker=ROOT_MARKER, replies=tuple(root_replies(step_1)))]
    if scenario != "smolagents-flat":
        routes += [
            Route(agent=name, marker=LAYER_MARKERS[name], replies=(layer_reply(name),)) for name in LAYERS
        ]
    return routes
