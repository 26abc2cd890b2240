"""Settings for the cognitive services; embedded by the lead into the YAML config."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


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

    store_path: str | None = Field(
        default=None,
        description="SQLite file; None means $ORCHESTRA_HOME/orchestra.db or the platform data dir.",
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
