"""Result shapes of the tools over the mind's state: beliefs, basins, thoughtseeds, goals,
the heartbeat and energy, mental models and their predictions.

FastMCP derives each tool's output schema from these and checks every result against it,
so a key here is one the service always returns (``NotRequired`` where only some branches do).
Statuses the services spell inline (not in ``vocabulary``) are ``Literal`` of exactly those.
"""

# No ``from __future__ import annotations``: TypedDict reads ``NotRequired`` from evaluated
# annotations only, and FastMCP builds its validator from ``__required_keys__``.

from typing import Annotated, Any, Literal, NotRequired, TypeAlias

from pydantic import Field
from typing_extensions import TypedDict

from orchestra.services.energy import ACTION_COSTS
from orchestra.services.vocabulary import (
    BASIN_STATES,
    GOAL_ACTIONS,
    GOAL_PRIORITIES,
    GOAL_SOURCES,
    LAYERS,
    MODEL_DOMAINS,
    MODEL_STATUSES,
)


def _enum(values: tuple[str, ...] | list[str]) -> Any:
    return Field(json_schema_extra={"enum": list(values)})


Layer: TypeAlias = Annotated[str, _enum(LAYERS)]
BasinState: TypeAlias = Annotated[str, _enum(BASIN_STATES)]
GoalPriority: TypeAlias = Annotated[str, _enum(GOAL_PRIORITIES)]
GoalSource: TypeAlias = Annotated[str, _enum(GOAL_SOURCES)]
GoalAction: TypeAlias = Annotated[str, _enum(GOAL_ACTIONS)]
ModelDomain: TypeAlias = Annotated[str, _enum(MODEL_DOMAINS)]
ModelStatus: TypeAlias = Annotated[str, _enum(MODEL_STATUSES)]
EnergyAction: TypeAlias = Annotated[str, _enum(list(ACTION_COSTS))]
SeedStatus: TypeAlias = Literal["pending", "competing", "won", "lost", "expired"]
PredictionStatus: TypeAlias = Literal["pending", "resolved", "expired"]


# ------------------------------------------------------------------------------ basins


class Basin(TypedDict):
    """A basin as it is now (activation decayed to the moment of the call)."""

    basin_id: str
    activation: float
    strength: float
    state: BasinState
    activation_count: int
    last_activated: str | None


class BasinActivation(Basin):
    """What ``activate_basin`` returns; an inhibited basin is not activated and has no ``previous_state``."""

    activated: bool
    previous_activation: float
    previous_state: NotRequired[BasinState]


class StateCounts(TypedDict, total=False):
    """Basins per state; a state no basin is in is left out."""

    dormant: int
    activating: int
    active: int
    saturated: int
    decaying: int
    inhibited: int


class Landscape(TypedDict):
    """What ``query_basin_landscape`` returns."""

    basins: list[Basin]
    total: int
    state_counts: StateCounts
    total_activation: float
    mean_strength: float


# ------------------------------------------------------------------------------ thoughtseeds


class Thoughtseed(TypedDict):
    """A thoughtseed; ``kind`` is ``prediction`` for the seeds mental models make."""

    thoughtseed_id: str
    layer: Layer
    kind: Literal["general", "prediction"]
    neuronal_packet: dict[str, Any]
    memory_id: str | None
    model_id: str | None
    prediction_id: str | None
    activation: float
    status: SeedStatus
    competition_id: str | None
    created_at: str


class Competition(TypedDict):
    """What ``run_thoughtseed_competition`` returns; no seeds: ``winner`` null and a ``message``."""

    competition_id: str
    layer: Layer
    participants: int
    winner: Thoughtseed | None
    loser_ids: list[str]
    competition_energy: float
    message: str | None


class PredictionCompetition(Competition):
    """What ``run_prediction_competition`` returns: the winning model and the basins it activated."""

    activated_basins: list[BasinActivation]
    winning_model_id: str | None
    winning_model_name: NotRequired[str]


# ------------------------------------------------------------------------------ consciousness


class BeliefUpdate(TypedDict):
    """What ``update_belief`` returns; ``stability`` is null for a domain's first belief."""

    belief_id: str
    domain: str
    belief: dict[str, Any]
    confidence: float
    previous_confidence: float | None
    stability: float | None
    beliefs_in_domain: int
    created_at: str


class CoherenceEvidence(TypedDict):
    """How much evidence the coherence rests on."""

    active_basin_count: int
    belief_transitions: int
    resolved_predictions: int


class Coherence(TypedDict):
    """What ``assess_coherence`` returns."""

    spatial_coherence: float
    temporal_coherence: float
    causal_coherence: float
    consciousness_level: float
    consciousness_label: Literal["low", "moderate", "high"]
    evidence: CoherenceEvidence


class StateEvidence(TypedDict):
    """How much evidence the active-inference metrics rest on."""

    resolved_predictions: int
    belief_domains: int
    basins: int


class ConsciousnessState(TypedDict):
    """What ``get_consciousness_state`` returns; ``beliefs`` maps each domain to its latest confidence."""

    prediction_error: float
    surprise: float
    precision: float
    free_energy: float
    complexity: float
    coherence: Coherence
    active_basins: list[Basin]
    dominant_thoughtseed: Thoughtseed | None
    beliefs: dict[str, float]
    evidence: StateEvidence


# ------------------------------------------------------------------------------ goals


class ProgressNote(TypedDict):
    """One entry of a goal's progress log."""

    at: str
    action: GoalAction
    note: str


class Goal(TypedDict):
    """A goal as ``create_goal`` and ``list_goals`` return it."""

    goal_id: str
    title: str
    description: str | None
    priority: GoalPriority
    source: GoalSource
    status: Literal["open", "completed", "abandoned"]
    progress: list[ProgressNote]
    created_at: str
    updated_at: str
    closed_at: str | None


class GoalUpdate(Goal):
    """What ``update_goal`` returns: the goal after the action, and whether it changed."""

    action: GoalAction
    changed: bool
    previous_priority: GoalPriority


class GoalCounts(TypedDict):
    """Open goals per priority, and the closed ones."""

    active: int
    queued: int
    backburner: int
    completed: int
    abandoned: int


class GoalList(TypedDict):
    """What ``list_goals`` returns."""

    goals: list[Goal]
    counts: GoalCounts


# ------------------------------------------------------------------------------ heartbeat, energy


class HeartbeatStatus(TypedDict):
    """What ``get_heartbeat_status`` returns; ``last_actions`` are the last beat's actions as logged."""

    paused: bool
    pause_reason: str | None
    paused_at: str | None
    beat_count: int
    last_beat_at: str | None
    next_beat_at: str | None
    interval_seconds: float
    runner_attached: bool
    last_narrative: str | None
    last_actions: list[dict[str, Any]]


class HeartbeatTrigger(TypedDict):
    """What ``trigger_heartbeat`` returns.

    ``not_available`` (no runner attached) and ``busy`` carry a ``message``; ``completed``
    carries the runner's ``result`` (whatever the attached runner returns) and ``beat_count``.
    """

    status: Literal["not_available", "busy", "completed"]
    message: NotRequired[str]
    result: NotRequired[Any]
    beat_count: NotRequired[int]


class HeartbeatPaused(TypedDict):
    """What ``pause_heartbeat`` returns."""

    paused: bool
    was_paused: bool
    reason: str
    paused_at: str


class HeartbeatResumed(TypedDict):
    """What ``resume_heartbeat`` returns (``paused_seconds`` 0 when it was not paused)."""

    paused: bool
    was_paused: bool
    paused_seconds: float


class SpentAction(TypedDict):
    """The last action energy was spent on."""

    action: EnergyAction
    cost: int
    at: str


class EnergyStatus(TypedDict):
    """What ``get_energy_status`` returns; ``action_costs`` maps each action to its cost."""

    current_energy: int
    max_energy: int
    regeneration_per_heartbeat: int
    action_costs: Annotated[
        dict[str, int], Field(json_schema_extra={"propertyNames": {"enum": list(ACTION_COSTS)}})
    ]
    affordable_actions: list[EnergyAction]
    unaffordable_actions: list[EnergyAction]
    spent_total: int
    last_action: SpentAction | None
    last_regenerated_at: str | None


# ------------------------------------------------------------------------------ mental models


class PredictionTemplate(TypedDict):
    """A model's template; ``trigger`` null means it applies whatever the context."""

    trigger: str | None
    prediction: str


class MentalModel(TypedDict):
    """A mental model with its accuracy record, as every model tool returns it."""

    model_id: str
    name: str
    domain: ModelDomain
    layer: Layer
    description: str | None
    basin_ids: list[str]
    prediction_templates: list[PredictionTemplate]
    status: ModelStatus
    accuracy: float | None
    resolved_predictions: int
    lifetime_accuracy: float | None
    prediction_count: int
    pending_predictions: int
    confidence: float
    revision_needed: bool
    revision_count: int
    created_at: str
    updated_at: str


class PredictionContent(TypedDict):
    """What a model predicted: the filled template (null index: no templates) and the words it matched."""

    expected: str
    template_index: int | None
    matched_terms: list[str]
    basins: list[str]


class PredictionRecord(TypedDict):
    """One of a model's predictions, as ``get_mental_model`` lists them."""

    prediction_id: str
    model_id: str
    context: dict[str, Any]
    prediction: PredictionContent
    confidence: float
    status: PredictionStatus
    error: float | None
    observation: Any
    thoughtseed_id: str | None
    created_at: str
    expires_at: str
    resolved_at: str | None


class Revision(TypedDict):
    """One structural revision of a model; ``accuracy_after`` fills in as later predictions resolve."""

    revision_id: str
    trigger_description: str
    added_basins: list[str]
    removed_basins: list[str]
    accuracy_before: float | None
    accuracy_after: float | None
    created_at: str


class MentalModelDetail(MentalModel):
    """What ``get_mental_model`` returns; the lists only when asked for."""

    predictions: NotRequired[list[PredictionRecord]]
    revisions: NotRequired[list[Revision]]


class ModelList(TypedDict):
    """What ``list_mental_models`` returns: one page and the total matching."""

    models: list[MentalModel]
    total: int
    limit: int
    offset: int


class RevisedModel(MentalModel):
    """What ``revise_mental_model`` returns: the model after, and the revision just recorded."""

    revision_id: str
    added_basins: list[str]
    removed_basins: list[str]
    ignored_removals: list[str]
    accuracy_before: float | None
    accuracy_after: float | None


class Prediction(TypedDict):
    """What ``generate_prediction`` returns: the prediction and the thoughtseed competing for it."""

    prediction_id: str
    model_id: str
    prediction: PredictionContent
    confidence: float
    based_on_resolved: int
    layer: Layer
    thoughtseed_id: str
    thoughtseed_activation: float
    inference_state_id: str | None
    created_at: str
    expires_at: str


class WinningModel(MentalModel):
    """One ``get_models_by_winners`` entry: the model, its wins and the last one."""

    wins: int
    last_win_at: str
