"""The cognitive surface: the 37 tools of reference §1 as one async facade.

Method names, parameter names and defaults match the reference exactly; the docstrings
become MCP and smolagents tool descriptions, so each first line says what to do with
the tool and ``Args`` gives allowed values and units. Every method returns JSON-ready
data; bad arguments raise ``ServiceError`` naming the valid choices.
"""

from __future__ import annotations

from typing import Any

import structlog

from orchestra.services.basins import BasinService
from orchestra.services.consciousness import ConsciousnessService
from orchestra.services.embeddings import EmbeddingProvider, LiteLLMEmbeddingProvider
from orchestra.services.energy import EnergyService
from orchestra.services.goals import GoalService
from orchestra.services.heartbeat_control import HeartbeatControl, HeartbeatRunner
from orchestra.services.journeys import JourneyService
from orchestra.services.memory import MemoryService
from orchestra.services.mental_models import MentalModelService
from orchestra.services.recall import RecallEngine
from orchestra.services.remote import RemoteStore, SqliteRemoteStore
from orchestra.services.settings import ServicesSettings
from orchestra.services.sync import SyncService
from orchestra.services.thoughtseeds import ThoughtseedService
from orchestra.store import Store

log = structlog.get_logger(__name__)

TOOL_NAMES: tuple[str, ...] = (
    "create_memory",
    "search_memories",
    "get_memory",
    "get_consciousness_state",
    "update_belief",
    "assess_coherence",
    "activate_basin",
    "get_active_basins",
    "query_basin_landscape",
    "create_thoughtseed",
    "run_thoughtseed_competition",
    "get_or_create_journey",
    "query_journey_history",
    "add_document_to_journey",
    "sync_now",
    "get_sync_status",
    "pause_sync",
    "resume_sync",
    "check_destruction",
    "acknowledge_destruction_alert",
    "bootstrap_recovery",
    "semantic_recall",
    "trigger_heartbeat",
    "get_heartbeat_status",
    "get_energy_status",
    "create_goal",
    "list_goals",
    "update_goal",
    "pause_heartbeat",
    "resume_heartbeat",
    "create_mental_model",
    "list_mental_models",
    "get_mental_model",
    "revise_mental_model",
    "generate_prediction",
    "run_prediction_competition",
    "get_models_by_winners",
)
"""The 37 tool names, in the reference's order."""


class CognitiveServices:
    """All cognitive services over one store, exposed as the 37 tools.

    The sub-services (``memory``, ``recall``, ``energy``, ``heartbeat``, ``goals``,
    ``basins``, ``thoughtseeds``, ``journeys``, ``consciousness``, ``mental_models``,
    ``sync``) hold the non-tool methods the heartbeat uses (``energy.spend``,
    ``heartbeat.record_beat``, ``mental_models.resolve_prediction`` ...).

    Args:
        store: an open store.
        settings: services settings.
        provider: embeddings provider (``None``: offline recall only).
        remote: remote store for sync (``None``: no pushing).
    """

    def __init__(
        self,
        store: Store,
        settings: ServicesSettings | None = None,
        *,
        provider: EmbeddingProvider | None = None,
        remote: RemoteStore | None = None,
    ) -> None:
        self.settings = settings or ServicesSettings()
        self.store = store
        wanted_index = self.settings.embeddings.vector_index if self.settings.embeddings else "auto"
        self.recall = RecallEngine(store, provider, wanted_index)
        self.memory = MemoryService(store, self.recall)
        self.basins = BasinService(store, self.settings.basin_half_life_s)
        self.thoughtseeds = ThoughtseedService(store)
        self.consciousness = ConsciousnessService(store, self.basins)
        self.journeys = JourneyService(store)
        self.goals = GoalService(store)
        self.energy = EnergyService(store)
        self.heartbeat = HeartbeatControl(store, self.settings.heartbeat_interval_s)
        self.mental_models = MentalModelService(store, self.basins, self.thoughtseeds)
        self.sync = SyncService(store, self.memory, remote, self.settings.sync)

    @classmethod
    def open(cls, settings: ServicesSettings | None = None) -> CognitiveServices:
        """Open the store named by ``settings`` (migrating it) and build every service.

        Args:
            settings: where the store is, the embeddings provider and sync settings.

        Returns:
            Ready services; call ``close()`` when done.

        Raises:
            StoreError: the store cannot be opened or is newer than this code.
        """
        settings = settings or ServicesSettings()
        store = Store(settings.named_store, mind=settings.mind)
        provider = LiteLLMEmbeddingProvider(settings.embeddings) if settings.embeddings else None
        remote = (
            SqliteRemoteStore(settings.sync.remote_path, settings.mind) if settings.sync.remote_path else None
        )
        log.debug(
            "services.open",
            store=store.location.shown,
            mind=store.mind,
            embeddings=bool(provider),
            remote=bool(remote),
        )
        return cls(store, settings, provider=provider, remote=remote)

    def close(self) -> None:
        """Close the store's connections."""
        self.store.close()

    async def __aenter__(self) -> CognitiveServices:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    def set_heartbeat_runner(self, runner: HeartbeatRunner | None) -> None:
        """Attach the callable (sync or async) that ``trigger_heartbeat`` runs; ``None`` detaches."""
        self.heartbeat.set_runner(runner)

    # -- memory -------------------------------------------------------------------------

    async def create_memory(
        self,
        content: str,
        memory_type: str = "semantic",
        importance: float = 0.5,
        metadata: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Store a memory so it can be recalled later; returns its memory_id.

        Args:
            content: the text to remember (non-empty).
            memory_type: one of "episodic", "semantic", "procedural", "strategic".
            importance: 0.0 (trivial) to 1.0 (vital); weights recall ranking.
            metadata: optional JSON object; "project_id" and "session_id" keys scope recall.
        """
        return await self.memory.create(content, memory_type, importance, metadata)

    async def search_memories(
        self, query: str, limit: int = 10, threshold: float = 0.5, memory_type: str | None = None
    ) -> list[dict[str, Any]]:
        """Find memories similar in meaning to a query; list best first with score and method.

        Args:
            query: what to look for, in plain words.
            limit: maximum results, 1 to 1000.
            threshold: minimum similarity score, 0.0 to 1.0.
            memory_type: restrict to "episodic", "semantic", "procedural" or "strategic"; null for all.
        """
        return await self.memory.search(query, limit, threshold, memory_type)

    async def get_memory(self, memory_id: str) -> dict[str, Any] | None:
        """Fetch one memory by id; returns null when it does not exist.

        Args:
            memory_id: the id returned by create_memory or a search.
        """
        return await self.memory.get(memory_id)

    # -- consciousness ------------------------------------------------------------------

    async def get_consciousness_state(self) -> dict[str, Any]:
        """Read prediction error, free energy, surprise, precision, coherence and active basins.

        Returns metrics computed from resolved predictions, current beliefs and basins.
        """
        return await self.consciousness.state()

    async def update_belief(
        self, domain: str, belief: dict[str, Any], confidence: float = 0.5
    ) -> dict[str, Any]:
        """Record a belief in a domain; returns its stability against the previous belief there.

        Args:
            domain: lower-case identifier, e.g. "self", "world", "other", "user".
            belief: non-empty JSON object stating the belief.
            confidence: 0.0 (no confidence) to 1.0 (certain).
        """
        return await self.consciousness.update_belief(domain, belief, confidence)

    async def assess_coherence(self) -> dict[str, Any]:
        """Assess spatial, temporal and causal coherence and the resulting consciousness level (0..1)."""
        return await self.consciousness.assess_coherence()

    # -- basins -------------------------------------------------------------------------

    async def activate_basin(self, basin_id: str, strength: float = 0.5) -> dict[str, Any]:
        """Activate an attractor basin (created if new); each activation adds +0.2 strength, max 2.0.

        Args:
            basin_id: name of the basin, e.g. "curiosity".
            strength: activation to add, greater than 0 and at most 1.0 (activation caps at 1.0).
        """
        return await self.basins.activate(basin_id, strength)

    async def get_active_basins(self, limit: int = 10) -> list[dict[str, Any]]:
        """List basins that are activating, active or saturated, strongest activation first.

        Args:
            limit: maximum basins, 1 to 1000.
        """
        return await self.basins.active(limit)

    async def query_basin_landscape(self) -> dict[str, Any]:
        """List every basin with its activation, strength and state, plus counts per state."""
        return await self.basins.landscape()

    # -- thoughtseeds -------------------------------------------------------------------

    async def create_thoughtseed(
        self, layer: str, neuronal_packet: dict[str, Any], memory_id: str | None = None
    ) -> dict[str, Any]:
        """Create a pending thoughtseed (activation 0.5) that competes at a layer.

        Args:
            layer: one of "sensorimotor", "perceptual", "conceptual", "abstract", "metacognitive".
            neuronal_packet: JSON object carrying the seed's content.
            memory_id: optional id of an existing memory the seed is grounded in.
        """
        return await self.thoughtseeds.create(layer, neuronal_packet, memory_id)

    async def run_thoughtseed_competition(self, layer: str) -> dict[str, Any]:
        """Run the competition at a layer: highest activation wins, others lose; returns the winner.

        Args:
            layer: one of "sensorimotor", "perceptual", "conceptual", "abstract", "metacognitive".
        """
        return await self.thoughtseeds.compete(layer)

    # -- journeys -----------------------------------------------------------------------

    async def get_or_create_journey(self, device_id: str) -> dict[str, Any]:
        """Get the session-continuity journey for a device, creating it on first use.

        Args:
            device_id: stable identifier of the device or client.
        """
        return await self.journeys.get_or_create(device_id)

    async def query_journey_history(
        self,
        journey_id: str,
        query: str | None = None,
        from_date: str | None = None,
        to_date: str | None = None,
        limit: int = 10,
        include_documents: bool = False,
    ) -> dict[str, Any]:
        """Search a journey's sessions by keyword and time range, newest first.

        Args:
            journey_id: id from get_or_create_journey.
            query: keyword matched case-insensitively in session summaries; null for all.
            from_date: ISO 8601 date or datetime lower bound (UTC if no zone); null for none.
            to_date: ISO 8601 upper bound; a bare date includes that whole day; null for none.
            limit: maximum sessions (and documents), 1 to 1000.
            include_documents: also return the journey's matching documents.
        """
        return await self.journeys.history(journey_id, query, from_date, to_date, limit, include_documents)

    async def add_document_to_journey(
        self,
        journey_id: str,
        document_type: str,
        title: str | None = None,
        content: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Link a document to a journey.

        Args:
            journey_id: id from get_or_create_journey.
            document_type: free-form kind, e.g. "note", "transcript", "file".
            title: optional title.
            content: optional text of the document.
            metadata: optional JSON object.
        """
        return await self.journeys.add_document(journey_id, document_type, title, content, metadata)

    # -- sync ---------------------------------------------------------------------------

    async def sync_now(self, force: bool = False, batch_size: int | None = None) -> dict[str, Any]:
        """Push queued memory changes to the remote store now; returns pushed and remaining counts.

        Args:
            force: push even while sync is paused.
            batch_size: entries per push, 1 to 10000; null uses the configured size.
        """
        return await self.sync.sync_now(force, batch_size)

    async def get_sync_status(self) -> dict[str, Any]:
        """Report sync queue length, last sync time, paused flag and whether the remote is reachable."""
        return await self.sync.status()

    async def pause_sync(self, reason: str | None = None) -> dict[str, Any]:
        """Pause pushing to the remote; memory writes keep queueing locally.

        Args:
            reason: optional note on why sync is paused.
        """
        return await self.sync.pause(reason)

    async def resume_sync(self, process_queue: bool = True) -> dict[str, Any]:
        """Resume pushing to the remote.

        Args:
            process_queue: drain the queued changes immediately.
        """
        return await self.sync.resume(process_queue)

    async def check_destruction(self) -> dict[str, Any]:
        """Check for a burst of memory deletions; above the threshold raise an alert and pause sync."""
        return await self.sync.check_destruction()

    async def acknowledge_destruction_alert(self) -> dict[str, Any]:
        """Clear the destruction alert and resume sync if the alert had paused it."""
        return await self.sync.acknowledge_destruction_alert()

    async def bootstrap_recovery(
        self, project_id: str | None = None, since: str | None = None, dry_run: bool = True
    ) -> dict[str, Any]:
        """Restore memories from the remote store that are missing locally.

        Args:
            project_id: only memories of this project; null for all.
            since: ISO 8601 date or datetime; only memories updated since then; null for all.
            dry_run: true only reports what would be restored; false restores.
        """
        return await self.sync.bootstrap_recovery(project_id, since, dry_run)

    # -- recall -------------------------------------------------------------------------

    async def semantic_recall(
        self,
        query: str,
        top_k: int = 5,
        threshold: float = 0.7,
        project_id: str | None = None,
        session_id: str | None = None,
        memory_types: list[str] | None = None,
        weight_by_importance: bool = True,
    ) -> str:
        """Recall memories relevant to a query as text for the prompt; the header names the method.

        Args:
            query: what to recall, in plain words.
            top_k: maximum memories, 1 to 100.
            threshold: minimum similarity, 0.0 to 1.0, applied before importance weighting.
            project_id: only memories whose metadata.project_id matches; null for all.
            session_id: only memories whose metadata.session_id matches; null for all.
            memory_types: subset of "episodic", "semantic", "procedural", "strategic"; null for all.
            weight_by_importance: rank by similarity x (0.5 + 0.5 x importance).
        """
        recalled = await self.recall.recall(
            query, top_k, threshold, project_id, session_id, memory_types, weight_by_importance
        )
        return recalled.text()

    # -- heartbeat ----------------------------------------------------------------------

    async def trigger_heartbeat(self) -> dict[str, Any]:
        """Run one heartbeat cycle now; status "not_available" when no heartbeat runtime is attached."""
        return await self.heartbeat.trigger()

    async def get_heartbeat_status(self) -> dict[str, Any]:
        """Report whether the heartbeat is paused, the beat count, and the last and next beat times."""
        return await self.heartbeat.status()

    async def get_energy_status(self) -> dict[str, Any]:
        """Report current and max energy, regeneration per beat, action costs and affordable actions."""
        return await self.energy.status()

    async def create_goal(
        self,
        title: str,
        description: str | None = None,
        priority: str = "queued",
        source: str = "user_request",
    ) -> dict[str, Any]:
        """Create a goal to pursue.

        Args:
            title: short statement of the goal.
            description: optional detail.
            priority: "active", "queued" or "backburner".
            source: "curiosity", "user_request", "identity", "derived" or "external".
        """
        return await self.goals.create(title, description, priority, source)

    async def list_goals(
        self, priority: str | None = None, include_completed: bool = False, limit: int = 20
    ) -> dict[str, Any]:
        """List goals ordered active, queued, backburner, with counts per priority.

        Args:
            priority: only "active", "queued" or "backburner"; null for all.
            include_completed: also list completed and abandoned goals.
            limit: maximum goals, 1 to 1000.
        """
        return await self.goals.list_goals(priority, include_completed, limit)

    async def update_goal(self, goal_id: str, action: str, note: str | None = None) -> dict[str, Any]:
        """Change a goal: promote, demote, complete, abandon, or add a progress note.

        Args:
            goal_id: id from create_goal or list_goals.
            action: "promote" (backburner->queued->active), "demote", "complete", "abandon" or "add_progress".
            note: text kept in the goal's progress log; required for "add_progress".
        """
        return await self.goals.update(goal_id, action, note)

    async def pause_heartbeat(self, reason: str) -> dict[str, Any]:
        """Pause the heartbeat scheduler.

        Args:
            reason: why it is paused (non-empty).
        """
        return await self.heartbeat.pause(reason)

    async def resume_heartbeat(self) -> dict[str, Any]:
        """Resume the heartbeat scheduler."""
        return await self.heartbeat.resume()

    # -- mental models ------------------------------------------------------------------

    async def create_mental_model(
        self,
        name: str,
        domain: str,
        basin_ids: list[str],
        description: str | None = None,
        prediction_templates: list[Any] | None = None,
    ) -> dict[str, Any]:
        """Create a mental model over basins (status "draft" until a prediction is resolved).

        Args:
            name: model name.
            domain: "user", "self", "world" or "task_specific".
            basin_ids: non-empty list of basin names; unknown basins are created dormant.
            description: optional text.
            prediction_templates: optional list of strings or {"trigger": str, "prediction": str};
                "{key}" placeholders are filled from the prediction context.
        """
        return await self.mental_models.create(name, domain, basin_ids, description, prediction_templates)

    async def list_mental_models(
        self, domain: str | None = None, status: str | None = None, limit: int = 20, offset: int = 0
    ) -> dict[str, Any]:
        """List mental models newest first, one page at a time, with the total.

        Args:
            domain: only "user", "self", "world" or "task_specific"; null for all.
            status: only "draft", "active" or "deprecated"; null for all.
            limit: page size, 1 to 1000.
            offset: models to skip (0 or more).
        """
        return await self.mental_models.list_models(domain, status, limit, offset)

    async def get_mental_model(
        self, model_id: str, include_predictions: bool = False, include_revisions: bool = False
    ) -> dict[str, Any]:
        """Get one mental model with its accuracy and revision flag.

        Args:
            model_id: id from create_mental_model.
            include_predictions: add its 20 most recent predictions.
            include_revisions: add its revision history with accuracy before/after.
        """
        return await self.mental_models.get(model_id, include_predictions, include_revisions)

    async def revise_mental_model(
        self,
        model_id: str,
        trigger_description: str,
        add_basins: list[str] | None = None,
        remove_basins: list[str] | None = None,
    ) -> dict[str, Any]:
        """Revise a model's basin structure; records accuracy before, clears the revision flag.

        Args:
            model_id: id of the model.
            trigger_description: what prompted the revision (non-empty).
            add_basins: basin names to add; null for none.
            remove_basins: basin names to remove; null for none.
        """
        return await self.mental_models.revise(model_id, trigger_description, add_basins, remove_basins)

    async def generate_prediction(
        self, model_id: str, context: dict[str, Any], inference_state_id: str | None = None
    ) -> dict[str, Any]:
        """Make a prediction from a model; also creates a competing thoughtseed at the model's layer.

        Confidence comes from the model's resolved predictions; thoughtseed activation is
        min(1, confidence x 1.2); the prediction expires after 24 hours.

        Args:
            model_id: id of a draft or active model.
            context: JSON object describing the situation; its words select the template.
            inference_state_id: optional id of the inference state this belongs to.
        """
        return await self.mental_models.predict(model_id, context, inference_state_id)

    async def run_prediction_competition(self, layer: str) -> dict[str, Any]:
        """Run the prediction competition at a layer; the winning model's basins are activated.

        Args:
            layer: "conceptual" (user), "metacognitive" (self), "abstract" (world), "perceptual"
                (task_specific), or "sensorimotor".
        """
        return await self.mental_models.compete(layer)

    async def get_models_by_winners(self, layer: str | None = None, limit: int = 5) -> list[dict[str, Any]]:
        """List the mental models whose predictions won most competitions, most wins first.

        Args:
            layer: only wins at "sensorimotor", "perceptual", "conceptual", "abstract" or "metacognitive";
                null for all.
            limit: maximum models, 1 to 1000.
        """
        return await self.mental_models.by_winners(layer, limit)
