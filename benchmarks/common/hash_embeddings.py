"""A deterministic local embedding for benchmarks: words hashed into 64 dimensions, unit length.

No model and no network, so recall figures measure the store and its index, never a provider.
"""

from __future__ import annotations

import hashlib
import math
from functools import lru_cache

DIMENSIONS = 64


@lru_cache(maxsize=65536)
def _slots(word: str) -> tuple[int, int]:
    digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
    return digest[0] % DIMENSIONS, digest[1] % DIMENSIONS


class HashEmbeddings:
    """An ``EmbeddingProvider``: texts sharing words get similar vectors."""

    model = f"bench/hash-{DIMENSIONS}"

    def available(self) -> bool:
        """Always: it runs in-process."""
        return True

    def embed(self, texts: list[str]) -> list[list[float]]:
        """One unit vector per text."""
        out = []
        for text in texts:
            vector = [0.0] * DIMENSIONS
            for word in text.lower().split():
                first, second = _slots(word)
                vector[first] += 1.0
                vector[second] += 0.5
            norm = math.sqrt(sum(x * x for x in vector)) or 1.0
            out.append([x / norm for x in vector])
        return out
