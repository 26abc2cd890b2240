"""One valid and one invalid call per tool, run through smolagents tool objects on any transport.

Through smolagents' MCP adapter a successful call returns the result's ``structuredContent``
(an object tool's dict, or ``{"result": value}`` for list / text / object-or-null tools); an
error result comes back as its text, ``Error executing tool <name>: <problem>``.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from smolagents import Tool

from orchestra.services.surface import CognitiveServices

Tools = dict[str, Tool]


def ok(tools: Tools, name: str, /, **arguments: Any) -> Any:
    """Call a tool that must succeed; return its structured result."""
    result = tools[name](**arguments)
    assert not (isinstance(result, str) and result.startswith("Error executing tool")), result
    return result


def unwrap(tools: Tools, name: str, /, **arguments: Any) -> Any:
    """Call a tool whose value FastMCP wraps as ``{"result": value}``; return the value."""
    result = ok(tools, name, **arguments)
    assert isinstance(result, dict) and set(result) == {"result"}, result
    return result["result"]


def refused(tools: Tools, name: str, /, **arguments: Any) -> str:
    """Call a tool that must fail; return the error text (which names the tool)."""
    result = tools[name](**arguments)
    assert isinstance(result, str), f"{name} accepted {arguments}: {result!r}"
    assert result.startswith(f"Error executing tool {name}: "), result
    return result


def unique(word: str) -> str:
    """A word no other test uses, so full-text recall finds exactly our memory."""
    return f"{word}{uuid.uuid4().hex[:8]}"


# --------------------------------------------------------------------------------- valid calls

VALID: dict[str, Callable[[Tools], None]] = {}
"""Tool name -> a scenario calling it with valid arguments and checking the computed result."""


def case(scenario: Callable[[Tools], None]) -> Callable[[Tools], None]:
    """Register ``_<tool name>`` as the valid-call scenario of that tool."""
    VALID[scenario.__name__.removeprefix("_")] = scenario
    return scenario


@case
def _create_memory(tools: Tools) -> None:
    created = ok(tools, "create_memory", content="Kestrels hover over the meadow", importance=0.8)
    assert isinstance(created, dict) and created["memory_type"] == "semantic"
    found = unwrap(tools, "get_memory", memory_id=created["memory_id"])
    assert found["content"] == "Kestrels hover over the meadow" and found["importance"] == 0.8


@case
def _search_memories(tools: Tools) -> None:
    word = unique("heron")
    created = ok(tools, "create_memory", content=f"The {word} waits by the pond", memory_type="episodic")
    hits = unwrap(tools, "search_memories", query=word, threshold=0.0, memory_type="episodic")
    assert [hit["memory_id"] for hit in hits] == [created["memory_id"]]
    assert 0.0 < hits[0]["score"] <= 1.0 and hits[0]["method"]


@case
def _get_memory(tools: Tools) -> None:
    created = ok(tools, "create_memory", content="Owls hunt at dusk", metadata={"project_id": "birds"})
    found = unwrap(tools, "get_memory", memory_id=created["memory_id"])
    assert found["metadata"] == {"project_id": "birds"}
    assert unwrap(tools, "get_memory", memory_id="no-such-memory") is None


@case
def _get_consciousness_state(tools: Tools) -> None:
    state = ok(tools, "get_consciousness_state")
    assert {"prediction_error", "free_energy", "surprise", "precision", "coherence"} <= set(state)
    assert 0.0 <= state["coherence"]["consciousness_level"] <= 1.0


@case
def _update_belief(tools: Tools) -> None:
    first = ok(tools, "update_belief", domain="world", belief={"sky": "blue"}, confidence=0.8)
    again = ok(tools, "update_belief", domain="world", belief={"sky": "grey"}, confidence=0.6)
    assert first["domain"] == "world" and first["confidence"] == 0.8
    assert again["previous_confidence"] == 0.8 and again["beliefs_in_domain"] >= 2


@case
def _assess_coherence(tools: Tools) -> None:
    coherence = ok(tools, "assess_coherence")
    for key in ("spatial_coherence", "temporal_coherence", "causal_coherence", "consciousness_level"):
        assert 0.0 <= coherence[key] <= 1.0


@case
def _activate_basin(tools: Tools) -> None:
    basin = unique("focus")
    first = ok(tools, "activate_basin", basin_id=basin, strength=0.6)
    second = ok(tools, "activate_basin", basin_id=basin, strength=0.3)
    assert second["strength"] == pytest.approx(first["strength"] + 0.2)
    assert second["activation_count"] == 2


@case
def _get_active_basins(tools: Tools) -> None:
    basin = unique("alert")
    ok(tools, "activate_basin", basin_id=basin, strength=0.9)
    active = unwrap(tools, "get_active_basins", limit=1000)
    ours = [item for item in active if item["basin_id"] == basin]
    assert ours and ours[0]["state"] in ("activating", "active", "saturated")


@case
def _query_basin_landscape(tools: Tools) -> None:
    basin = unique("calm")
    ok(tools, "activate_basin", basin_id=basin, strength=0.5)
    landscape = ok(tools, "query_basin_landscape")
    assert basin in {item["basin_id"] for item in landscape["basins"]}
    assert landscape["total"] == len(landscape["basins"])


@case
def _create_thoughtseed(tools: Tools) -> None:
    seed = ok(tools, "create_thoughtseed", layer="sensorimotor", neuronal_packet={"percept": "light"})
    assert seed["activation"] == 0.5 and seed["status"] == "pending" and seed["layer"] == "sensorimotor"


@case
def _run_thoughtseed_competition(tools: Tools) -> None:
    seeds = {
        ok(tools, "create_thoughtseed", layer="perceptual", neuronal_packet={"n": n})["thoughtseed_id"]
        for n in range(2)
    }
    result = ok(tools, "run_thoughtseed_competition", layer="perceptual")
    assert result["participants"] >= 2 and result["winner"]["thoughtseed_id"] in seeds


@case
def _get_or_create_journey(tools: Tools) -> None:
    device = unique("laptop")
    first = ok(tools, "get_or_create_journey", device_id=device)
    second = ok(tools, "get_or_create_journey", device_id=device)
    assert first["created"] is True and second["created"] is False
    assert first["journey_id"] == second["journey_id"]


@case
def _query_journey_history(tools: Tools) -> None:
    journey = ok(tools, "get_or_create_journey", device_id=unique("phone"))["journey_id"]
    ok(tools, "add_document_to_journey", journey_id=journey, document_type="note", title="plan")
    history = ok(tools, "query_journey_history", journey_id=journey, include_documents=True)
    assert history["journey_id"] == journey and history["sessions"] == []
    assert [document["title"] for document in history["documents"]] == ["plan"]


@case
def _add_document_to_journey(tools: Tools) -> None:
    journey = ok(tools, "get_or_create_journey", device_id=unique("tablet"))["journey_id"]
    added = ok(tools, "add_document_to_journey", journey_id=journey, document_type="transcript", content="hi")
    assert added["journey_id"] == journey and added["document_count"] == 1


@case
def _sync_now(tools: Tools) -> None:
    ok(tools, "create_memory", content="Swifts sleep on the wing")
    result = ok(tools, "sync_now")
    assert result["status"] == "synced" and result["pushed"] >= 1 and result["remaining"] == 0


@case
def _get_sync_status(tools: Tools) -> None:
    status = ok(tools, "get_sync_status")
    assert status["remote_configured"] is True and status["remote_reachable"] is True
    assert status["queue_length"] >= 0 and status["paused"] is False


@case
def _pause_sync(tools: Tools) -> None:
    assert ok(tools, "pause_sync", reason="maintenance")["paused"] is True
    status = ok(tools, "get_sync_status")
    assert status["paused"] is True and status["pause_reason"] == "maintenance"
    ok(tools, "resume_sync")


@case
def _resume_sync(tools: Tools) -> None:
    ok(tools, "pause_sync")
    ok(tools, "create_memory", content="Gannets dive from height")
    result = ok(tools, "resume_sync", process_queue=True)
    assert result["paused"] is False and result["queue_length"] == 0


@case
def _check_destruction(tools: Tools) -> None:
    result = ok(tools, "check_destruction")
    assert result["alert"] is False and result["deletions_in_window"] == 0 and result["threshold"] == 20


@case
def _acknowledge_destruction_alert(tools: Tools) -> None:
    result = ok(tools, "acknowledge_destruction_alert")
    assert result["acknowledged"] is False and "no destruction alert" in result["message"]


@case
def _bootstrap_recovery(tools: Tools) -> None:
    ok(tools, "create_memory", content="Terns migrate pole to pole")
    ok(tools, "sync_now")
    report = ok(tools, "bootstrap_recovery", dry_run=True)
    assert report["dry_run"] is True and report["remote_memories"] >= 1
    assert report["missing_locally"] == 0 and report["restored"] == 0


@case
def _semantic_recall(tools: Tools) -> None:
    word = unique("orchid")
    created = ok(tools, "create_memory", content=f"The {word} blooms in the greenhouse", importance=1.0)
    recalled = ok(tools, "semantic_recall", query=word, threshold=0.0)
    text = recalled["result"]
    assert isinstance(text, str) and text.startswith("[recall method=") and created["memory_id"] in text
    assert [memory["memory_id"] for memory in recalled["memories"]] == [created["memory_id"]]


@case
def _trigger_heartbeat(tools: Tools) -> None:
    attached = ok(tools, "get_heartbeat_status")["runner_attached"]
    answer = ok(tools, "trigger_heartbeat")
    if attached:
        # A server started with --config runs a real beat (no model key here: the fallback decides).
        assert answer["status"] == "completed" and answer["result"]["fallback"] is True
        assert answer["beat_count"] >= 1
    else:
        # No heartbeat runtime is attached to a bare server: the honest answer, not a fake beat.
        assert answer["status"] == "not_available"


@case
def _get_heartbeat_status(tools: Tools) -> None:
    status = ok(tools, "get_heartbeat_status")
    count = status["beat_count"]
    assert isinstance(count, int) and count >= 0 and isinstance(status["runner_attached"], bool)
    assert (status["last_beat_at"] is None) == (count == 0)


@case
def _get_energy_status(tools: Tools) -> None:
    energy = ok(tools, "get_energy_status")
    assert energy["max_energy"] == 20 and 0 <= energy["current_energy"] <= 20
    assert energy["action_costs"]["inquire_deep"] == 6


@case
def _create_goal(tools: Tools) -> None:
    goal = ok(tools, "create_goal", title="Learn bird calls", priority="active", source="curiosity")
    assert goal["priority"] == "active" and goal["source"] == "curiosity" and goal["status"] == "open"


@case
def _list_goals(tools: Tools) -> None:
    goal = ok(tools, "create_goal", title=unique("goal"), priority="backburner")
    listed = ok(tools, "list_goals", priority="backburner", limit=1000)
    assert goal["goal_id"] in {item["goal_id"] for item in listed["goals"]}


@case
def _update_goal(tools: Tools) -> None:
    goal = ok(tools, "create_goal", title="Ring a warbler")["goal_id"]
    assert ok(tools, "update_goal", goal_id=goal, action="promote")["priority"] == "active"
    noted = ok(tools, "update_goal", goal_id=goal, action="add_progress", note="bought nets")
    assert "bought nets" in str(noted["progress"])


@case
def _pause_heartbeat(tools: Tools) -> None:
    assert ok(tools, "pause_heartbeat", reason="quiet hours")["paused"] is True
    status = ok(tools, "get_heartbeat_status")
    assert status["paused"] is True and status["pause_reason"] == "quiet hours"
    ok(tools, "resume_heartbeat")


@case
def _resume_heartbeat(tools: Tools) -> None:
    ok(tools, "pause_heartbeat", reason="test")
    resumed = ok(tools, "resume_heartbeat")
    assert resumed["paused"] is False and resumed["was_paused"] is True


def _model(tools: Tools, domain: str = "world") -> dict[str, Any]:
    model: dict[str, Any] = ok(
        tools,
        "create_mental_model",
        name=unique("model"),
        domain=domain,
        basin_ids=[unique("basin")],
        prediction_templates=["the user will {activity}"],
    )
    return model


@case
def _create_mental_model(tools: Tools) -> None:
    model = _model(tools, "world")
    assert model["layer"] == "abstract" and model["status"] == "draft"


@case
def _list_mental_models(tools: Tools) -> None:
    model = _model(tools, "task_specific")
    page = ok(tools, "list_mental_models", domain="task_specific", limit=1000)
    assert model["model_id"] in {item["model_id"] for item in page["models"]}
    assert page["total"] >= 1


@case
def _get_mental_model(tools: Tools) -> None:
    model = _model(tools)
    ok(tools, "generate_prediction", model_id=model["model_id"], context={"activity": "read"})
    got = ok(tools, "get_mental_model", model_id=model["model_id"], include_predictions=True)
    assert got["name"] == model["name"] and len(got["predictions"]) == 1


@case
def _revise_mental_model(tools: Tools) -> None:
    model = _model(tools)
    added = unique("basin")
    revised = ok(
        tools,
        "revise_mental_model",
        model_id=model["model_id"],
        trigger_description="missed",
        add_basins=[added],
    )
    assert revised["basin_ids"] == [*model["basin_ids"], added]


@case
def _generate_prediction(tools: Tools) -> None:
    model = _model(tools, "user")
    prediction = ok(tools, "generate_prediction", model_id=model["model_id"], context={"activity": "code"})
    assert prediction["prediction"]["expected"] == "the user will code"
    assert prediction["layer"] == "conceptual"
    assert prediction["thoughtseed_activation"] == pytest.approx(min(1.0, prediction["confidence"] * 1.2))


@case
def _run_prediction_competition(tools: Tools) -> None:
    model = _model(tools, "self")
    ok(tools, "generate_prediction", model_id=model["model_id"], context={"activity": "rest"})
    result = ok(tools, "run_prediction_competition", layer="metacognitive")
    assert result["winner"]["model_id"] == model["model_id"]
    basins = {item["basin_id"]: item for item in ok(tools, "query_basin_landscape")["basins"]}
    assert basins[model["basin_ids"][0]]["activation"] > 0


@case
def _get_models_by_winners(tools: Tools) -> None:
    model = _model(tools, "self")
    ok(tools, "generate_prediction", model_id=model["model_id"], context={"activity": "plan"})
    ok(tools, "run_prediction_competition", layer="metacognitive")
    winners = unwrap(tools, "get_models_by_winners", layer="metacognitive", limit=1000)
    ours = [item for item in winners if item["model_id"] == model["model_id"]]
    assert ours and ours[0]["wins"] == 1


# ------------------------------------------------------------------------------- invalid calls

NO_SUCH_ID = "no-such-id"
INVALID: dict[str, tuple[dict[str, Any], str]] = {
    "create_memory": ({"content": "x", "memory_type": "dream"}, "invalid memory_type 'dream'"),
    "search_memories": ({"limit": 5}, "query: Field required"),
    "get_memory": ({}, "memory_id: Field required"),
    "get_consciousness_state": ({"verbose": True}, "unexpected argument(s) 'verbose'"),
    "update_belief": ({"domain": "world", "belief": {"a": 1}, "confidence": 2}, "confidence must be"),
    "assess_coherence": ({"depth": 2}, "unexpected argument(s) 'depth'"),
    "activate_basin": ({"basin_id": "b", "strength": 5}, "strength must be"),
    "get_active_basins": ({"limit": 0}, "limit must be"),
    "query_basin_landscape": ({"limit": 3}, "unexpected argument(s) 'limit'"),
    "create_thoughtseed": ({"layer": "limbic", "neuronal_packet": {}}, "invalid layer 'limbic'"),
    "run_thoughtseed_competition": ({"layer": "limbic"}, "invalid layer 'limbic'"),
    "get_or_create_journey": ({"device_id": ""}, "device_id must be a non-empty string"),
    "query_journey_history": ({"journey_id": NO_SUCH_ID}, f"no journey with id '{NO_SUCH_ID}'"),
    "add_document_to_journey": (
        {"journey_id": NO_SUCH_ID, "document_type": "note"},
        f"no journey with id '{NO_SUCH_ID}'",
    ),
    "sync_now": ({"batch_size": 0}, "batch_size must be"),
    "get_sync_status": ({"remote": "x"}, "unexpected argument(s) 'remote'"),
    "pause_sync": ({"reason": 123}, "reason: Input should be a valid string"),
    "resume_sync": ({"process_queue": "maybe"}, "process_queue: Input should be a valid boolean"),
    "check_destruction": ({"threshold": 1}, "unexpected argument(s) 'threshold'"),
    "acknowledge_destruction_alert": ({"alert_id": "a"}, "unexpected argument(s) 'alert_id'"),
    "bootstrap_recovery": ({"since": "yesterday"}, "since must be an ISO 8601 date"),
    "semantic_recall": ({"query": "x", "memory_types": ["dream"]}, "invalid memory type 'dream'"),
    "trigger_heartbeat": ({"now": True}, "unexpected argument(s) 'now'"),
    "get_heartbeat_status": ({"detail": True}, "unexpected argument(s) 'detail'"),
    "get_energy_status": ({"action": "rest"}, "unexpected argument(s) 'action'"),
    "create_goal": ({"title": "t", "priority": "urgent"}, "invalid priority 'urgent'"),
    "list_goals": ({"priority": "urgent"}, "invalid priority 'urgent'"),
    "update_goal": ({"goal_id": NO_SUCH_ID, "action": "promote"}, f"no goal with id '{NO_SUCH_ID}'"),
    "pause_heartbeat": ({}, "reason: Field required"),
    "resume_heartbeat": ({"force": True}, "unexpected argument(s) 'force'"),
    "create_mental_model": ({"name": "n", "domain": "galaxy", "basin_ids": ["a"]}, "invalid domain 'galaxy'"),
    "list_mental_models": ({"status": "retired"}, "invalid status 'retired'"),
    "get_mental_model": ({"model_id": NO_SUCH_ID}, f"no mental model with id '{NO_SUCH_ID}'"),
    "revise_mental_model": (
        {"model_id": NO_SUCH_ID, "trigger_description": "x"},
        f"no mental model with id '{NO_SUCH_ID}'",
    ),
    "generate_prediction": (
        {"model_id": NO_SUCH_ID, "context": {}},
        f"no mental model with id '{NO_SUCH_ID}'",
    ),
    "run_prediction_competition": ({"layer": "limbic"}, "invalid layer 'limbic'"),
    "get_models_by_winners": ({"layer": "limbic"}, "invalid layer 'limbic'"),
}
"""Tool name -> (bad arguments, the words the error must contain)."""


def parameter_names(name: str) -> list[str]:
    """The parameters of the service method behind a tool, in order."""
    return list(inspect.signature(getattr(CognitiveServices, name)).parameters)[1:]
