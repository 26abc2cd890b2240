"""Settings for the cognitive services; embedded by the lead into the YAML config."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from orchestra.store.minds import MIND_PATTERN, MIND_RULE


class EmbeddingSettings(BaseModel):
    """An embeddings provider reached through litellm; recall ranks by cosine similarity."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(
        description="litellm model id, e.g. 'text-embedding-3-small' or 'openai/<name>' for an "
        "OpenAI-compatible server."
    )
    api_base: str | None = Field(default=None, description="Base URL of an OpenAI-compatible API.")
    api_key: str | None = Field(default=None, description="API key; None lets litellm read the env.")
    timeout_s: float = Field(default=10.0, gt=0, description="Per-request timeout in seconds.")
    retry_after_s: float = Field(
        default=30.0,
        ge=0,
        description="After a failed request, recall uses the offline index for this many seconds "
        "before trying the provider again.",
    )
    batch_size: int = Field(
        default=64, ge=1, description="Largest number of texts sent in one embeddings request."
    )
    vector_index: Literal["auto", "pgvector_hnsw", "sqlite_vec", "numpy_exact"] = Field(
        default="auto",
        description="How embedding recall searches: auto picks pgvector on PostgreSQL, sqlite-vec on "
        "SQLite, and an exact NumPy scan where neither is available (the answer names the one used).",
    )


class SyncSettings(BaseModel):
    """The memory outbox and the remote store it drains into."""

    model_config = ConfigDict(extra="forbid")

    remote_path: str | None = Field(
        default=None, description="SQLite file used as the remote store; None disables pushing."
    )
    batch_size: int = Field(default=100, ge=1, description="Outbox entries pushed per request.")
    destruction_threshold: int = Field(
        default=20,
        ge=1,
        description="More than this many memory deletions inside the window raises a destruction alert.",
    )
    destruction_window_s: float = Field(
        default=300.0, gt=0, description="Length of the deletion-counting window, in seconds."
    )


class ServicesSettings(BaseModel):
    """Everything the cognitive services need to open: where the store is, recall, sync."""

    model_config = ConfigDict(extra="forbid")

    store: str | None = Field(
        default=None,
        description="The store: sqlite:///path.db or postgresql://user:password@host:port/db (${ENV} for "
        "secrets); None means $ORCHESTRA_STORE, $ORCHESTRA_HOME/orchestra.db or the platform data dir.",
    )
    store_path: str | None = Field(
        default=None,
        description="SQLite file: the shorthand of store: sqlite:///<path> (set one of the two).",
    )
    mind: str = Field(
        default="default",
        description="Whose rows these services read and write (1-64 letters, digits, '_', '.', '-'): "
        "minds share a database, not tables.",
    )
    embeddings: EmbeddingSettings | None = Field(
        default=None, description="Embeddings provider; None means recall uses the offline FTS5 index."
    )
    sync: SyncSettings = Field(default_factory=SyncSettings, description="Outbox and remote store.")
    heartbeat_interval_s: float = Field(
        default=3600.0, gt=0, description="Nominal time between heartbeats, used to report the next beat."
    )
    basin_half_life_s: float = Field(
        default=3600.0, gt=0, description="Half-life of basin activation decay, in seconds."
    )

    @field_validator("mind")
    @classmethod
    def _valid_mind(cls, value: str) -> str:
        if not MIND_PATTERN.fullmatch(value):
            raise ValueError(f"{value!r} is not a mind id: use {MIND_RULE}")
        return value

    @model_validator(mode="after")
    def _one_store(self) -> ServicesSettings:
        if self.store is not None and self.store_path is not None:
            raise ValueError("set services.store or services.store_path (its SQLite shorthand), not both")
        return self

    @property
    def named_store(self) -> str | None:
        """The store as configured (a URL or a SQLite path), None for the default."""
        return self.store if self.store is not None else self.store_path

    def with_store(self, store: str | None) -> ServicesSettings:
        """These settings on another store (a URL or a path); None keeps the configured one."""
        if store is None:
            return self
        return self.model_copy(update={"store": store, "store_path": None})
