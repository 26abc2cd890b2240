"""The prompt-cache hit rate, read from the server's verbose log.

llama-cpp-python keeps one KV cache; before each completion it compares the new prompt with the
last one and reuses their common prefix. When it reuses something it logs
``Llama.generate: 22 prefix-match hit, remaining 12 prompt tokens to eval``; when it reuses
nothing it logs no such line, and the request shows up only in llama.cpp's timing line
``llama_perf_context_print: prompt eval time = ... ms / 34 tokens``, printed once per completion.
So a request is: a hit line (hit and remaining tokens) followed by its timing line, or a timing line
alone (a cold request: every prompt token evaluated). The hit rate over a stretch of log is
``hits / (hits + evaluated)``: the share of prompt tokens the cache spared the model. A prompt the
cache holds entirely (``full prompt already cached``) counts as a request with unknown size.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

HIT = re.compile(r"Llama\.generate: (\d+) prefix-match hit, remaining (\d+) prompt tokens to eval")
PROMPT_EVAL = re.compile(r"llama_perf_context_print:\s+prompt eval time =\s+[\d.]+ ms /\s+(\d+) tokens")
FULL = "Llama.generate: full prompt already cached"
ACCESS = re.compile(r'"POST /v1/chat/completions HTTP/[\d.]+" (\d{3})')


@dataclass(kw_only=True)
class CacheStats:
    """Prompt tokens the cache spared and those the model evaluated, over a stretch of log."""

    requests: int = 0
    """Completions the log shows (hit lines plus cold timing lines plus full-cache lines)."""
    cold_requests: int = 0
    """Completions that reused nothing."""
    hit_tokens: int = 0
    evaluated_tokens: int = 0
    full_cache_hits: int = 0
    http_errors: int = 0
    """Chat completion requests the server answered with a status >= 400."""

    @property
    def prompt_tokens(self) -> int:
        """Every prompt token the server was sent (reused or evaluated)."""
        return self.hit_tokens + self.evaluated_tokens

    @property
    def hit_rate(self) -> float | None:
        """hits / (hits + evaluated); None with no tokens."""
        return self.hit_tokens / self.prompt_tokens if self.prompt_tokens else None

    def __add__(self, other: CacheStats) -> CacheStats:
        return CacheStats(**{key: getattr(self, key) + getattr(other, key) for key in asdict(self)})

    def to_dict(self) -> dict[str, Any]:
        """Plain data with the derived figures."""
        rate = self.hit_rate
        return {
            **asdict(self),
            "prompt_tokens": self.prompt_tokens,
            "hit_rate": round(rate, 4) if rate is not None else None,
        }


def parse_cache_log(lines: Iterable[str]) -> CacheStats:
    """Count requests, reused and evaluated prompt tokens in server log lines.

    Args:
        lines: The server's log lines, in order.

    Returns:
        The totals.
    """
    stats = CacheStats()
    pending_hit = False  # a hit line was seen and its timing line not yet
    for line in lines:
        if match := HIT.search(line):
            stats.requests += 1
            stats.hit_tokens += int(match.group(1))
            stats.evaluated_tokens += int(match.group(2))
            pending_hit = True
        elif FULL in line:
            stats.requests += 1
            stats.full_cache_hits += 1
            pending_hit = True
        elif match := PROMPT_EVAL.search(line):
            if not pending_hit:
                stats.requests += 1
                stats.cold_requests += 1
                stats.evaluated_tokens += int(match.group(1))
            pending_hit = False
        elif (match := ACCESS.search(line)) and int(match.group(1)) >= 400:
            stats.http_errors += 1
    return stats
