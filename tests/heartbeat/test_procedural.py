"""The legacy procedural decision: each rule of reference §3, and the plan running through ACT."""

from __future__ import annotations

import time

import pytest

from orchestra.heartbeat.actions import act
from orchestra.heartbeat.procedural import procedural_decision
from orchestra.services import CognitiveServices

pytestmark = pytest.mark.anyio


def age(services: CognitiveServices, goal_id: str, days: float) -> None:
    """Make a goal look untouched for ``days``."""
    services.store.execute(
        "UPDATE goals SET updated_at = ? WHERE mind = :mind AND id = ?", (time.time() - days * 86400, goal_id)
    )


async def flagged_model(services: CognitiveServices, name: str, error: float) -> str:
    """A model whose one resolved prediction had ``error``, so accuracy is 1 - error."""
    model = await services.create_mental_model(name, "world", [f"{name}-basin"])
    prediction = await services.generate_prediction(model["model_id"], {"k": "v"})
    await services.mental_models.resolve_prediction(prediction["prediction_id"], "surprise", error)
    return str(model["model_id"])


class TestRules:
    """One test per rule."""

    async def test_no_goals_brainstorms(self, services: CognitiveServices) -> None:
        """An empty goal list plans brainstorm_goals; the reason is quoted in the reasoning."""
        decision = await procedural_decision(services, reason="model timed out")
        assert [a.action for a in decision.actions] == ["brainstorm_goals"]
        assert "model timed out" in decision.reasoning and "no open goals" in decision.reasoning
        assert decision.emotional_state == 0 and decision.confidence == 0.5
        assert decision.focus_goal_id is None and decision.goal_changes == []

    async def test_stale_goals_go_to_the_backburner(self, services: CognitiveServices) -> None:
        """Active goal untouched 8 days: two demotes; queued: one; backburner or fresh: none."""
        active = await services.create_goal("old active", priority="active")
        queued = await services.create_goal("old queued")
        parked = await services.create_goal("old parked", priority="backburner")
        await services.create_goal("fresh")
        for goal in (active, queued, parked):
            age(services, goal["goal_id"], 8)
        decision = await procedural_decision(services, reason="no model")
        assert [(c.goal_id, c.action) for c in decision.goal_changes] == [
            (active["goal_id"], "demote"),
            (active["goal_id"], "demote"),
            (queued["goal_id"], "demote"),
        ]
        assert "'old active' untouched for 8 days" in decision.reasoning
        # A stale active goal is not the one to reflect on.
        assert decision.focus_goal_id is None and [a.action for a in decision.actions] == []
        await act(services, decision, beat=1)
        goals = {g["title"]: g["priority"] for g in (await services.list_goals())["goals"]}
        assert goals == {
            "old active": "backburner",
            "old queued": "backburner",
            "old parked": "backburner",
            "fresh": "queued",
        }

    async def test_goal_six_days_old_is_not_stale(self, services: CognitiveServices) -> None:
        """Only 7+ days counts as untouched."""
        goal = await services.create_goal("recent")
        age(services, goal["goal_id"], 6)
        decision = await procedural_decision(services, reason="no model")
        assert decision.goal_changes == [] and [a.action for a in decision.actions] == ["rest"]

    async def test_reflects_on_first_active_goal(self, services: CognitiveServices) -> None:
        """The first active goal (most recently touched) is reflected on and becomes the focus."""
        await services.create_goal("queued goal")
        older = await services.create_goal("older active", priority="active")
        newer = await services.create_goal("newer active", priority="active")
        age(services, older["goal_id"], 1)
        decision = await procedural_decision(services, reason="no model")
        assert [(a.action, a.params) for a in decision.actions] == [
            ("reflect", {"goal_id": newer["goal_id"]})
        ]
        assert decision.focus_goal_id == newer["goal_id"]
        assert "reflect on the first active goal 'newer active'" in decision.reasoning

    async def test_revises_at_most_two_low_accuracy_models(self, services: CognitiveServices) -> None:
        """Models below 0.5 accuracy are revised, least accurate first, two at most."""
        worst = await flagged_model(services, "worst", 0.95)
        bad = await flagged_model(services, "bad", 0.8)
        await flagged_model(services, "poor", 0.6)
        await flagged_model(services, "fine", 0.1)
        goal = await services.create_goal("g", priority="active")
        decision = await procedural_decision(services, reason="no model")
        assert [a.action for a in decision.actions] == ["reflect", "revise_model", "revise_model"]
        assert [a.params["model_id"] for a in decision.actions[1:]] == [worst, bad]
        report = await act(services, decision, beat=1)
        assert [o.action for o in report.executed] == ["reflect", "revise_model", "revise_model"]
        assert report.touched_goal_ids == [goal["goal_id"]]
        remaining = await services.mental_models.needing_revision(limit=10)
        assert [m["name"] for m in remaining] == ["poor"]

    async def test_nothing_to_do_rests(self, services: CognitiveServices) -> None:
        """A fresh queued goal and no flagged models: rest."""
        await services.create_goal("someday")
        await flagged_model(services, "fine", 0.1)
        decision = await procedural_decision(services, reason="no model")
        assert [a.action for a in decision.actions] == ["rest"]
        assert "nothing needs doing" in decision.reasoning
        report = await act(services, decision, beat=1)
        assert [o.action for o in report.executed] == ["rest"] and report.energy_after == 20


class TestThroughAct:
    """The fallback's plan is a valid decision that ACT can run."""

    async def test_brainstorm_from_memories_then_reflect_next_beat(self, services: CognitiveServices) -> None:
        """Beat 1 brainstorms goals from memory; once one is active, beat 2 reflects on it."""
        await services.create_memory("The user is writing a novel about lighthouses.", "episodic")
        report = await act(services, await procedural_decision(services, reason="offline"), beat=1)
        created = report.executed[0].result["created"]
        assert [g["title"] for g in created] == ["Follow up: The user is writing a novel about lighthouses."]
        await services.update_goal(created[0]["goal_id"], "promote")
        decision = await procedural_decision(services, reason="offline")
        assert decision.focus_goal_id == created[0]["goal_id"]
        report = await act(services, decision, beat=2)
        assert [o.action for o in report.executed] == ["reflect"]
        assert (await services.list_goals())["goals"][0]["progress"]
