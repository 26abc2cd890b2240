"""Issue 14: minds share a database, not rows. Through every one of the 37 tools, one mind can
neither read nor change another's rows - on SQLite and on PostgreSQL, and with a shared remote."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from orchestra.services import CognitiveServices, ServicesSettings, SyncSettings
from orchestra.services.surface import TOOL_NAMES
from orchestra.store import Store
from orchestra.store.transfer import TABLES, columns_of

SECRET = "ALICE-SECRET"
"""Every piece of text alice writes carries it, so any leak into bob's answers shows."""


def _settings(store_url: str, remote: Path, mind: str) -> ServicesSettings:
    return ServicesSettings(
        store=store_url,
        mind=mind,
        sync=SyncSettings(remote_path=str(remote), batch_size=50, destruction_threshold=50),
    )


def _rows(store_url: str, mind: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of one mind, every column but the mind (a byte-exact picture to compare)."""
    with Store(store_url, mind=mind) as store:
        columns = columns_of(store)
        extra = {"memories": ["seq"], "heartbeats": ["seq"], "beat_journal": ["beat"], "sync_outbox": ["seq"]}
        return {
            table: [
                tuple(row)
                for row in store.query(
                    f"SELECT {', '.join(columns[table] + extra.get(table, []))} FROM {table} "
                    f"WHERE mind = :mind ORDER BY {order}"
                )
            ]
            for table, order in TABLES
        }


async def _fill_alice(alice: CognitiveServices) -> dict[str, str]:
    """Alice uses every kind of row, each carrying the secret."""
    memory = await alice.create_memory(f"{SECRET} the heron waits at the estuary", importance=0.9)
    goal = await alice.create_goal(f"{SECRET} watch the estuary", description=SECRET)
    await alice.update_goal(goal["goal_id"], "add_progress", note=SECRET)
    await alice.update_belief("world", {"secret": SECRET}, confidence=0.8)
    await alice.activate_basin("estuary", 0.9)
    seed = await alice.create_thoughtseed("perceptual", {"seen": SECRET}, memory_id=memory["memory_id"])
    model = await alice.create_mental_model(
        f"{SECRET} habits", "world", ["estuary"], prediction_templates=[f"{SECRET} returns at {{time}}"]
    )
    prediction = await alice.generate_prediction(model["model_id"], {"time": "dawn"})
    journey = await alice.get_or_create_journey("device-1")
    await alice.add_document_to_journey(journey["journey_id"], "note", title=SECRET, content=SECRET)
    await alice.sync_now(force=True)  # alice's memories reach the shared remote
    await alice.pause_heartbeat(f"{SECRET} resting")
    await alice.energy.spend("recall")
    return {
        "memory_id": memory["memory_id"],
        "goal_id": goal["goal_id"],
        "seed_id": seed.get("thoughtseed_id", ""),
        "model_id": model["model_id"],
        "prediction_id": prediction.get("prediction_id", ""),
        "journey_id": journey["journey_id"],
    }


def _bob_calls(ids: dict[str, str]) -> dict[str, Callable[[CognitiveServices], Awaitable[Any]]]:
    """Each of the 37 tools, called by bob with alice's ids and words where it takes any."""
    return {
        "create_memory": lambda s: s.create_memory("bob's own note"),
        "search_memories": lambda s: s.search_memories("heron estuary", threshold=0.0),
        "get_memory": lambda s: s.get_memory(ids["memory_id"]),
        "get_consciousness_state": lambda s: s.get_consciousness_state(),
        "update_belief": lambda s: s.update_belief("world", {"bob": "mine"}, confidence=0.2),
        "assess_coherence": lambda s: s.assess_coherence(),
        "activate_basin": lambda s: s.activate_basin("estuary", 0.1),
        "get_active_basins": lambda s: s.get_active_basins(),
        "query_basin_landscape": lambda s: s.query_basin_landscape(),
        "create_thoughtseed": lambda s: s.create_thoughtseed(
            "perceptual", {"x": 1}, memory_id=ids["memory_id"]
        ),
        "run_thoughtseed_competition": lambda s: s.run_thoughtseed_competition("perceptual"),
        "get_or_create_journey": lambda s: s.get_or_create_journey("device-1"),
        "query_journey_history": lambda s: s.query_journey_history(ids["journey_id"], include_documents=True),
        "add_document_to_journey": lambda s: s.add_document_to_journey(
            ids["journey_id"], "note", title="bob"
        ),
        "sync_now": lambda s: s.sync_now(force=True),
        "get_sync_status": lambda s: s.get_sync_status(),
        "pause_sync": lambda s: s.pause_sync("bob pauses his own sync"),
        "resume_sync": lambda s: s.resume_sync(),
        "check_destruction": lambda s: s.check_destruction(),
        "acknowledge_destruction_alert": lambda s: s.acknowledge_destruction_alert(),
        "bootstrap_recovery": lambda s: s.bootstrap_recovery(dry_run=False),
        "semantic_recall": lambda s: s.semantic_recall("heron estuary", threshold=0.0),
        "trigger_heartbeat": lambda s: s.trigger_heartbeat(),
        "get_heartbeat_status": lambda s: s.get_heartbeat_status(),
        "get_energy_status": lambda s: s.get_energy_status(),
        "create_goal": lambda s: s.create_goal("bob's goal"),
        "list_goals": lambda s: s.list_goals(limit=100),
        "update_goal": lambda s: s.update_goal(ids["goal_id"], "complete", note="bob"),
        "pause_heartbeat": lambda s: s.pause_heartbeat("bob rests"),
        "resume_heartbeat": lambda s: s.resume_heartbeat(),
        "create_mental_model": lambda s: s.create_mental_model("bob model", "world", ["estuary"]),
        "list_mental_models": lambda s: s.list_mental_models(limit=100),
        "get_mental_model": lambda s: s.get_mental_model(ids["model_id"], True, True),
        "revise_mental_model": lambda s: s.revise_mental_model(ids["model_id"], "bob", add_basins=["x"]),
        "generate_prediction": lambda s: s.generate_prediction(ids["model_id"], {"time": "noon"}),
        "run_prediction_competition": lambda s: s.run_prediction_competition("conceptual"),
        "get_models_by_winners": lambda s: s.get_models_by_winners(),
    }


@pytest.mark.anyio
async def test_no_tool_lets_one_mind_read_or_change_another(store_url: str, tmp_path: Path) -> None:
    remote = tmp_path / "remote.db"
    alice = CognitiveServices.open(_settings(store_url, remote, "alice"))
    bob = CognitiveServices.open(_settings(store_url, remote, "bob"))
    try:
        ids = await _fill_alice(alice)
        before = _rows(store_url, "alice")
        assert all(before[table] for table in ("memories", "goals", "beliefs", "basins", "predictions"))
        calls = _bob_calls(ids)
        assert set(calls) == set(TOOL_NAMES), "every tool is tried"
        answers: dict[str, str] = {}
        for name, call in calls.items():
            try:
                answers[name] = json.dumps(await call(bob), default=str)
            except Exception as refused:  # an unknown id is refused: alice's rows are not bob's
                answers[name] = f"refused: {refused}"
        leaked = {name: answer for name, answer in answers.items() if SECRET in answer}
        assert not leaked, f"alice's rows reached bob through {sorted(leaked)}"
        for name in ("get_memory",):
            assert answers[name] == "null"
        for name in ("update_goal", "get_mental_model", "revise_mental_model", "generate_prediction"):
            assert answers[name].startswith("refused:") and "no " in answers[name], (name, answers[name])
        assert _rows(store_url, "alice") == before, "bob changed alice's rows"
        assert (await alice.get_heartbeat_status())["paused"] is True  # bob's resume was his own
        assert (await alice.get_memory(ids["memory_id"])) is not None
        mine = await bob.list_goals(limit=100)
        assert [goal["title"] for goal in mine["goals"]] == ["bob's goal"]
    finally:
        alice.close()
        bob.close()


@pytest.mark.parametrize(
    "statement", ["SELECT * FROM goals", "DELETE FROM memories WHERE id = ?", "UPDATE kv SET value = '1'"]
)
def test_an_unscoped_statement_never_runs(tmp_path: Path, statement: str) -> None:
    """The guard refuses a query on a mind's table that does not name the mind, before it runs."""
    from orchestra.errors import StoreError

    with Store(tmp_path / "s.db") as store, pytest.raises(StoreError, match="unscoped statement"):
        store.query(statement, ("x",) if "?" in statement else ())
