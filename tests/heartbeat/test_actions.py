"""ACT: the energy rules, and each action's handler doing real work through the services."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from orchestra.errors import ServiceError
from orchestra.heartbeat.actions import HANDLERS, ActReport, act, run_action
from orchestra.heartbeat.decision import Decision, GoalChange, PlannedAction
from orchestra.services import CognitiveServices
from orchestra.services.energy import ACTION_COSTS

pytestmark = pytest.mark.anyio


def plan(*actions: tuple[str, dict[str, Any]], changes: list[GoalChange] | None = None) -> Decision:
    """A decision running ``actions`` in order."""
    return Decision(
        reasoning="test plan",
        emotional_state=0.0,
        confidence=0.5,
        actions=[PlannedAction(action=a, params=p, reason=f"test {a}") for a, p in actions],
        goal_changes=changes or [],
    )


async def run_one(services: CognitiveServices, action: str, params: dict[str, Any]) -> Any:
    """Run one action through ACT at full energy; return its result (fail the test if it failed)."""
    await services.energy.set_level(20)
    report = await act(services, plan((action, params)), beat=7)
    assert not report.failed, report.failed[0].error
    assert [o.action for o in report.executed] == [action]
    assert report.energy_after == 20 - ACTION_COSTS[action]
    return report.executed[0].result


async def fail_one(services: CognitiveServices, action: str, params: dict[str, Any]) -> str:
    """Run one action expected to fail; return its error."""
    await services.energy.set_level(20)
    report = await act(services, plan((action, params)), beat=7)
    assert [o.action for o in report.failed] == [action] and not report.executed
    assert report.energy_after == 20
    error = report.failed[0].error
    assert error is not None
    return error


def count(services: CognitiveServices, sql: str, *params: Any) -> int:
    """One integer from the store."""
    row = services.store.query_one(sql, params)
    assert row is not None
    return int(row[0])


class TestEnergyRules:
    """The §2 rules: order, stop at the first unaffordable, pay on completion, rest below 2."""

    def test_one_handler_per_action_in_the_table(self) -> None:
        """Every action of the energy table has a handler, and nothing else does."""
        assert set(HANDLERS) == set(ACTION_COSTS)

    async def test_stops_at_first_unaffordable_even_if_later_ones_are_cheaper(
        self, services: CognitiveServices
    ) -> None:
        """recall runs; inquire_deep (6 > 4 left) and the free remember after it are skipped."""
        await services.energy.set_level(5)
        report = await act(
            services,
            plan(
                ("recall", {"query": "anything"}),
                ("inquire_deep", {"question": "why"}),
                ("remember", {"content": "never stored"}),
                ("connect", {"basin_id": "b"}),
            ),
            beat=1,
        )
        assert [o.action for o in report.executed] == ["recall"]
        assert [o.action for o in report.skipped] == ["inquire_deep", "remember", "connect"]
        assert {o.reason for o in report.skipped} == {"unaffordable: costs 6, 4 left"}
        assert all(o.status == "skipped" and o.cost == 0 for o in report.skipped)
        assert (report.energy_before, report.energy_after) == (5, 4)
        assert await services.memory.count() == 0 and not report.rested

    async def test_failing_action_spends_nothing_and_the_walk_goes_on(
        self, services: CognitiveServices
    ) -> None:
        """A failed synthesize (nothing to combine) and a bad remember cost 0; connect still runs."""
        await services.energy.set_level(10)
        report = await act(
            services,
            plan(
                ("synthesize", {"topic": "nothing stored"}), ("remember", {}), ("connect", {"basin_id": "b"})
            ),
            beat=1,
        )
        assert [o.action for o in report.failed] == ["synthesize", "remember"]
        assert all(o.status == "failed" and o.cost == 0 for o in report.failed)
        assert "synthesize found no memories" in (report.failed[0].error or "")
        assert [o.action for o in report.executed] == ["connect"]
        assert report.energy_after == 9 == await services.energy.current()

    async def test_energy_never_goes_below_zero(self, services: CognitiveServices) -> None:
        """Spending down to exactly 0 is allowed; free actions still run, paid ones are skipped."""
        await services.energy.set_level(2)
        report = await act(
            services, plan(("maintain", {}), ("rest", {}), ("recall", {"query": "x"}), ("rest", {})), beat=1
        )
        assert [o.action for o in report.executed] == ["maintain", "rest"]
        assert [o.reason for o in report.skipped] == ["unaffordable: costs 1, 0 left"] * 2
        assert report.energy_after == 0 == await services.energy.current()

    async def test_rests_below_two(self, services: CognitiveServices) -> None:
        """With energy 1 only a rest runs; every planned action is skipped as resting."""
        await services.energy.set_level(1)
        report = await act(services, plan(("remember", {"content": "x"}), ("recall", {"query": "x"})), beat=1)
        assert report.rested
        assert [(o.action, o.status, o.cost) for o in report.executed] == [("rest", "done", 0)]
        assert [o.reason for o in report.skipped] == ["resting: energy below 2"] * 2
        assert await services.memory.count() == 0
        assert report.energy_after == 1

    async def test_costs_come_from_the_table(self, services: CognitiveServices) -> None:
        """Each completed action records its table cost, and the costs add up to the energy spent."""
        await services.create_memory("cats purr when content", "semantic")
        report = await act(
            services,
            plan(
                ("observe", {}),
                ("archive_semantic", {"content": "dogs bark"}),
                (
                    "reflect",
                    {"goal_id": (await services.create_goal("pet care", priority="active"))["goal_id"]},
                ),
                ("inquire_shallow", {"question": "cats"}),
                ("synthesize", {"topic": "cats"}),
            ),
            beat=1,
        )
        assert [(o.action, o.cost) for o in report.executed] == [
            ("observe", 0),
            ("archive_semantic", 1),
            ("reflect", 2),
            ("inquire_shallow", 3),
            ("synthesize", 4),
        ]
        assert report.energy_before - report.energy_after == 10

    async def test_goal_changes_applied_free_with_errors_recorded(self, services: CognitiveServices) -> None:
        """Goal changes cost nothing; a bad goal id is recorded as failed; touched goals are listed."""
        goal = await services.create_goal("learn rust")
        report = await act(
            services,
            plan(
                ("brainstorm_goals", {"goals": ["write a parser"]}),
                changes=[
                    GoalChange(goal_id=goal["goal_id"], action="promote", note="now"),
                    GoalChange(goal_id="missing", action="complete"),
                ],
            ),
            beat=3,
        )
        assert [c["status"] for c in report.goal_changes] == ["done", "failed"]
        assert "no goal with id 'missing'" in report.goal_changes[1]["error"]
        assert report.goal_changes[0]["result"]["priority"] == "active"
        created = report.executed[0].result["created"][0]["goal_id"]
        assert report.touched_goal_ids == [created, goal["goal_id"]]
        assert report.energy_after == 17

    async def test_goal_changes_apply_while_resting(self, services: CognitiveServices) -> None:
        """Resting skips actions, not the free goal changes."""
        goal = await services.create_goal("g")
        await services.energy.set_level(0)
        report = await act(
            services, plan(changes=[GoalChange(goal_id=goal["goal_id"], action="abandon")]), beat=1
        )
        assert report.rested and report.goal_changes[0]["status"] == "done"
        assert (await services.list_goals(include_completed=True))["goals"][0]["status"] == "abandoned"

    async def test_report_is_json(self, services: CognitiveServices) -> None:
        """to_dict() of the report and its outcomes round-trips through JSON."""
        report = await act(services, plan(("observe", {}), ("remember", {})), beat=1)
        assert isinstance(report, ActReport)
        data = json.loads(json.dumps(report.to_dict()))
        assert data["executed"][0]["status"] == "done" and data["failed"][0]["action"] == "remember"
        assert data["executed"][0]["seconds"] >= 0


class TestHandlers:
    """Each handler, once with valid params, changes (or reads) the store as documented."""

    async def test_observe(self, services: CognitiveServices) -> None:
        """A snapshot computed from the store."""
        await services.create_goal("g", priority="active")
        await services.create_memory("m", "episodic")
        result = await run_one(services, "observe", {})
        assert result["energy"] == 20 and result["goal_counts"]["active"] == 1
        assert result["memory_count"] == 1 and result["memories_last_24h"] == 1
        assert result["sync_queue_length"] == 1 and result["pending_predictions"] == 0

    async def test_review_goals(self, services: CognitiveServices) -> None:
        """Lists goals with counts."""
        await services.create_goal("a", priority="backburner")
        await services.create_goal("b", priority="active")
        result = await run_one(services, "review_goals", {"priority": "active"})
        assert [g["title"] for g in result["goals"]] == ["b"]
        assert result["counts"]["backburner"] == 1

    async def test_remember(self, services: CognitiveServices) -> None:
        """Stores an episodic memory stamped with the beat."""
        result = await run_one(services, "remember", {"content": "the sky was red", "importance": 0.9})
        memory = await services.get_memory(result["memory_id"])
        assert memory is not None and memory["memory_type"] == "episodic" and memory["importance"] == 0.9
        assert memory["metadata"] == {"source": "heartbeat", "beat": 7, "action": "remember"}

    async def test_rest(self, services: CognitiveServices) -> None:
        """Does nothing but report the energy."""
        assert await run_one(services, "rest", {}) == {"rested": True, "energy": 20}
        assert await services.memory.count() == 0

    async def test_recall(self, services: CognitiveServices) -> None:
        """Recall text holds the matching memory."""
        await services.create_memory("The user enjoys hiking in the Alps", "episodic")
        result = await run_one(services, "recall", {"query": "hiking alps"})
        assert "hiking in the Alps" in result["recall"] and "results=1" in result["recall"]

    async def test_connect(self, services: CognitiveServices) -> None:
        """Activates (creating) the basin."""
        await run_one(services, "connect", {"basin_id": "curiosity", "strength": 0.8})
        landscape = await services.query_basin_landscape()
        assert [b["basin_id"] for b in landscape["basins"]] == ["curiosity"]
        assert landscape["basins"][0]["state"] == "active"

    async def test_reprioritize(self, services: CognitiveServices) -> None:
        """Promotes a queued goal to active."""
        goal = await services.create_goal("g")
        await run_one(services, "reprioritize", {"goal_id": goal["goal_id"], "direction": "promote"})
        assert (await services.list_goals())["goals"][0]["priority"] == "active"

    async def test_archive_semantic(self, services: CognitiveServices) -> None:
        """Writes a semantic memory from content, or from an existing memory's content."""
        first = await run_one(services, "archive_semantic", {"content": "water boils at 100 C"})
        episode = await services.create_memory("met Ana at the station", "episodic")
        second = await run_one(services, "archive_semantic", {"memory_id": episode["memory_id"]})
        assert second["archived_from"] == episode["memory_id"]
        copy = await services.get_memory(second["memory_id"])
        assert copy is not None and copy["content"] == "met Ana at the station"
        assert count(services, "SELECT count(*) FROM memories WHERE mind = :mind AND memory_type = 'semantic'") == 2
        assert first["memory_type"] == "semantic"

    async def test_maintain(self, services: CognitiveServices) -> None:
        """Checks for destruction and pushes the sync queue to the remote."""
        await services.create_memory("one")
        await services.create_memory("two")
        assert (await services.get_sync_status())["queue_length"] == 2
        result = await run_one(services, "maintain", {})
        assert result["destruction"]["alert"] is False and result["sync"]["pushed"] == 2
        assert result["sync_status"]["queue_length"] == 0

    async def test_reflect(self, services: CognitiveServices) -> None:
        """Without goal_id: reflects on the first active goal, writes a strategic memory, notes progress."""
        await services.create_goal("queued one")
        goal = await services.create_goal("learn the cello", priority="active")
        await services.create_memory("practised the cello scales today", "episodic")
        result = await run_one(services, "reflect", {"note": "slow but steady"})
        assert result["goal_id"] == goal["goal_id"] and result["related_memories"] == 1
        memory = await services.get_memory(result["memory_id"])
        assert memory is not None and memory["memory_type"] == "strategic"
        assert "learn the cello" in memory["content"] and "practised the cello" in memory["content"]
        stored = (await services.list_goals(priority="active"))["goals"][0]
        assert [p["note"] for p in stored["progress"]] == ["slow but steady"]

    async def test_prune_episodic(self, services: CognitiveServices) -> None:
        """Deletes old episodic memories beyond the newest `keep`, leaving other types alone."""
        ids = [(await services.create_memory(f"episode {i}", "episodic"))["memory_id"] for i in range(5)]
        old_fact = (await services.create_memory("old fact", "semantic"))["memory_id"]
        old = time.time() - 40 * 86400
        for i, memory_id in enumerate([*ids[:4], old_fact]):
            services.store.execute("UPDATE memories SET created_at = ? WHERE mind = :mind AND id = ?", (old + i, memory_id))
        result = await run_one(services, "prune_episodic", {"keep": 2})
        # Newest two episodic: ids[4] (recent) and ids[3] (newest old one); the rest are pruned.
        assert result["deleted"] == 3 and set(result["deleted_ids"]) == set(ids[:3])
        assert await services.memory.count() == 3
        assert await services.get_memory(old_fact) is not None

    async def test_brainstorm_goals_from_params(self, services: CognitiveServices) -> None:
        """Creates one curiosity goal, queued, per title."""
        result = await run_one(
            services,
            "brainstorm_goals",
            {"goals": ["learn go", {"title": "read SICP", "description": "ch 1"}]},
        )
        assert [g["title"] for g in result["created"]] == ["learn go", "read SICP"]
        goals = (await services.list_goals())["goals"]
        assert {(g["source"], g["priority"]) for g in goals} == {("curiosity", "queued")}

    async def test_brainstorm_goals_derived_from_memories(self, services: CognitiveServices) -> None:
        """With no titles, goals come from the most important recent memories' own text."""
        await services.create_memory("Minor note about lunch.", "episodic", importance=0.1)
        await services.create_memory(
            "The user wants a garden planner. It should track seeds.", importance=0.9
        )
        result = await run_one(services, "brainstorm_goals", {})
        titles = [g["title"] for g in result["created"]]
        assert result["derived_from"] == "recent_memories"
        assert titles == ["Follow up: The user wants a garden planner.", "Follow up: Minor note about lunch."]
        assert (await services.goals.counts())["queued"] == 2

    async def test_brainstorm_goals_ignores_heartbeat_records(self, services: CognitiveServices) -> None:
        """Beat narratives and action-written memories are not goal material; basins are the fallback."""
        await services.create_memory("Beat 3 rested.", "episodic", metadata={"kind": "heartbeat", "beat": 3})
        await run_one(services, "remember", {"content": "I remembered something."})
        await services.activate_basin("astronomy", 0.9)
        result = await run_one(services, "brainstorm_goals", {})
        assert result["derived_from"] == "active_basins"
        assert [g["title"] for g in result["created"]] == ["Explore what drives the 'astronomy' basin"]

    async def test_inquire_shallow(self, services: CognitiveServices) -> None:
        """Recall text and scored memories for the question."""
        await services.create_memory("Tea is brewed best at 80 degrees")
        result = await run_one(services, "inquire_shallow", {"question": "how to brew tea"})
        assert "80 degrees" in result["recall"]
        assert [m["content"] for m in result["memories"]] == ["Tea is brewed best at 80 degrees"]

    async def test_revise_model(self, services: CognitiveServices) -> None:
        """Records a revision and changes the model's basins."""
        model = await services.create_mental_model("mood", "user", ["calm"])
        await run_one(
            services,
            "revise_model",
            {"model_id": model["model_id"], "trigger_description": "missed anger", "add_basins": ["anger"]},
        )
        stored = await services.get_mental_model(model["model_id"])
        assert stored["revision_count"] == 1 and stored["basin_ids"] == ["calm", "anger"]

    async def test_revise_belief(self, services: CognitiveServices) -> None:
        """Stores a belief; plain text becomes a statement."""
        result = await run_one(
            services, "revise_belief", {"domain": "self", "belief": "I learn fast", "confidence": 0.7}
        )
        assert result["belief"] == {"statement": "I learn fast"}
        assert count(services, "SELECT count(*) FROM beliefs WHERE mind = :mind AND domain = 'self'") == 1

    async def test_synthesize(self, services: CognitiveServices) -> None:
        """Combines the memories found on the topic into a new semantic memory."""
        await services.create_memory("Bees pollinate almond trees", "episodic")
        await services.create_memory("Bees communicate by dancing", "semantic")
        await services.create_memory("Rust has no garbage collector", "semantic")
        result = await run_one(services, "synthesize", {"topic": "bees"})
        assert result["combined"] == 2
        memory = await services.get_memory(result["memory_id"])
        assert memory is not None and memory["memory_type"] == "semantic"
        assert "almond trees" in memory["content"] and "dancing" in memory["content"]
        assert "garbage" not in memory["content"]
        assert sorted(memory["metadata"]["source_memory_ids"]) == sorted(result["sources"])

    @pytest.mark.parametrize("action, audience", [("reach_out_user", "user"), ("reach_out_public", "public")])
    async def test_reach_out(self, services: CognitiveServices, action: str, audience: str) -> None:
        """No channel: the message is kept as an undelivered outbox memory, and the result says so."""
        result = await run_one(services, action, {"message": "Hello there"})
        assert result["delivered"] is False and "no outbound channel" in result["note"]
        memory = await services.get_memory(result["memory_id"])
        assert memory is not None and memory["memory_type"] == "episodic"
        assert memory["metadata"]["outbox"] == audience and memory["metadata"]["delivered"] is False

    async def test_inquire_deep(self, services: CognitiveServices) -> None:
        """Recall plus mental models, kept as a strategic memory of the findings."""
        await services.create_memory("The user sleeps badly before deadlines", "episodic")
        await services.create_mental_model("user sleep", "user", ["rest"], description="sleep patterns")
        result = await run_one(services, "inquire_deep", {"question": "why does the user sleep badly"})
        assert result["recalled"] == 1 and len(result["relevant_models"]) == 1
        memory = await services.get_memory(result["memory_id"])
        assert memory is not None and memory["memory_type"] == "strategic"
        assert "before deadlines" in memory["content"] and "user sleep" in memory["content"]


class TestInvalidParams:
    """Model-written params are checked; failures name the param."""

    @pytest.mark.parametrize(
        "action, params, message",
        [
            ("remember", {}, "remember needs params.content (a non-empty string)"),
            ("remember", {"content": "x", "memory_type": "dream"}, "params.memory_type must be one of"),
            ("connect", {"basin_id": "b", "strength": 5}, "params.strength must be a number from 0.01 to 1"),
            ("reprioritize", {"goal_id": "g", "direction": "sideways"}, "params.direction must be one of"),
            ("recall", {"text": "x"}, "recall does not accept params text; accepted: query"),
            ("revise_belief", {"domain": "self"}, "revise_belief needs params.belief"),
            ("revise_model", {"model_id": "nope", "trigger_description": "t"}, "no mental model"),
            ("brainstorm_goals", {"goals": "learn"}, "params.goals must be a list"),
            ("brainstorm_goals", {}, "pass params.goals"),
            ("reflect", {}, "there is no active goal"),
            ("archive_semantic", {}, "exactly one of params.content or params.memory_id"),
            ("prune_episodic", {"keep": -1}, "params.keep must be an integer"),
            ("rest", {"why": "tired"}, "rest does not accept params why; accepted: none"),
        ],
    )
    async def test_fails_clearly(
        self, services: CognitiveServices, action: str, params: dict[str, Any], message: str
    ) -> None:
        """The action fails, spends nothing, and the error names the problem."""
        assert message in await fail_one(services, action, params)

    async def test_run_action_raises(self, services: CognitiveServices) -> None:
        """Outside ACT, a bad call raises ServiceError."""
        with pytest.raises(ServiceError, match="unknown action 'fly'"):
            await run_action(services, "fly", {})
        with pytest.raises(ServiceError, match="synthesize needs params.topic"):
            await run_action(services, "synthesize", {})
