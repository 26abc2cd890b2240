"""Growth as a number: linear, super-linear, sub-linear and flat costs are told apart by arithmetic."""

from __future__ import annotations

import math

import pytest

from benchmarks.scale.growth import TOLERANCE, growth, growth_across


def test_an_affine_cost_is_linear_however_large_its_fixed_part() -> None:
    """1,000 fixed plus 10 a unit: cost per unit falls, the marginal cost does not."""
    item = growth({37: 1370.0, 200: 3000.0, 100: 2000.0}, metric="m", unit="u")
    assert item.sizes == (37, 100, 200) and item.costs == (1370.0, 2000.0, 3000.0)
    assert item.slopes == pytest.approx((10.0, 10.0))
    assert item.ratio == pytest.approx(1.0) and item.verdict == "linear"
    assert item.exponent == pytest.approx(math.log(3000 / 1370) / math.log(200 / 37))


def test_a_quadratic_cost_is_super_linear() -> None:
    item = growth({1: 1.0, 8: 64.0, 32: 1024.0}, metric="m", unit="u")
    assert item.slopes == pytest.approx((9.0, 40.0))
    assert item.ratio == pytest.approx(40 / 9) and item.exponent == pytest.approx(2.0)
    assert item.verdict == "super-linear"


def test_a_saturating_cost_is_sub_linear() -> None:
    item = growth({1_000: 1.0, 10_000: 2.0, 100_000: 3.0}, metric="m", unit="u")
    assert item.ratio == pytest.approx((1 / 90_000) / (1 / 9_000)) and item.verdict == "sub-linear"


def test_a_cost_that_barely_moves_is_flat_whatever_its_noise() -> None:
    item = growth({37: 43.5, 100: 49.0, 200: 41.3}, metric="m", unit="u")
    assert item.verdict == "flat" and item.ratio is not None and item.ratio < 0  # up, then down: noise
    assert growth({3: 10.0, 9: 10.0 * (1 + TOLERANCE * 0.9)}, metric="m", unit="u").verdict == "flat"


def test_the_tolerance_bounds_linear() -> None:
    def ratio_of(last_slope: float) -> str | None:
        return growth({1: 10.0, 2: 20.0, 3: 20.0 + last_slope}, metric="m", unit="u").verdict

    assert ratio_of(10 * (1 + TOLERANCE * 0.9)) == "linear"
    assert ratio_of(10 * (1 + TOLERANCE * 1.1)) == "super-linear"
    assert ratio_of(10 * (1 - TOLERANCE * 1.1)) == "sub-linear"


def test_two_sizes_of_a_moving_cost_cannot_tell() -> None:
    item = growth({1: 1.0, 2: 3.0}, metric="m", unit="u")
    assert item.slopes == (2.0,) and item.ratio is None and item.verdict is None
    assert item.to_dict()["ratio"] is None and item.to_dict()["sizes"] == [1, 2]


def test_zero_costs_have_no_exponent() -> None:
    item = growth({1: 0.0, 2: 3.0, 3: 6.0}, metric="m", unit="u")
    assert item.exponent is None and item.verdict == "linear"


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="two sizes"):
        growth({5: 1.0}, metric="m", unit="u")
    with pytest.raises(ValueError, match="positive"):
        growth({0: 1.0, 5: 2.0}, metric="m", unit="u")


def test_growth_across_reads_one_series_of_the_json_points() -> None:
    points = {
        "37": {"flat": {"prompt_tokens": 39_487.0}, "dag": {"prompt_tokens": 16_690.0}},
        "100": {"flat": {"prompt_tokens": 75_450.0}, "dag": {"prompt_tokens": 16_690.0}},
        "200": {"flat": {"prompt_tokens": 135_309.0}, "dag": {"prompt_tokens": 16_696.0}},
    }
    flat = growth_across(points, "flat", "prompt_tokens", metric="flat", unit="tool")
    assert flat is not None and flat.verdict == "linear"
    assert flat.to_dict()["slopes"] == [570.8, 598.6]
    dag = growth_across(points, "dag", "prompt_tokens", metric="dag", unit="tool")
    assert dag is not None and dag.verdict == "flat"
    assert growth_across({"37": points["37"]}, "flat", "prompt_tokens", metric="m", unit="u") is None
