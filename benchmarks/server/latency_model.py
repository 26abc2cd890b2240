"""Latency model for the scripted model server: how long a reply takes to arrive.

A reply costs ``base + (prompt_tokens - cached_tokens) / prefill + completion_tokens / decode`` seconds,
scaled by a bounded, seeded jitter factor; ``cached_tokens`` is the prompt prefix a slot's prompt cache
already holds (0 unless the server models slots, see :mod:`benchmarks.server.slots`). The split into
time-to-first-token (base + prefill) and decode lets streaming spread the decode time over chunks, as a
real inference server does. Time spent waiting for a free slot comes on top.
"""

from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class LatencyProfile:
    """Parameters of the latency model.

    Attributes:
        name: Short identifier, used by the CLI (``--profile nano``).
        base_s: Fixed per-request overhead (network, queueing, scheduling) in seconds.
        prefill_tok_s: Prompt tokens processed per second; ``math.inf`` makes prefill free.
        decode_tok_s: Completion tokens generated per second; ``math.inf`` makes decode free.
        jitter_frac: Half-width of the uniform multiplicative jitter: the total is scaled by a factor
            drawn from ``[1 - jitter_frac, 1 + jitter_frac]``. Must be in ``[0, 1)``.
    """

    name: str
    base_s: float
    prefill_tok_s: float
    decode_tok_s: float
    jitter_frac: float = 0.0

    def __post_init__(self) -> None:
        if self.base_s < 0:
            raise ValueError(f"base_s must be >= 0, got {self.base_s}")
        if self.prefill_tok_s <= 0 or self.decode_tok_s <= 0:
            raise ValueError("prefill_tok_s and decode_tok_s must be > 0 (use math.inf for free)")
        if not 0 <= self.jitter_frac < 1:
            raise ValueError(f"jitter_frac must be in [0, 1), got {self.jitter_frac}")

    def ttft_s(self, prompt_tokens: int, cached_tokens: int = 0) -> float:
        """Time to first token without jitter: base overhead plus prefill of the uncached prompt.

        Args:
            prompt_tokens: Tokens in the prompt the server received.
            cached_tokens: Leading prompt tokens found in the prompt cache; they cost no prefill.

        Returns:
            Seconds from the start of service until the first completion token.
        """
        return self.base_s + _cost(max(prompt_tokens - cached_tokens, 0), self.prefill_tok_s)

    def decode_s(self, completion_tokens: int) -> float:
        """Time to generate the completion once the first token is out, without jitter.

        Args:
            completion_tokens: Tokens in the completion the server sends.

        Returns:
            Seconds of decoding.
        """
        return _cost(completion_tokens, self.decode_tok_s)

    def total_s(self, prompt_tokens: int, completion_tokens: int, cached_tokens: int = 0) -> float:
        """Expected (jitter-free) total time of a request, the formula tests check against.

        Args:
            prompt_tokens: Tokens in the prompt.
            completion_tokens: Tokens in the completion.
            cached_tokens: Leading prompt tokens found in the prompt cache.

        Returns:
            ``base + (prompt - cached)/prefill + completion/decode`` in seconds (without any wait
            for a free slot, which comes on top).
        """
        return self.ttft_s(prompt_tokens, cached_tokens) + self.decode_s(completion_tokens)


def _cost(tokens: int, rate: float) -> float:
    return 0.0 if math.isinf(rate) else tokens / rate


NANO = LatencyProfile(name="nano", base_s=0.5, prefill_tok_s=5_000.0, decode_tok_s=150.0, jitter_frac=0.1)
"""Roughly gpt-5-nano called with minimal reasoning effort.

Assumptions: ~0.5 s of fixed overhead (TLS-warm HTTP round trip, queueing, scheduling), prefill at
~5,000 prompt tokens/s and decode at ~150 tokens/s, ±10 % jitter. Public averages for gpt-5-nano at its
*default* reasoning effort are far slower (≈2.7 s to first token, ≈146 tokens/s output, with hidden
reasoning tokens before the visible reply), so this profile is an optimistic lower bound for a hosted
small model; benchmarks using it understate, not overstate, model time relative to framework overhead.
"""

FAST = LatencyProfile(name="fast", base_s=0.08, prefill_tok_s=20_000.0, decode_tok_s=400.0, jitter_frac=0.1)
"""A small model (a few billion parameters) served on a local GPU inference server (vLLM-class).

Assumptions: ~80 ms fixed overhead (no WAN hop, light batching), prefill ~20,000 tokens/s, decode
~400 tokens/s for a single stream, ±10 % jitter. Use it to see how framework overhead looks when the
model is cheap, which is where orchestration costs show most.
"""

INSTANT = LatencyProfile(name="instant", base_s=0.0, prefill_tok_s=math.inf, decode_tok_s=math.inf)
"""Zero latency, for tests that only care about protocol behaviour."""

PROFILES: dict[str, LatencyProfile] = {p.name: p for p in (NANO, FAST, INSTANT)}
"""Named profiles, as accepted by the CLI's ``--profile``."""


class JitterSource:
    """Seeded, thread-safe source of jitter factors, so a run's latencies are reproducible.

    Args:
        jitter_frac: Half-width of the uniform factor around 1.0.
        seed: Seed of the private random generator.
    """

    def __init__(self, jitter_frac: float, seed: int = 0) -> None:
        self._frac = jitter_frac
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def factor(self) -> float:
        """Draw the next multiplicative factor in ``[1 - jitter_frac, 1 + jitter_frac]``.

        Returns:
            The factor; exactly 1.0 when jitter is disabled.
        """
        if self._frac == 0:
            return 1.0
        with self._lock:
            return 1.0 + self._rng.uniform(-self._frac, self._frac)
