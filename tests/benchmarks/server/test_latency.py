"""The latency model's formula, validation and jitter."""

from __future__ import annotations

import math

import pytest

from benchmarks.server.latency_model import FAST, INSTANT, NANO, PROFILES, JitterSource, LatencyProfile


def test_total_is_base_plus_prefill_plus_decode() -> None:
    profile = LatencyProfile("t", base_s=0.5, prefill_tok_s=1000.0, decode_tok_s=100.0)
    assert profile.ttft_s(500) == pytest.approx(1.0)
    assert profile.decode_s(50) == pytest.approx(0.5)
    assert profile.total_s(500, 50) == pytest.approx(1.5)


def test_documented_profiles() -> None:
    assert (NANO.base_s, NANO.prefill_tok_s, NANO.decode_tok_s) == (0.5, 5000.0, 150.0)
    assert (FAST.base_s, FAST.prefill_tok_s, FAST.decode_tok_s) == (0.08, 20000.0, 400.0)
    assert INSTANT.total_s(10_000, 10_000) == 0.0
    assert set(PROFILES) == {"nano", "fast", "instant"}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"base_s": -1.0, "prefill_tok_s": 1.0, "decode_tok_s": 1.0},
        {"base_s": 0.0, "prefill_tok_s": 0.0, "decode_tok_s": 1.0},
        {"base_s": 0.0, "prefill_tok_s": 1.0, "decode_tok_s": 1.0, "jitter_frac": 1.0},
    ],
)
def test_invalid_profiles_rejected(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        LatencyProfile("bad", **kwargs)


def test_jitter_is_bounded_and_reproducible() -> None:
    first = [JitterSource(0.2, seed=7).factor() for _ in range(1)]
    a, b = JitterSource(0.2, seed=7), JitterSource(0.2, seed=7)
    draws = [a.factor() for _ in range(500)]
    assert draws == [b.factor() for _ in range(500)]
    assert draws[0] == first[0]
    assert all(0.8 <= f <= 1.2 for f in draws)
    assert min(draws) < 0.85 and max(draws) > 1.15  # actually spread, not constant
    assert JitterSource(0.0).factor() == 1.0
    assert not math.isnan(sum(draws))
