"""Consciousness metrics computed from state, and journeys."""

from __future__ import annotations

import math

import pytest

from orchestra.errors import ServiceError
from orchestra.services import CognitiveServices

pytestmark = pytest.mark.anyio


async def _resolved(services: CognitiveServices, errors: list[float]) -> None:
    model = await services.create_mental_model("m", "world", ["b"])
    for error in errors:
        p = await services.generate_prediction(model["model_id"], {})
        await services.mental_models.resolve_prediction(p["prediction_id"], "obs", error)


class TestConsciousness:
    async def test_prior_state_with_no_evidence(self, services: CognitiveServices) -> None:
        """Empty store: metrics equal their documented priors."""
        state = await services.get_consciousness_state()
        assert state["prediction_error"] == 0.5 and state["surprise"] == pytest.approx(math.log(2), abs=1e-4)
        assert state["precision"] == pytest.approx(1 - 4 / 12, abs=1e-4)
        assert state["free_energy"] == pytest.approx(2 * math.log(2), abs=1e-4)
        assert state["active_basins"] == [] and state["dominant_thoughtseed"] is None

    async def test_metrics_follow_predictions_beliefs_and_basins(self, services: CognitiveServices) -> None:
        """Accurate predictions lower error and surprise; confident beliefs lower free energy."""
        await _resolved(services, [0.0, 0.0, 0.0])
        state = await services.get_consciousness_state()
        assert state["prediction_error"] == pytest.approx(0.5 / 4, abs=1e-4)
        assert state["surprise"] == pytest.approx(math.log(2) / 4, abs=1e-4)
        assert state["precision"] == pytest.approx(1 - 4 * (1 / 12) / 4, abs=1e-4)
        before = state["free_energy"]
        await services.update_belief("self", {"curious": True}, 0.95)
        after = await services.get_consciousness_state()
        assert after["free_energy"] < before and after["beliefs"] == {"self": 0.95}
        await services.activate_basin("focus", 1.0)
        seed = await services.create_thoughtseed("abstract", {"idea": "x"})
        await services.run_thoughtseed_competition("abstract")
        after = await services.get_consciousness_state()
        assert [b["basin_id"] for b in after["active_basins"]] == ["focus"]
        assert after["dominant_thoughtseed"]["thoughtseed_id"] == seed["thoughtseed_id"]

    async def test_coherence(self, services: CognitiveServices) -> None:
        """Focused basins, stable beliefs and good predictions raise coherence."""
        empty = await services.assess_coherence()
        assert empty["spatial_coherence"] == 0.0 and empty["temporal_coherence"] == 0.5
        assert empty["causal_coherence"] == 0.5 and empty["consciousness_label"] == "low"
        await services.activate_basin("one", 1.0)
        await services.update_belief("world", {"sky": "blue"}, 0.8)
        stable = await services.update_belief("world", {"sky": "blue"}, 0.8)
        assert stable["stability"] == 1.0 and stable["previous_confidence"] == 0.8
        await _resolved(services, [0.1, 0.2])
        high = await services.assess_coherence()
        assert high["spatial_coherence"] == 1.0
        assert high["temporal_coherence"] == pytest.approx(1.5 / 2)
        assert high["causal_coherence"] == pytest.approx(2.5 / 3, abs=1e-4)
        assert high["consciousness_level"] > empty["consciousness_level"]
        await services.activate_basin("two", 1.0)
        split = await services.assess_coherence()
        assert split["spatial_coherence"] < 0.05  # two equal basins: no focus

    async def test_bad_beliefs(self, services: CognitiveServices) -> None:
        """Bad domains, empty beliefs and bad confidence raise."""
        with pytest.raises(ServiceError, match="lower-case identifier"):
            await services.update_belief("Not A Domain", {"a": 1})
        with pytest.raises(ServiceError, match="non-empty JSON object"):
            await services.update_belief("self", {})
        with pytest.raises(ServiceError, match="confidence"):
            await services.update_belief("self", {"a": 1}, 1.5)


class TestJourneys:
    async def test_journey_sessions_and_documents(self, services: CognitiveServices) -> None:
        """One journey per device; history filters by keyword and time; documents link."""
        journey = await services.get_or_create_journey("laptop")
        assert journey["created"] is True and journey["session_count"] == 0
        again = await services.get_or_create_journey("laptop")
        assert again["journey_id"] == journey["journey_id"] and again["created"] is False
        jid = journey["journey_id"]
        await services.journeys.add_session(jid, "planned the garden", started_at=1_700_000_000)  # 2023-11-14
        await services.journeys.add_session(
            jid, "debugged the sync bug", started_at=1_710_000_000
        )  # 2024-03-09
        doc = await services.add_document_to_journey(
            jid, "note", "Garden plan", "tomatoes and beans", {"v": 1}
        )
        assert doc["document_count"] == 1
        history = await services.query_journey_history(jid)
        assert [s["summary"] for s in history["sessions"]] == ["debugged the sync bug", "planned the garden"]
        garden = await services.query_journey_history(jid, query="GARDEN", include_documents=True)
        assert [s["summary"] for s in garden["sessions"]] == ["planned the garden"]
        assert [d["title"] for d in garden["documents"]] == ["Garden plan"]
        ranged = await services.query_journey_history(jid, from_date="2024-01-01", to_date="2024-03-09")
        assert [s["summary"] for s in ranged["sessions"]] == ["debugged the sync bug"]
        assert len((await services.query_journey_history(jid, limit=1))["sessions"]) == 1
        assert (await services.get_or_create_journey("laptop"))["session_count"] == 2

    async def test_bad_arguments(self, services: CognitiveServices) -> None:
        """Unknown journeys, bad dates and empty ids raise."""
        with pytest.raises(ServiceError, match="device_id"):
            await services.get_or_create_journey("")
        with pytest.raises(ServiceError, match="no journey with id"):
            await services.query_journey_history("missing")
        with pytest.raises(ServiceError, match="no journey with id"):
            await services.add_document_to_journey("missing", "note")
        jid = (await services.get_or_create_journey("phone"))["journey_id"]
        with pytest.raises(ServiceError, match="ISO 8601"):
            await services.query_journey_history(jid, from_date="yesterday")
        with pytest.raises(ServiceError, match="after to_date"):
            await services.query_journey_history(jid, from_date="2024-02-01", to_date="2024-01-01")
        with pytest.raises(ServiceError, match="document_type"):
            await services.add_document_to_journey(jid, "")
