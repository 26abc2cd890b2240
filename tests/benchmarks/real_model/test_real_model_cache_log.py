"""The prompt-cache hit rate from llama-cpp-python's verbose log lines."""

from __future__ import annotations

import pytest

from benchmarks.real_model.cache_log import CacheStats, parse_cache_log

COLD = [
    "llama_perf_context_print:        load time =       0.28 ms",
    "llama_perf_context_print: prompt eval time =    2000.00 ms /    40 tokens (   50.00 ms per token)",
    "llama_perf_context_print:        eval time =     186.05 ms /    15 runs   (   12.40 ms per token)",
    'INFO:     127.0.0.1:33202 - "POST /v1/chat/completions HTTP/1.1" 200 OK',
]
HIT = [
    "Llama.generate: 22 prefix-match hit, remaining 12 prompt tokens to eval",
    "llama_perf_context_print: prompt eval time =      89.11 ms /    12 tokens (    6.85 ms per token)",
    'INFO:     127.0.0.1:33203 - "POST /v1/chat/completions HTTP/1.1" 200 OK',
]
FULL = [
    "Llama.generate: full prompt already cached, skipping reset",
    "llama_perf_context_print: prompt eval time =       0.00 ms /     0 tokens (    0.00 ms per token)",
]
FAILED = ['INFO:     127.0.0.1:33204 - "POST /v1/chat/completions HTTP/1.1" 500 Internal Server Error']


def test_cold_request_counts_every_token_as_evaluated() -> None:
    """A timing line with no hit line before it is a request that reused nothing."""
    stats = parse_cache_log(COLD)
    assert (stats.requests, stats.cold_requests, stats.hit_tokens, stats.evaluated_tokens) == (1, 1, 0, 40)
    assert stats.hit_rate == 0.0


def test_hit_line_and_its_timing_line_are_one_request() -> None:
    """The timing line after a hit line is not counted again."""
    stats = parse_cache_log(COLD + HIT)
    assert stats.requests == 2
    assert stats.cold_requests == 1
    assert stats.hit_tokens == 22
    assert stats.evaluated_tokens == 40 + 12
    assert stats.prompt_tokens == 74
    assert stats.hit_rate == pytest.approx(22 / 74)


def test_full_cache_hits_and_http_errors() -> None:
    """A fully cached prompt is a request of unknown size; a 500 is counted as an HTTP error."""
    stats = parse_cache_log(HIT + FULL + FAILED)
    assert stats.requests == 2
    assert stats.full_cache_hits == 1
    assert stats.http_errors == 1
    assert stats.cold_requests == 0


def test_empty_log_has_no_rate_and_stats_add_up() -> None:
    """No tokens, no rate; two stretches add up field by field."""
    assert parse_cache_log([]).hit_rate is None
    total = parse_cache_log(COLD) + parse_cache_log(HIT)
    assert total == parse_cache_log(COLD + HIT)
    assert total.to_dict()["hit_rate"] == round(22 / 74, 4)
    assert CacheStats().to_dict()["prompt_tokens"] == 0
