"""Every tool's output schema is real, and every branch of every service result fits it (issue 12).

Calls go to the in-process server: FastMCP validates each result against its model (a wrong
shape is "internal error: result invalid"), and here each structured result is also checked
with jsonschema against the published schema closed (``additionalProperties: false`` wherever
it names properties): so a key the schema does not name, a missing one, a wrong type or a
value outside an enum all fail.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from mcp.types import CallToolResult

from orchestra.mcp_server import _tools, build_server
from orchestra.mcp_server._results import RESULTS
from orchestra.services.settings import ServicesSettings, SyncSettings
from orchestra.services.surface import TOOL_NAMES, CognitiveServices
from tests.mcp.cases import VALID

WRAPPED = ("search_memories", "get_memory", "get_active_basins", "get_models_by_winners")
"""Tools whose result is not an object (a list, or an object or null): FastMCP puts it under ``result``."""


def _closed(schema: Any) -> Any:
    """The schema with every object that names properties refusing keys it does not name."""
    if isinstance(schema, dict):
        out = {key: _closed(value) for key, value in schema.items()}
        if "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_closed(item) for item in schema]
    return schema


class Server:
    """An in-process server whose calls must succeed and fit their closed output schema."""

    def __init__(self, services: CognitiveServices) -> None:
        self.services = services
        self.mcp: FastMCP = build_server(services)
        listed = asyncio.run(self.mcp.list_tools())
        self.schemas = {tool.name: _closed(copy.deepcopy(tool.outputSchema)) for tool in listed}
        self.called: set[str] = set()

    async def acall(self, name: str, /, **arguments: Any) -> Any:
        """Call ``name``; return its structured content, checked against the schema."""
        result = await self.mcp.call_tool(name, arguments)
        assert isinstance(result, CallToolResult) and not result.isError, result
        structured = result.structuredContent
        jsonschema.validate(structured, self.schemas[name])
        self.called.add(name)
        return structured["result"] if name in WRAPPED else structured

    def call(self, name: str, /, **arguments: Any) -> Any:
        return asyncio.run(self.acall(name, **arguments))

    def as_tools(self) -> dict[str, Any]:
        """The server as the ``Tools`` of ``cases``: structured content, or the error text."""

        def tool(name: str) -> Any:
            def run(**arguments: Any) -> Any:
                try:
                    value = self.call(name, **arguments)
                except ToolError as error:
                    return str(error)
                return {"result": value} if name in WRAPPED else value

            return run

        return {name: tool(name) for name in TOOL_NAMES}


def _open(tmp_path: Path, *, remote: str | None = None, threshold: int = 20) -> CognitiveServices:
    settings = ServicesSettings(
        store_path=str(tmp_path / "orchestra.db"),
        sync=SyncSettings(remote_path=remote, destruction_threshold=threshold),
    )
    return CognitiveServices.open(settings)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """Services with a reachable remote store."""
    services = _open(tmp_path, remote=str(tmp_path / "remote.db"))
    yield Server(services)
    services.close()


@pytest.fixture
def bare(tmp_path: Path) -> Iterator[Server]:
    """Services with no remote configured and no heartbeat runner."""
    services = _open(tmp_path)
    yield Server(services)
    services.close()


# ------------------------------------------------------------------------------ published schemas


class TestPublished:
    def test_every_tool_has_a_result_type_and_a_case(self) -> None:
        assert tuple(RESULTS) == TOOL_NAMES
        assert set(VALID) == set(TOOL_NAMES)

    def test_no_tool_publishes_an_opaque_object(self, bare: Server) -> None:
        """Each schema names its fields; none is ``{"type": "object", "additionalProperties": true}``."""
        for name, schema in bare.schemas.items():
            assert schema is not None, name
            assert schema.get("type") == "object" and schema.get("properties"), name
            assert schema.get("required"), name

    def test_wrapped_results_name_the_fields_of_their_items(self, bare: Server) -> None:
        """A list (or object-or-null) result's objects are described too, not ``list[dict]``."""
        for name in WRAPPED:
            result = bare.schemas[name]["properties"]["result"]
            assert result.get("items", {}).get("$ref") or any("$ref" in b for b in result.get("anyOf", [])), name
            for definition in bare.schemas[name]["$defs"].values():
                assert definition.get("properties"), (name, definition)

    def test_closed_vocabularies_are_enums_at_every_depth(self, bare: Server) -> None:
        """FastMCP's rebuild of a TypedDict drops ``Annotated``; the published schema keeps the enums."""
        goal = bare.schemas["create_goal"]["properties"]
        assert goal["priority"]["enum"] == ["active", "queued", "backburner"]
        assert goal["status"]["enum"] == ["open", "completed", "abandoned"]
        energy = bare.schemas["get_energy_status"]["properties"]
        assert "inquire_deep" in energy["affordable_actions"]["items"]["enum"]
        model = bare.schemas["create_mental_model"]["properties"]
        assert model["layer"]["enum"][0] == "sensorimotor" and model["status"]["enum"][0] == "draft"
        assert "saturated" in str(bare.schemas["get_active_basins"]["$defs"]["Basin"]["properties"]["state"])

    def test_a_schema_that_cannot_be_built_fails_the_build(self, bare: Server, monkeypatch: pytest.MonkeyPatch) -> None:
        """A result type pydantic cannot model is the server's bug: it does not start half-typed."""

        def broken(name: str, returns: Any) -> Any:
            raise TypeError(f"cannot type {name}")

        monkeypatch.setattr(_tools, "output_model", broken)
        with pytest.raises(TypeError, match="cannot type create_memory"):
            build_server(bare.services)

    def test_keys_of_some_branches_only_are_optional_not_nullable(self, bare: Server) -> None:
        schema = bare.schemas["sync_now"]
        assert schema["required"] == ["status", "pushed", "remaining"]
        assert schema["properties"]["batches"] == {"title": "Batches", "type": "integer"}


# ------------------------------------------------------------------------------ the shared cases


@pytest.mark.parametrize("name", list(VALID))
def test_valid_case_fits_its_schema(server: Server, name: str) -> None:
    """The stdio/HTTP scenario of each tool, run in process against the closed schemas."""
    VALID[name](server.as_tools())  # type: ignore[arg-type]
    assert name in server.called


# ------------------------------------------------------------------------------ branches


def test_memories_and_recall(server: Server) -> None:
    created = server.call("create_memory", content="Dippers walk under water", metadata={"project_id": "p"})
    assert created["embedded"] is False and created["embedding_model"] is None
    memory = server.call("get_memory", memory_id=created["memory_id"])
    assert memory["project_id"] == "p" and memory["session_id"] is None
    assert server.call("get_memory", memory_id="absent") is None
    assert server.call("search_memories", query="dippers", threshold=0.0)[0]["memory_id"] == created["memory_id"]
    assert server.call("search_memories", query="nothing-like-it") == []
    assert server.call("semantic_recall", query="nothing-like-it")["memories"] == []


def test_beliefs_coherence_and_state(server: Server) -> None:
    fresh = server.call("get_consciousness_state")
    assert fresh["dominant_thoughtseed"] is None and fresh["beliefs"] == {} and fresh["active_basins"] == []
    first = server.call("update_belief", domain="self", belief={"calm": True})
    assert first["stability"] is None and first["previous_confidence"] is None
    assert server.call("update_belief", domain="self", belief={"calm": False})["stability"] is not None
    server.call("activate_basin", basin_id="focus", strength=1.0)
    server.call("activate_basin", basin_id="rest", strength=0.6)
    server.call("create_thoughtseed", layer="abstract", neuronal_packet={"idea": 1})
    server.call("run_thoughtseed_competition", layer="abstract")
    state = server.call("get_consciousness_state")
    assert state["dominant_thoughtseed"]["status"] == "won" and state["beliefs"] == {"self": 0.5}
    assert server.call("assess_coherence")["evidence"]["belief_transitions"] == 1


def test_basins(server: Server) -> None:
    empty = server.call("query_basin_landscape")
    assert empty["basins"] == [] and empty["state_counts"] == {} and empty["mean_strength"] == 0.0
    first = server.call("activate_basin", basin_id="curiosity", strength=0.3)
    assert first["previous_state"] == "dormant" and first["last_activated"] is not None
    asyncio.run(server.services.basins.inhibit("curiosity"))
    held = server.call("activate_basin", basin_id="curiosity")
    assert held["activated"] is False and "previous_state" not in held and held["state"] == "inhibited"
    server.call("activate_basin", basin_id="wonder", strength=1.0)
    assert [b["basin_id"] for b in server.call("get_active_basins")] == ["wonder"]
    landscape = server.call("query_basin_landscape")
    assert landscape["state_counts"] == {"inhibited": 1, "saturated": 1}


def test_thoughtseeds(server: Server) -> None:
    empty = server.call("run_thoughtseed_competition", layer="conceptual")
    assert empty["winner"] is None and empty["participants"] == 0 and empty["message"]
    memory = server.call("create_memory", content="A seed of an idea")["memory_id"]
    seed = server.call("create_thoughtseed", layer="conceptual", neuronal_packet={}, memory_id=memory)
    assert seed["memory_id"] == memory and seed["kind"] == "general" and seed["competition_id"] is None
    one = server.call("run_thoughtseed_competition", layer="conceptual")
    assert one["winner"]["thoughtseed_id"] == seed["thoughtseed_id"] and one["message"] is None


def test_journeys(server: Server) -> None:
    journey = server.call("get_or_create_journey", device_id="desk")
    assert journey["last_session_at"] is None
    asyncio.run(server.services.journeys.add_session(journey["journey_id"], "planned the garden", ended_at=None))
    server.call("add_document_to_journey", journey_id=journey["journey_id"], document_type="note", metadata={"k": 1})
    again = server.call("get_or_create_journey", device_id="desk")
    assert again["created"] is False and again["session_count"] == 1 and again["last_session_at"]
    without = server.call("query_journey_history", journey_id=journey["journey_id"], query="garden")
    assert "documents" not in without and without["sessions"][0]["ended_at"] is None
    found = server.call(
        "query_journey_history",
        journey_id=journey["journey_id"],
        from_date="2000-01-01",
        to_date="2999-12-31",
        include_documents=True,
    )
    assert found["total_sessions_matched"] == 1 and found["documents"][0]["title"] is None


def test_sync_without_a_remote(bare: Server) -> None:
    bare.call("create_memory", content="Nothing to push it to")
    run = bare.call("sync_now")
    assert run["status"] == "no_remote" and run["remaining"] == 1 and "batches" not in run
    status = bare.call("get_sync_status")
    assert status["remote_configured"] is False and status["oldest_pending_at"] is not None
    assert bare.call("pause_sync")["reason"] == "paused by request"
    assert bare.call("resume_sync")["sync"]["status"] == "no_remote"
    assert "sync" not in bare.call("resume_sync", process_queue=False)
    with pytest.raises(ToolError, match="needs a remote store"):
        bare.call("bootstrap_recovery")


def test_sync_paused_forced_and_unreachable(tmp_path: Path) -> None:
    services = _open(tmp_path, remote=str(tmp_path / "gone" / "remote.db"))
    try:
        server = Server(services)
        server.call("create_memory", content="The share is not mounted")
        failed = server.call("sync_now", batch_size=5)
        assert failed["status"] == "remote_unreachable" and failed["error"] and failed["batch_size"] == 5
        status = server.call("get_sync_status")
        assert status["remote_reachable"] is False and status["last_error"] and status["last_sync_at"] is None
        server.call("pause_sync", reason="moving house")
        paused = server.call("sync_now")
        assert paused["status"] == "paused" and paused["reason"] == "moving house"
        assert server.call("sync_now", force=True)["forced"] is True
    finally:
        services.close()


def test_destruction_alert_and_recovery(tmp_path: Path) -> None:
    services = _open(tmp_path, remote=str(tmp_path / "remote.db"), threshold=1)
    try:
        server = Server(services)
        ids = [server.call("create_memory", content=f"Memory {n}")["memory_id"] for n in range(3)]
        assert server.call("sync_now")["pushed"] == 3
        assert server.call("check_destruction")["details"] is None
        for memory_id in ids[:2]:
            asyncio.run(services.memory.delete(memory_id))
        raised = server.call("check_destruction")
        assert raised["newly_raised"] is True and raised["sync_paused"] is True
        assert raised["details"]["sample_memory_ids"] == ids[1::-1]
        assert server.call("check_destruction")["newly_raised"] is False
        assert server.call("get_sync_status")["destruction_alert"]["deletions"] == 2
        assert server.call("sync_now")["status"] == "paused"
        dry = server.call("bootstrap_recovery", dry_run=True)
        assert dry["missing_locally"] == 2 and dry["restored"] == 0 and dry["since"] is None
        acknowledged = server.call("acknowledge_destruction_alert")
        assert acknowledged["acknowledged"] is True and acknowledged["sync_resumed"] is True
        assert acknowledged["alert"]["threshold"] == 1
        assert server.call("acknowledge_destruction_alert")["acknowledged"] is False
        restored = server.call("bootstrap_recovery", project_id=None, since="2000-01-01", dry_run=False)
        assert restored["restored"] == 2 and sorted(restored["memory_ids"]) == sorted(ids[:2])
    finally:
        services.close()


def test_heartbeat_without_and_with_a_runner(bare: Server) -> None:
    assert bare.call("trigger_heartbeat")["status"] == "not_available"
    status = bare.call("get_heartbeat_status")
    assert status["runner_attached"] is False and status["next_beat_at"] is None and status["last_actions"] == []
    paused = bare.call("pause_heartbeat", reason="night")
    assert paused["was_paused"] is False and bare.call("pause_heartbeat", reason="still")["was_paused"] is True
    assert bare.call("get_heartbeat_status")["paused_at"] is not None
    assert bare.call("resume_heartbeat")["paused_seconds"] >= 0.0
    assert bare.call("resume_heartbeat") == {"paused": False, "was_paused": False, "paused_seconds": 0.0}

    heartbeat = bare.services.heartbeat

    async def beat() -> dict[str, Any]:
        await heartbeat.record_beat(started_at=0.0, actions=[{"action": "rest"}], narrative="rested")
        return {"status": "completed", "actions": ["rest"]}

    bare.services.set_heartbeat_runner(beat)
    done = bare.call("trigger_heartbeat")
    assert done["status"] == "completed" and done["result"]["actions"] == ["rest"] and done["beat_count"] == 1
    status = bare.call("get_heartbeat_status")
    assert status["last_narrative"] == "rested" and status["last_actions"] == [{"action": "rest"}]
    assert status["next_beat_at"] is not None
    bare.services.set_heartbeat_runner(lambda: "a beat that reports in words")
    assert bare.call("trigger_heartbeat")["result"] == "a beat that reports in words"

    async def while_running() -> Any:
        async with heartbeat._running:
            return await bare.acall("trigger_heartbeat")

    assert asyncio.run(while_running())["status"] == "busy"


def test_energy(server: Server) -> None:
    fresh = server.call("get_energy_status")
    assert fresh["last_action"] is None and fresh["unaffordable_actions"] == []
    for action in ("inquire_deep", "reach_out_public", "reach_out_user"):
        asyncio.run(server.services.energy.spend(action))
    spent = server.call("get_energy_status")
    assert spent["last_action"]["action"] == "reach_out_user" and "inquire_deep" in spent["unaffordable_actions"]
    asyncio.run(server.services.energy.regenerate())
    assert server.call("get_energy_status")["last_regenerated_at"] is not None


def test_goals(server: Server) -> None:
    goal = server.call("create_goal", title="Map the pond", description="every reed")
    assert goal["progress"] == [] and goal["closed_at"] is None
    promoted = server.call("update_goal", goal_id=goal["goal_id"], action="promote")
    top = server.call("update_goal", goal_id=goal["goal_id"], action="promote")
    assert promoted["changed"] is True and top["changed"] is False and top["previous_priority"] == "active"
    noted = server.call("update_goal", goal_id=goal["goal_id"], action="demote", note="too soon")
    assert noted["progress"][0]["action"] == "demote"
    assert server.call("update_goal", goal_id=goal["goal_id"], action="complete")["status"] == "completed"
    other = server.call("create_goal", title="Count frogs", priority="backburner", source="curiosity")
    server.call("update_goal", goal_id=other["goal_id"], action="abandon")
    listed = server.call("list_goals", include_completed=True)
    assert listed["counts"]["completed"] == 1 and listed["counts"]["abandoned"] == 1
    assert {g["closed_at"] is not None for g in listed["goals"]} == {True}
    assert server.call("list_goals", priority="active")["goals"] == []


def test_mental_models(server: Server) -> None:
    bare_model = server.call("create_mental_model", name="plain", domain="task_specific", basin_ids=["a"])
    assert bare_model["accuracy"] is None and bare_model["prediction_templates"] == []
    default = server.call("generate_prediction", model_id=bare_model["model_id"], context={})
    assert default["prediction"]["template_index"] is None and default["inference_state_id"] is None
    model = server.call(
        "create_mental_model",
        name="weather",
        domain="world",
        basin_ids=["sky", "wind"],
        description="what the sky does",
        prediction_templates=["it stays {sky}", {"trigger": "storm clouds", "prediction": "rain soon"}],
    )
    assert model["prediction_templates"][1] == {"trigger": "storm clouds", "prediction": "rain soon"}
    predicted = server.call(
        "generate_prediction", model_id=model["model_id"], context={"sky": "storm clouds"}, inference_state_id="s1"
    )
    assert predicted["prediction"]["template_index"] == 1 and predicted["prediction"]["matched_terms"]
    asyncio.run(server.services.mental_models.resolve_prediction(predicted["prediction_id"], {"rain": True}, 0.9))
    server.call("generate_prediction", model_id=model["model_id"], context={"sky": "blue"})
    won = server.call("run_prediction_competition", layer="abstract")
    assert won["winning_model_name"] == "weather" and len(won["activated_basins"]) == 2
    assert won["participants"] == 2 and len(won["loser_ids"]) == 1
    assert server.call("run_prediction_competition", layer="abstract")["winner"] is None
    revised = server.call(
        "revise_mental_model",
        model_id=model["model_id"],
        trigger_description="wrong about rain",
        add_basins=["pressure"],
        remove_basins=["wind", "tide"],
    )
    assert revised["ignored_removals"] == ["tide"] and revised["accuracy_before"] == pytest.approx(0.1)
    detail = server.call("get_mental_model", model_id=model["model_id"], include_predictions=True, include_revisions=True)
    statuses = sorted(p["status"] for p in detail["predictions"])
    assert statuses == ["pending", "resolved"] and detail["revisions"][0]["accuracy_after"] is None
    resolved = next(p for p in detail["predictions"] if p["status"] == "resolved")
    assert resolved["error"] == 0.9 and resolved["observation"] == {"rain": True}
    plain = server.call("get_mental_model", model_id=model["model_id"])
    assert "predictions" not in plain and "revisions" not in plain and plain["lifetime_accuracy"] is not None
    gone = server.call(
        "revise_mental_model", model_id=bare_model["model_id"], trigger_description="empty", remove_basins=["a"]
    )
    assert gone["status"] == "deprecated" and gone["basin_ids"] == []
    page = server.call("list_mental_models", status="deprecated", limit=1, offset=0)
    assert page["total"] == 1 and page["models"][0]["model_id"] == bare_model["model_id"]
    assert server.call("get_models_by_winners")[0]["wins"] == 1
    assert server.call("get_models_by_winners", layer="perceptual") == []
    empty = server.call("run_prediction_competition", layer="sensorimotor")
    assert empty["winning_model_id"] is None and "winning_model_name" not in empty and empty["message"]

