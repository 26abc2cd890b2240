"""Energy rules, heartbeat control and goals."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from orchestra.errors import ServiceError
from orchestra.services import CognitiveServices
from orchestra.services.energy import ACTION_COSTS

pytestmark = pytest.mark.anyio


class TestEnergy:
    def test_costs_table_is_the_reference(self) -> None:
        """Every action costs exactly what §2 says."""
        expected = {
            0: {"observe", "review_goals", "remember", "rest"},
            1: {"recall", "connect", "reprioritize", "archive_semantic"},
            2: {"maintain", "reflect", "prune_episodic"},
            3: {"brainstorm_goals", "inquire_shallow", "revise_model", "revise_belief"},
            4: {"synthesize"},
            5: {"reach_out_user"},
            6: {"inquire_deep"},
            7: {"reach_out_public"},
        }
        assert {a: c for c, actions in expected.items() for a in actions} == ACTION_COSTS

    async def test_spend_regenerate_cap_and_no_debt(self, services: CognitiveServices) -> None:
        """Starts full at 20; spending lowers it; +10 per beat capped at 20; never below 0."""
        energy = services.energy
        assert await energy.current() == 20
        assert await energy.spend("reach_out_public") == 13
        assert await energy.spend("inquire_deep") == 7
        assert await energy.spend("reach_out_public") == 0
        assert await energy.can_afford("rest") is True
        assert await energy.can_afford("recall") is False
        with pytest.raises(ServiceError, match="cannot afford 'recall': costs 1, energy is 0"):
            await energy.spend("recall")
        assert await energy.current() == 0
        assert await energy.regenerate() == 10
        assert await energy.regenerate() == 20
        assert await energy.regenerate() == 20

    async def test_unknown_action_is_refused(self, services: CognitiveServices) -> None:
        """Unknown actions raise and list the valid ones."""
        with pytest.raises(ServiceError, match="valid actions: observe"):
            await services.energy.spend("fly")
        with pytest.raises(ServiceError, match="unknown action"):
            await services.energy.can_afford("fly")

    async def test_status_lists_affordable_actions_from_current_energy(
        self, services: CognitiveServices
    ) -> None:
        """Affordable actions follow the stored level."""
        await services.energy.set_level(4)
        status = await services.get_energy_status()
        assert status["current_energy"] == 4 and status["max_energy"] == 20
        assert status["regeneration_per_heartbeat"] == 10
        assert (
            "synthesize" in status["affordable_actions"]
            and "reach_out_user" not in status["affordable_actions"]
        )
        assert set(status["unaffordable_actions"]) == {"reach_out_user", "inquire_deep", "reach_out_public"}
        await services.energy.spend("synthesize")
        status = await services.get_energy_status()
        assert status["affordable_actions"] == ["observe", "review_goals", "remember", "rest"]
        assert status["spent_total"] == 4 and status["last_action"]["action"] == "synthesize"

    async def test_concurrent_spending_never_overdraws(self, services: CognitiveServices) -> None:
        """Twenty concurrent 'reach_out_user' spends from 20 energy: exactly four succeed."""
        results = await asyncio.gather(
            *(services.energy.spend("reach_out_user") for _ in range(20)), return_exceptions=True
        )
        assert sum(1 for r in results if not isinstance(r, Exception)) == 4
        assert await services.energy.current() == 0


class TestHeartbeatControl:
    async def test_trigger_without_runtime(self, services: CognitiveServices) -> None:
        """No runner attached: not_available with an explanation."""
        result = await services.trigger_heartbeat()
        assert result["status"] == "not_available"
        assert "no heartbeat runtime is attached" in result["message"]

    async def test_trigger_runs_sync_and_async_runners(self, services: CognitiveServices) -> None:
        """The registered runner runs and its result comes back; beats it records are counted."""
        calls: list[str] = []

        async def runner() -> dict[str, Any]:
            calls.append("async")
            count = await services.heartbeat.record_beat(
                started_at=1.0, narrative="rested", actions=[{"action": "rest"}]
            )
            return {"beat": count}

        services.set_heartbeat_runner(runner)
        result = await services.trigger_heartbeat()
        assert result == {"status": "completed", "result": {"beat": 1}, "beat_count": 1}
        services.set_heartbeat_runner(lambda: calls.append("sync") or {"ok": True})
        assert (await services.trigger_heartbeat())["result"] == {"ok": True}
        assert calls == ["async", "sync"]

        def broken() -> None:
            raise RuntimeError("model unreachable")

        services.set_heartbeat_runner(broken)
        with pytest.raises(ServiceError, match="heartbeat failed: model unreachable"):
            await services.trigger_heartbeat()

    async def test_status_pause_resume(self, services: CognitiveServices) -> None:
        """Count, last and next beat come from the log; pausing clears the next beat."""
        status = await services.get_heartbeat_status()
        assert status["beat_count"] == 0 and status["last_beat_at"] is None and status["next_beat_at"] is None
        await services.heartbeat.record_beat(started_at=1000.0, finished_at=1010.0, narrative="one")
        await services.heartbeat.record_beat(started_at=4600.0, finished_at=4610.0, narrative="two")
        status = await services.get_heartbeat_status()
        assert status["beat_count"] == 2 and status["last_narrative"] == "two"
        assert status["last_beat_at"] == "1970-01-01T01:16:50+00:00"
        assert status["next_beat_at"] == "1970-01-01T02:16:50+00:00"  # last + 3600 s
        paused = await services.pause_heartbeat("maintenance")
        assert paused["paused"] is True and paused["was_paused"] is False
        status = await services.get_heartbeat_status()
        assert (
            status["paused"] is True
            and status["pause_reason"] == "maintenance"
            and status["next_beat_at"] is None
        )
        resumed = await services.resume_heartbeat()
        assert resumed["was_paused"] is True and resumed["paused_seconds"] >= 0
        assert (await services.get_heartbeat_status())["paused"] is False
        with pytest.raises(ServiceError, match="reason"):
            await services.pause_heartbeat("")


class TestGoals:
    async def test_create_list_and_update(self, services: CognitiveServices) -> None:
        """Goals are listed by priority band; actions move them and keep notes."""
        g1 = await services.create_goal("Learn Rust", priority="backburner", source="curiosity")
        g2 = await services.create_goal("Answer the user", "reply today", priority="active")
        g3 = await services.create_goal("Tidy notes")
        assert g3["priority"] == "queued" and g3["source"] == "user_request" and g3["status"] == "open"
        listed = await services.list_goals()
        assert [g["goal_id"] for g in listed["goals"]] == [g2["goal_id"], g3["goal_id"], g1["goal_id"]]
        assert listed["counts"] == {"active": 1, "queued": 1, "backburner": 1, "completed": 0, "abandoned": 0}
        promoted = await services.update_goal(g1["goal_id"], "promote")
        assert promoted["priority"] == "queued" and promoted["previous_priority"] == "backburner"
        top = await services.update_goal(g2["goal_id"], "promote")
        assert top["priority"] == "active" and top["changed"] is False
        noted = await services.update_goal(g3["goal_id"], "add_progress", "sorted half")
        assert noted["progress"][0]["note"] == "sorted half"
        assert (await services.update_goal(g3["goal_id"], "demote"))["priority"] == "backburner"
        done = await services.update_goal(g2["goal_id"], "complete", "replied")
        assert done["status"] == "completed" and done["closed_at"] is not None
        assert len((await services.list_goals())["goals"]) == 2
        everything = await services.list_goals(include_completed=True)
        assert len(everything["goals"]) == 3 and everything["counts"]["completed"] == 1
        assert [g["title"] for g in (await services.list_goals(priority="queued"))["goals"]] == ["Learn Rust"]
        await services.update_goal(g1["goal_id"], "abandon")
        assert (await services.list_goals())["counts"]["abandoned"] == 1

    async def test_bad_arguments(self, services: CognitiveServices) -> None:
        """Unknown priorities, sources, actions and ids raise with the valid choices."""
        with pytest.raises(ServiceError, match="active, queued, backburner"):
            await services.create_goal("x", priority="urgent")
        with pytest.raises(ServiceError, match="curiosity, user_request"):
            await services.create_goal("x", source="boss")
        goal = await services.create_goal("x")
        with pytest.raises(ServiceError, match="promote, demote, complete, abandon, add_progress"):
            await services.update_goal(goal["goal_id"], "explode")
        with pytest.raises(ServiceError, match="needs a non-empty note"):
            await services.update_goal(goal["goal_id"], "add_progress")
        with pytest.raises(ServiceError, match="no goal with id"):
            await services.update_goal("missing", "promote")
        with pytest.raises(ServiceError, match="valid values"):
            await services.list_goals(priority="urgent")
        await services.update_goal(goal["goal_id"], "complete")
        with pytest.raises(ServiceError, match="only open goals"):
            await services.update_goal(goal["goal_id"], "promote")
