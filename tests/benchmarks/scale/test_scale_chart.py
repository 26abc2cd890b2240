"""The scale charts: well-formed SVG, one line per series, gaps where a point was not run."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from benchmarks.scale.linechart import Series, line_chart, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(
    ("top", "expected"), [(0.0, [0.0, 1.0]), (4.3, [0, 1, 2, 3, 4, 5]), (180, [0, 50, 100, 150, 200])]
)
def test_ticks_are_round_and_cover_the_top(top: float, expected: list[float]) -> None:
    assert nice_ticks(top) == expected


def test_one_polyline_per_series_with_a_point_per_value() -> None:
    svg = line_chart(
        "Latency <by> size",
        ["37", "100", "200"],
        [
            Series(name="dag", values=(3.0, 3.1, 3.2)),
            Series(name="flat", values=(4.0, None, 9.0), dashed=True),
        ],
        x_title="tools",
        y_title="seconds",
    )
    root = ET.fromstring(svg)
    lines = root.findall(f"{SVG}polyline")
    assert [line.find(f"{SVG}title").text for line in lines] == ["dag", "flat"]  # type: ignore[union-attr]
    assert [len(line.get("points", "").split()) for line in lines] == [3, 2]
    assert lines[1].get("stroke-dasharray") and not lines[0].get("stroke-dasharray")
    assert len(root.findall(f"{SVG}circle")) == 5
    assert "Latency <by> size" in "".join(root.itertext())


def test_higher_values_are_drawn_higher() -> None:
    svg = line_chart("t", ["1", "2"], [Series(name="s", values=(1.0, 2.0))], x_title="x", y_title="y")
    points = ET.fromstring(svg).find(f"{SVG}polyline").get("points", "").split()  # type: ignore[union-attr]
    (_, y_low), (_, y_high) = (tuple(map(float, point.split(","))) for point in points)
    assert y_high < y_low


def test_a_series_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="'s' has 1 values for 2 sizes"):
        line_chart("t", ["1", "2"], [Series(name="s", values=(1.0,))], x_title="x", y_title="y")
