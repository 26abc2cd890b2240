"""Embeddings providers: turn texts into unit vectors for cosine-similarity recall.

The real provider calls ``litellm.embedding`` (any OpenAI-compatible ``api_base``).
After a failure it stands down for ``retry_after_s`` so recall does not pay a timeout
on every call while the provider is unreachable; recall then answers from the offline
index and says so.
"""

from __future__ import annotations

import math
import threading
import time
from array import array
from typing import Any, Protocol, runtime_checkable

import structlog

from orchestra.errors import ServiceError
from orchestra.services.settings import EmbeddingSettings

log = structlog.get_logger(__name__)


@runtime_checkable
class EmbeddingProvider(Protocol):
    """Anything that embeds texts; ``model`` names the vector space stored with each memory."""

    model: str

    def available(self) -> bool:
        """False while the provider is known to be failing (recall skips it)."""
        ...

    def embed(self, texts: list[str]) -> list[list[float]]:
        """Return one vector per text, in order; raise ServiceError on failure."""
        ...


class LiteLLMEmbeddingProvider:
    """Embeddings through ``litellm.embedding``.

    Args:
        settings: model id, api_base, api_key, timeout and retry pause.
    """

    def __init__(self, settings: EmbeddingSettings) -> None:
        self.settings = settings
        self.model = settings.model
        self._down_until = 0.0
        self._lock = threading.Lock()

    def available(self) -> bool:
        """False during the pause after a failed request."""
        return time.monotonic() >= self._down_until

    def embed(self, texts: list[str]) -> list[list[float]]:
        """Embed texts in batches of ``settings.batch_size``.

        Raises:
            ServiceError: the provider failed or returned a malformed answer.
        """
        import litellm  # imported lazily: it is slow to import and only needed here

        vectors: list[list[float]] = []
        size = self.settings.batch_size
        try:
            for start in range(0, len(texts), size):
                batch = texts[start : start + size]
                kwargs: dict[str, Any] = {"timeout": self.settings.timeout_s, "max_retries": 0}
                if self.settings.api_base:
                    kwargs["api_base"] = self.settings.api_base
                if self.settings.api_key:
                    kwargs["api_key"] = self.settings.api_key
                response = litellm.embedding(model=self.model, input=batch, **kwargs)
                data = sorted(response.data, key=lambda item: _field(item, "index"))
                if len(data) != len(batch):
                    raise ServiceError(
                        f"embeddings provider returned {len(data)} vectors for {len(batch)} texts"
                    )
                vectors.extend([float(x) for x in _field(item, "embedding")] for item in data)
        except Exception as exc:
            with self._lock:
                self._down_until = time.monotonic() + self.settings.retry_after_s
            log.warning("embeddings.failed", model=self.model, error=str(exc))
            if isinstance(exc, ServiceError):
                raise
            raise ServiceError(f"embeddings provider {self.model!r} failed: {exc}") from exc
        return vectors


def _field(item: Any, name: str) -> Any:
    return item[name] if isinstance(item, dict) else getattr(item, name)


def normalise(vector: list[float]) -> list[float]:
    """Scale to unit length so cosine similarity is a dot product (zero stays zero)."""
    norm = math.sqrt(sum(x * x for x in vector))
    return [x / norm for x in vector] if norm > 0 else list(vector)


def pack(vector: list[float]) -> bytes:
    """Store a vector as little float32 bytes."""
    return array("f", vector).tobytes()


def unpack(blob: bytes) -> array[float]:
    """Read a vector stored by ``pack``."""
    values = array("f")
    values.frombytes(blob)
    return values
