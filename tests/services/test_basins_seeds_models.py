"""Basins, thoughtseed competitions and mental models."""

from __future__ import annotations

import pytest

from orchestra.errors import ServiceError
from orchestra.services import CognitiveServices
from orchestra.services.basins import basin_state

pytestmark = pytest.mark.anyio


class TestBasins:
    def test_states_from_thresholds(self) -> None:
        """dormant < 0.5 <= activating < 0.7 <= active < 0.95 <= saturated; decaying after a peak."""
        assert basin_state(0.49, 0.49, False) == "dormant"
        assert basin_state(0.5, 0.5, False) == "activating"
        assert basin_state(0.7, 0.7, False) == "active"
        assert basin_state(0.95, 0.95, False) == "saturated"
        assert basin_state(0.3, 0.8, False) == "decaying"
        assert basin_state(0.99, 0.99, True) == "inhibited"

    async def test_activation_strengthens_and_caps(self, services: CognitiveServices) -> None:
        """Each activation adds +0.2 strength (cap 2.0); activation adds up to 1.0."""
        first = await services.activate_basin("curiosity")
        assert first["state"] == "activating" and first["strength"] == pytest.approx(1.2)
        second = await services.activate_basin("curiosity", 0.3)
        assert second["state"] == "active" and second["activation"] == pytest.approx(0.8, abs=1e-3)
        assert second["strength"] == pytest.approx(1.4) and second["previous_state"] == "activating"
        for _ in range(6):
            last = await services.activate_basin("curiosity", 1.0)
        assert last["strength"] == 2.0 and last["activation"] <= 1.0 and last["activation_count"] == 8
        await services.activate_basin("focus", 0.2)
        active = await services.get_active_basins()
        assert [b["basin_id"] for b in active] == ["curiosity"]
        landscape = await services.query_basin_landscape()
        assert landscape["total"] == 2 and landscape["state_counts"] == {"saturated": 1, "dormant": 1}
        assert landscape["basins"][0]["basin_id"] == "curiosity"

    async def test_decay_and_inhibition(self, services: CognitiveServices) -> None:
        """Activation decays with the half-life; an inhibited basin ignores activation."""
        services.basins.half_life_s = 1e-3
        await services.activate_basin("fading", 0.9)
        services.basins.half_life_s = 3600.0
        services.store.execute(
            "UPDATE basins SET last_activated = last_activated - 3600 WHERE mind = :mind AND id = 'fading'"
        )
        view = (await services.query_basin_landscape())["basins"][0]
        assert view["activation"] == pytest.approx(0.45, abs=0.01) and view["state"] == "decaying"
        await services.basins.inhibit("fading")
        blocked = await services.activate_basin("fading", 1.0)
        assert blocked["activated"] is False and blocked["state"] == "inhibited"

    async def test_bad_arguments(self, services: CognitiveServices) -> None:
        """Strength outside (0, 1] and bad limits raise."""
        with pytest.raises(ServiceError, match=r"strength must be a number in \(0, 1\]"):
            await services.activate_basin("x", 1.5)
        with pytest.raises(ServiceError, match="basin_id"):
            await services.activate_basin("")
        with pytest.raises(ServiceError, match="limit"):
            await services.get_active_basins(0)


class TestThoughtseeds:
    async def test_competition(self, services: CognitiveServices) -> None:
        """Highest activation wins, ties to the oldest; energy is the sum of activations."""
        memory = await services.create_memory("seed ground")
        a = await services.create_thoughtseed("conceptual", {"idea": "a"}, memory["memory_id"])
        b = await services.create_thoughtseed("conceptual", {"idea": "b"})
        other = await services.create_thoughtseed("abstract", {"idea": "c"})
        assert a["activation"] == 0.5 and a["status"] == "pending" and a["memory_id"] == memory["memory_id"]
        services.store.execute(
            "UPDATE thoughtseeds SET activation = 0.9 WHERE mind = :mind AND id = ?", (b["thoughtseed_id"],)
        )
        result = await services.run_thoughtseed_competition("conceptual")
        assert result["winner"]["thoughtseed_id"] == b["thoughtseed_id"]
        assert result["loser_ids"] == [a["thoughtseed_id"]]
        assert result["competition_energy"] == pytest.approx(1.4) and result["participants"] == 2
        again = await services.run_thoughtseed_competition("conceptual")
        assert again["winner"] is None and again["participants"] == 0 and again["competition_energy"] == 0
        assert (await services.run_thoughtseed_competition("abstract"))["winner"]["thoughtseed_id"] == other[
            "thoughtseed_id"
        ]

    async def test_bad_arguments(self, services: CognitiveServices) -> None:
        """Unknown layers, non-object packets and unknown memories raise."""
        with pytest.raises(
            ServiceError, match="sensorimotor, perceptual, conceptual, abstract, metacognitive"
        ):
            await services.create_thoughtseed("limbic", {})
        with pytest.raises(ServiceError, match="JSON object"):
            await services.create_thoughtseed("abstract", "text")  # type: ignore[arg-type]
        with pytest.raises(ServiceError, match="no memory with id"):
            await services.create_thoughtseed("abstract", {}, "missing")
        with pytest.raises(ServiceError, match="valid values"):
            await services.run_thoughtseed_competition("limbic")


class TestMentalModels:
    async def test_lifecycle(self, services: CognitiveServices) -> None:
        """Create, predict, resolve, flag, revise, and compete; numbers follow the stored history."""
        model = await services.create_mental_model(
            "user mood",
            "user",
            ["calm", "stress"],
            "how the user feels",
            [
                {"trigger": "deadline late night", "prediction": "user is stressed about {task}"},
                "user is calm",
            ],
        )
        assert model["status"] == "draft" and model["layer"] == "conceptual" and model["accuracy"] is None
        assert (await services.query_basin_landscape())["total"] == 2
        p1 = await services.generate_prediction(
            model["model_id"], {"situation": "deadline tonight", "task": "report"}
        )
        assert p1["prediction"]["expected"] == "user is stressed about report"
        assert p1["confidence"] == 0.5 and p1["thoughtseed_activation"] == pytest.approx(0.6)
        assert p1["layer"] == "conceptual"
        resolved = await services.mental_models.resolve_prediction(
            p1["prediction_id"], {"mood": "stressed"}, 0.1
        )
        assert resolved["accuracy"] == pytest.approx(0.9) and resolved["status"] == "active"
        p2 = await services.generate_prediction(model["model_id"], {"note": "sunny"})
        assert p2["prediction"]["expected"] == "user is calm"
        assert p2["confidence"] == pytest.approx((0.9 + 1) / 3, abs=1e-4)
        assert p2["thoughtseed_activation"] == pytest.approx(min(1.0, p2["confidence"] * 1.2), abs=1e-4)
        flagged = await services.mental_models.resolve_prediction(p2["prediction_id"], "angry", 1.0)
        assert flagged["accuracy"] == pytest.approx(0.45) and flagged["revision_needed"] is True
        with pytest.raises(ServiceError, match="already resolved"):
            await services.mental_models.resolve_prediction(p2["prediction_id"], "x", 0.0)
        revised = await services.revise_mental_model(
            model["model_id"], "missed anger", ["anger"], ["calm", "nope"]
        )
        assert revised["basin_ids"] == ["stress", "anger"] and revised["accuracy_before"] == pytest.approx(
            0.45
        )
        assert revised["revision_needed"] is False and revised["ignored_removals"] == ["nope"]
        p3 = await services.generate_prediction(model["model_id"], {"x": 1})
        assert p3["confidence"] == 0.5  # a revised structure starts a new record
        await services.mental_models.resolve_prediction(p3["prediction_id"], "ok", 0.2)
        full = await services.get_mental_model(
            model["model_id"], include_predictions=True, include_revisions=True
        )
        assert full["revisions"][0]["accuracy_after"] == pytest.approx(0.8)
        assert full["lifetime_accuracy"] == pytest.approx((0.9 + 0.0 + 0.8) / 3, abs=1e-4)
        assert [p["status"] for p in full["predictions"]] == ["resolved"] * 3

    async def test_prediction_competition_and_winners(self, services: CognitiveServices) -> None:
        """The most confident model wins its layer, its basins activate, and it leads the winners list."""
        good = await services.create_mental_model("good", "world", ["order"])
        weak = await services.create_mental_model("weak", "world", ["chaos"])
        for error in (0.0, 0.0):
            p = await services.generate_prediction(good["model_id"], {"k": "v"})
            await services.mental_models.resolve_prediction(p["prediction_id"], "seen", error)
        await services.run_prediction_competition("abstract")  # clears the resolved ones' seeds
        await services.generate_prediction(weak["model_id"], {"k": "v"})
        strong = await services.generate_prediction(good["model_id"], {"k": "v"})
        result = await services.run_prediction_competition("abstract")
        assert result["winning_model_id"] == good["model_id"]
        assert result["winner"]["thoughtseed_id"] == strong["thoughtseed_id"]
        assert result["winner"]["competition_id"] == result["competition_id"] is not None
        assert result["activated_basins"][0]["basin_id"] == "order"
        assert result["activated_basins"][0]["state"] == "saturated"
        winners = await services.get_models_by_winners()
        assert winners[0]["model_id"] == good["model_id"] and winners[0]["wins"] == 2
        assert await services.get_models_by_winners(layer="perceptual") == []
        empty = await services.run_prediction_competition("abstract")
        assert empty["winner"] is None and "no pending prediction" in empty["message"]

    async def test_expired_predictions(self, services: CognitiveServices) -> None:
        """After 24 h a prediction can no longer be resolved and its seed does not compete."""
        model = await services.create_mental_model("m", "self", ["b"])
        p = await services.generate_prediction(model["model_id"], {})
        services.store.execute("UPDATE predictions SET expires_at = expires_at - 86401 WHERE mind = :mind")
        with pytest.raises(ServiceError, match="expired"):
            await services.mental_models.resolve_prediction(p["prediction_id"], "late", 0.0)
        result = await services.run_prediction_competition("metacognitive")
        assert result["winner"] is None
        assert await services.mental_models.pending_predictions() == []

    async def test_listing_and_bad_arguments(self, services: CognitiveServices) -> None:
        """Paging, filters and every invalid argument."""
        for i in range(3):
            await services.create_mental_model(f"m{i}", "task_specific" if i else "self", ["b"])
        page = await services.list_mental_models(limit=2, offset=1)
        assert page["total"] == 3 and [m["name"] for m in page["models"]] == ["m1", "m0"]
        assert (await services.list_mental_models(domain="self"))["total"] == 1
        assert (await services.list_mental_models(status="active"))["total"] == 0
        with pytest.raises(ServiceError, match="user, self, world, task_specific"):
            await services.create_mental_model("x", "cosmos", ["b"])
        with pytest.raises(ServiceError, match="at least one basin"):
            await services.create_mental_model("x", "user", [])
        with pytest.raises(ServiceError, match="draft, active, deprecated"):
            await services.list_mental_models(status="retired")
        with pytest.raises(ServiceError, match="no mental model"):
            await services.get_mental_model("missing")
        with pytest.raises(ServiceError, match="no mental model"):
            await services.generate_prediction("missing", {})
        with pytest.raises(ServiceError, match="no mental model"):
            await services.revise_mental_model("missing", "why")
        with pytest.raises(ServiceError, match="valid values"):
            await services.run_prediction_competition("limbic")
        with pytest.raises(ServiceError, match="valid values"):
            await services.get_models_by_winners(layer="limbic")
        model = (await services.list_mental_models(domain="self"))["models"][0]
        deprecated = await services.revise_mental_model(model["model_id"], "drop all", remove_basins=["b"])
        assert deprecated["status"] == "deprecated"
        with pytest.raises(ServiceError, match="deprecated"):
            await services.generate_prediction(model["model_id"], {})
        with pytest.raises(ServiceError, match="error must be a number between 0 and 1"):
            await services.mental_models.resolve_prediction("x", "y", 2.0)
