"""Growth as a number: linear, super-linear and sub-linear costs are told apart by arithmetic."""

from __future__ import annotations

import math

import pytest

from benchmarks.scale.growth import TOLERANCE, growth, growth_across


def test_linear_cost_has_ratio_and_exponent_one() -> None:
    item = growth({10: 5.0, 40: 20.0, 20: 10.0}, metric="m", unit="u")
    assert (item.small, item.large) == (10, 40)
    assert item.per_unit_small == item.per_unit_large == 0.5
    assert item.ratio == pytest.approx(1.0) and item.exponent == pytest.approx(1.0)
    assert item.verdict == "linear"


def test_quadratic_cost_is_super_linear_with_exponent_two() -> None:
    item = growth({3: 9.0, 9: 81.0}, metric="m", unit="u")
    assert item.ratio == pytest.approx(3.0) and item.exponent == pytest.approx(2.0)
    assert item.verdict == "super-linear"


def test_fixed_cost_is_sub_linear_with_exponent_zero() -> None:
    item = growth({1: 4.0, 32: 4.0}, metric="m", unit="u")
    assert item.ratio == pytest.approx(1 / 32) and item.exponent == pytest.approx(0.0)
    assert item.verdict == "sub-linear"


def test_the_tolerance_bounds_linear() -> None:
    just_inside = growth({1: 1.0, 2: 2 * (1 + TOLERANCE * 0.9)}, metric="m", unit="u")
    just_outside = growth({1: 1.0, 2: 2 * (1 + TOLERANCE * 1.1)}, metric="m", unit="u")
    assert (just_inside.verdict, just_outside.verdict) == ("linear", "super-linear")


def test_zero_costs_have_no_ratio_or_exponent() -> None:
    item = growth({1: 0.0, 2: 3.0}, metric="m", unit="u")
    assert item.ratio is None and item.exponent is None and item.verdict is None
    assert item.to_dict()["ratio"] is None


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="two sizes"):
        growth({5: 1.0}, metric="m", unit="u")
    with pytest.raises(ValueError, match="positive"):
        growth({0: 1.0, 5: 2.0}, metric="m", unit="u")


def test_growth_across_reads_one_series_of_the_json_points() -> None:
    points = {
        "37": {"flat": {"prompt_tokens": 370.0}, "dag": {"prompt_tokens": 100.0}},
        "200": {"flat": {"prompt_tokens": 4000.0}, "dag": {"prompt_tokens": 100.0}},
    }
    flat = growth_across(points, "flat", "prompt_tokens", metric="flat", unit="tool")
    assert flat is not None and flat.verdict == "super-linear"
    assert flat.to_dict()["exponent"] == round(math.log(4000 / 370) / math.log(200 / 37), 3)
    dag = growth_across(points, "dag", "prompt_tokens", metric="dag", unit="tool")
    assert dag is not None and dag.verdict == "sub-linear"
    assert growth_across({"37": points["37"]}, "flat", "prompt_tokens", metric="m", unit="u") is None
