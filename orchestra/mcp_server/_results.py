"""Each tool's result type, richer than the service's ``dict[str, Any]``: its output schema.

FastMCP derives the schema other MCP clients read from these and validates every result
against it, so a shape that refuses a real result fails the call ("result invalid").
The shapes live in ``_results_memory`` (stored things) and ``_results_mind`` (mind state).
"""

from __future__ import annotations

from typing import Any

from orchestra.mcp_server._results_memory import (
    AddedDocument,
    CreatedMemory,
    DestructionAcknowledged,
    DestructionCheck,
    Journey,
    JourneyHistory,
    Memory,
    Recall,
    Recovery,
    SearchHit,
    SyncPaused,
    SyncResumed,
    SyncRun,
    SyncStatus,
)
from orchestra.mcp_server._results_mind import (
    Basin,
    BasinActivation,
    BeliefUpdate,
    Coherence,
    Competition,
    ConsciousnessState,
    EnergyStatus,
    Goal,
    GoalList,
    GoalUpdate,
    HeartbeatPaused,
    HeartbeatResumed,
    HeartbeatStatus,
    HeartbeatTrigger,
    Landscape,
    MentalModel,
    MentalModelDetail,
    ModelList,
    Prediction,
    PredictionCompetition,
    RevisedModel,
    Thoughtseed,
    WinningModel,
)

RESULTS: dict[str, Any] = {
    "create_memory": CreatedMemory,
    "search_memories": list[SearchHit],
    "get_memory": Memory | None,
    "get_consciousness_state": ConsciousnessState,
    "update_belief": BeliefUpdate,
    "assess_coherence": Coherence,
    "activate_basin": BasinActivation,
    "get_active_basins": list[Basin],
    "query_basin_landscape": Landscape,
    "create_thoughtseed": Thoughtseed,
    "run_thoughtseed_competition": Competition,
    "get_or_create_journey": Journey,
    "query_journey_history": JourneyHistory,
    "add_document_to_journey": AddedDocument,
    "sync_now": SyncRun,
    "get_sync_status": SyncStatus,
    "pause_sync": SyncPaused,
    "resume_sync": SyncResumed,
    "check_destruction": DestructionCheck,
    "acknowledge_destruction_alert": DestructionAcknowledged,
    "bootstrap_recovery": Recovery,
    "semantic_recall": Recall,
    "trigger_heartbeat": HeartbeatTrigger,
    "get_heartbeat_status": HeartbeatStatus,
    "get_energy_status": EnergyStatus,
    "create_goal": Goal,
    "list_goals": GoalList,
    "update_goal": GoalUpdate,
    "pause_heartbeat": HeartbeatPaused,
    "resume_heartbeat": HeartbeatResumed,
    "create_mental_model": MentalModel,
    "list_mental_models": ModelList,
    "get_mental_model": MentalModelDetail,
    "revise_mental_model": RevisedModel,
    "generate_prediction": Prediction,
    "run_prediction_competition": PredictionCompetition,
    "get_models_by_winners": list[WinningModel],
}
"""The result type of every tool, by name, in ``TOOL_NAMES`` order."""

VALUES: dict[str, str] = {"semantic_recall": "result"}
"""Tools whose output schema carries ``MCP_VALUE_KEY``, and the property it names."""
