"""Result shapes of the tools over stored things: memories, recall, journeys and sync.

FastMCP derives each tool's output schema from these and checks every result against it,
so a key here is one the service always returns (``NotRequired`` where only some branches do).
"""

# No ``from __future__ import annotations``: TypedDict reads ``NotRequired`` from evaluated
# annotations only, and FastMCP builds its validator from ``__required_keys__``.

from typing import Annotated, Any, Literal, NotRequired, TypeAlias

from pydantic import Field
from typing_extensions import TypedDict

from orchestra.services.vocabulary import MEMORY_TYPES

MemoryType: TypeAlias = Annotated[str, Field(json_schema_extra={"enum": list(MEMORY_TYPES)})]
SyncRunStatus: TypeAlias = Literal["no_remote", "paused", "synced", "remote_unreachable"]


# ------------------------------------------------------------------------------ memories


class CreatedMemory(TypedDict):
    """What ``create_memory`` returns."""

    memory_id: str
    memory_type: MemoryType
    importance: float
    created_at: str
    embedded: bool
    embedding_model: str | None


class Memory(TypedDict):
    """A stored memory as ``get_memory`` returns it."""

    memory_id: str
    content: str
    memory_type: MemoryType
    importance: float
    metadata: dict[str, Any]
    project_id: str | None
    session_id: str | None
    created_at: str
    updated_at: str
    embedding_model: str | None


class SearchHit(TypedDict):
    """One ``search_memories`` result."""

    memory_id: str
    content: str
    memory_type: MemoryType
    importance: float
    score: float
    method: str
    metadata: dict[str, Any]
    created_at: str


class RecalledMemory(TypedDict):
    """One memory ``semantic_recall`` found."""

    memory_id: str
    memory_type: MemoryType
    content: str
    importance: float
    score: float
    similarity: float


class Recall(TypedDict):
    """What ``semantic_recall`` returns as data: its text, the method that ranked, and the memories."""

    result: str
    method: str
    index: str | None
    """The vector index of an embedding recall (pgvector_hnsw, sqlite_vec, numpy_exact); null offline."""
    fallback_reason: str | None
    memories: list[RecalledMemory]


# ------------------------------------------------------------------------------ journeys


class Journey(TypedDict):
    """A device's journey as ``get_or_create_journey`` returns it."""

    journey_id: str
    device_id: str
    created: bool
    created_at: str
    updated_at: str
    session_count: int
    last_session_at: str | None
    document_count: int


class AddedDocument(TypedDict):
    """What ``add_document_to_journey`` returns: the new document and the journey's new count."""

    document_id: str
    journey_id: str
    document_type: str
    title: str | None
    created_at: str
    document_count: int


class JourneySession(TypedDict):
    """One session in a journey's history."""

    session_id: str
    summary: str
    metadata: dict[str, Any]
    started_at: str
    ended_at: str | None


class JourneyDocument(TypedDict):
    """One document in a journey's history."""

    document_id: str
    document_type: str
    title: str | None
    content: str | None
    metadata: dict[str, Any]
    created_at: str


class JourneyHistory(TypedDict):
    """What ``query_journey_history`` returns; ``documents`` only with ``include_documents``."""

    journey_id: str
    query: str | None
    sessions: list[JourneySession]
    documents: NotRequired[list[JourneyDocument]]
    total_sessions_matched: int


# ------------------------------------------------------------------------------ sync


class SyncRun(TypedDict):
    """What ``sync_now`` returns; which keys come depends on ``status``.

    ``no_remote`` adds ``message``, ``paused`` adds ``reason``; a run that pushed
    (``synced`` or ``remote_unreachable``) adds ``batches``, ``batch_size``, ``error``, ``forced``.
    """

    status: SyncRunStatus
    pushed: int
    remaining: int
    message: NotRequired[str]
    reason: NotRequired[str | None]
    batches: NotRequired[int]
    batch_size: NotRequired[int]
    error: NotRequired[str | None]
    forced: NotRequired[bool]


class DestructionAlert(TypedDict):
    """The alert ``check_destruction`` raised, as stored until it is acknowledged."""

    raised_at: str
    deletions: int
    window_s: float
    threshold: int
    sample_memory_ids: list[str]


class SyncStatus(TypedDict):
    """What ``get_sync_status`` returns."""

    queue_length: int
    oldest_pending_at: str | None
    last_sync_at: str | None
    last_attempt_at: str | None
    last_error: str | None
    pushed_total: int
    paused: bool
    pause_reason: str | None
    remote_configured: bool
    remote_reachable: bool
    destruction_alert: DestructionAlert | None


class SyncPaused(TypedDict):
    """What ``pause_sync`` returns."""

    paused: bool
    reason: str
    queue_length: int


class SyncResumed(TypedDict):
    """What ``resume_sync`` returns; ``sync`` is the drain's report, only with ``process_queue``."""

    paused: bool
    sync: NotRequired[SyncRun]
    queue_length: int


class DestructionCheck(TypedDict):
    """What ``check_destruction`` returns; ``details`` is the active alert, if any."""

    alert: bool
    newly_raised: bool
    deletions_in_window: int
    threshold: int
    window_s: float
    details: DestructionAlert | None
    sync_paused: bool


class DestructionAcknowledged(TypedDict):
    """What ``acknowledge_destruction_alert`` returns: the cleared ``alert``, or a ``message`` if none."""

    acknowledged: bool
    sync_resumed: bool
    alert: NotRequired[DestructionAlert]
    message: NotRequired[str]


class Recovery(TypedDict):
    """What ``bootstrap_recovery`` returns (``restored`` is 0 on a dry run)."""

    dry_run: bool
    project_id: str | None
    since: str | None
    remote_memories: int
    already_present: int
    missing_locally: int
    memory_ids: list[str]
    restored: int
