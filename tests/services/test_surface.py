"""The facade matches reference §1: 37 tools, same names, parameters, defaults, documented."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from orchestra.services import TOOL_NAMES, CognitiveServices

R = inspect.Parameter.empty  # a required parameter

CONTRACT: dict[str, list[tuple[str, Any]]] = {
    "create_memory": [("content", R), ("memory_type", "semantic"), ("importance", 0.5), ("metadata", None)],
    "search_memories": [("query", R), ("limit", 10), ("threshold", 0.5), ("memory_type", None)],
    "get_memory": [("memory_id", R)],
    "get_consciousness_state": [],
    "update_belief": [("domain", R), ("belief", R), ("confidence", 0.5)],
    "assess_coherence": [],
    "activate_basin": [("basin_id", R), ("strength", 0.5)],
    "get_active_basins": [("limit", 10)],
    "query_basin_landscape": [],
    "create_thoughtseed": [("layer", R), ("neuronal_packet", R), ("memory_id", None)],
    "run_thoughtseed_competition": [("layer", R)],
    "get_or_create_journey": [("device_id", R)],
    "query_journey_history": [
        ("journey_id", R),
        ("query", None),
        ("from_date", None),
        ("to_date", None),
        ("limit", 10),
        ("include_documents", False),
    ],
    "add_document_to_journey": [
        ("journey_id", R),
        ("document_type", R),
        ("title", None),
        ("content", None),
        ("metadata", None),
    ],
    "sync_now": [("force", False), ("batch_size", None)],
    "get_sync_status": [],
    "pause_sync": [("reason", None)],
    "resume_sync": [("process_queue", True)],
    "check_destruction": [],
    "acknowledge_destruction_alert": [],
    "bootstrap_recovery": [("project_id", None), ("since", None), ("dry_run", True)],
    "semantic_recall": [
        ("query", R),
        ("top_k", 5),
        ("threshold", 0.7),
        ("project_id", None),
        ("session_id", None),
        ("memory_types", None),
        ("weight_by_importance", True),
    ],
    "trigger_heartbeat": [],
    "get_heartbeat_status": [],
    "get_energy_status": [],
    "create_goal": [("title", R), ("description", None), ("priority", "queued"), ("source", "user_request")],
    "list_goals": [("priority", None), ("include_completed", False), ("limit", 20)],
    "update_goal": [("goal_id", R), ("action", R), ("note", None)],
    "pause_heartbeat": [("reason", R)],
    "resume_heartbeat": [],
    "create_mental_model": [
        ("name", R),
        ("domain", R),
        ("basin_ids", R),
        ("description", None),
        ("prediction_templates", None),
    ],
    "list_mental_models": [("domain", None), ("status", None), ("limit", 20), ("offset", 0)],
    "get_mental_model": [("model_id", R), ("include_predictions", False), ("include_revisions", False)],
    "revise_mental_model": [
        ("model_id", R),
        ("trigger_description", R),
        ("add_basins", None),
        ("remove_basins", None),
    ],
    "generate_prediction": [("model_id", R), ("context", R), ("inference_state_id", None)],
    "run_prediction_competition": [("layer", R)],
    "get_models_by_winners": [("layer", None), ("limit", 5)],
}


def test_tool_names_are_the_37_in_reference_order() -> None:
    """TOOL_NAMES lists the reference's 37 tools, in order, once each."""
    assert len(TOOL_NAMES) == 37 == len(set(TOOL_NAMES))
    assert list(TOOL_NAMES) == list(CONTRACT)


def test_public_async_methods_are_exactly_the_tools() -> None:
    """The class's public coroutine methods are the 37 tools and nothing else."""
    public_async = {
        name
        for name, member in inspect.getmembers(CognitiveServices)
        if not name.startswith("_") and inspect.iscoroutinefunction(member)
    }
    assert public_async == set(TOOL_NAMES)


@pytest.mark.parametrize("name", TOOL_NAMES)
def test_signature_and_docstring(name: str) -> None:
    """Same parameters and defaults as the reference, type hints, and an Args entry per parameter."""
    method = getattr(CognitiveServices, name)
    params = list(inspect.signature(method).parameters.values())[1:]
    assert [(p.name, p.default) for p in params] == CONTRACT[name]
    assert all(p.annotation is not inspect.Parameter.empty for p in params)
    assert inspect.signature(method).return_annotation is not inspect.Signature.empty
    doc = inspect.getdoc(method) or ""
    assert doc.splitlines()[0].endswith((".", ")")) and len(doc.splitlines()[0]) > 20
    if params:
        assert "Args:" in doc
        for p in params:
            assert f"    {p.name}: " in doc, f"{name}: no Args entry for {p.name}"
